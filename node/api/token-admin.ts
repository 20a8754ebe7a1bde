/**
 * Token administration as the CLI and the admin API both do it: list, create, revoke, each
 * change audited with the acting principal. Lists never include hashes.
 */
import { existsSync } from 'node:fs';
import { MofangError } from '../errors.js';
import type { Actor, Role } from './services.js';
import { readTokenUsage } from './token-usage.js';
import { createToken, loadTokens, revokeToken } from './tokens.js';

export interface TokenView {
  id: string;
  role: Role;
  unit: string | null;
  createdAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** `active`, `expired` or `revoked`. */
  status: 'active' | 'expired' | 'revoked';
}

export interface TokenAdmin {
  list(): TokenView[];
  /** `input.actor`: only for the tokens the CLI mints for itself (TokenEntry.actor); the admin API never passes it. */
  create(input: { id: string; role: Role; unit?: string; expiresAt?: string; actor?: string }, actor: Actor): { token: string; view: TokenView };
  revoke(id: string, actor: Actor): TokenView;
}

type AuditAppend = (entry: { actor: string; action: string; subject?: string; details: Record<string, unknown> }) => unknown;

/**
 * @example const admin = tokenAdmin(config.http.tokens, (e) => node.audit.record(e)); admin.revoke('ops-1', actor)
 */
export function tokenAdmin(file: string, audit: AuditAppend, now: () => Date = () => new Date()): TokenAdmin {
  const list = (): TokenView[] => {
    if (!existsSync(file)) return [];
    const used = readTokenUsage(file);
    const t = now().getTime();
    return loadTokens(file).map((e) => ({
      id: e.id,
      role: e.role,
      unit: e.unit ?? null,
      createdAt: e.createdAt ?? null,
      expiresAt: e.expiresAt ?? null,
      revokedAt: e.revokedAt ?? null,
      lastUsedAt: e.revokedAt === undefined ? (used[e.id] ?? null) : null,
      status: e.revokedAt !== undefined ? 'revoked' : e.expiresAt !== undefined && Date.parse(e.expiresAt) <= t ? 'expired' : 'active',
    }));
  };
  const live = (id: string) => list().find((v) => v.id === id && v.status !== 'revoked');
  return {
    list,
    create(input, actor) {
      const token = createToken(file, { ...input, now: now() });
      audit({
        actor: actor.id,
        action: 'token.created',
        subject: input.id,
        details: {
          role: input.role,
          unit: input.unit ?? null,
          expiresAt: input.expiresAt ?? null,
          ...(input.actor !== undefined ? { actsAs: input.actor } : {}),
        },
      });
      return { token, view: live(input.id)! };
    },
    revoke(id, actor) {
      if (!revokeToken(file, id, now())) throw new MofangError('NOT_FOUND', `no live token named "${id}" (see mofang token list)`, { id });
      audit({ actor: actor.id, action: 'token.revoked', subject: id, details: {} });
      return list()
        .filter((v) => v.id === id)
        .at(-1)!;
    },
  };
}

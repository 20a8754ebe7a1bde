/**
 * What an e-mail's reader sends back through its links: an unsubscribe (the link at the end of
 * every mail, and the RFC 8058 one-click POST), an open (the pixel) and a click (a tracked link).
 * Each carries a token the node signed (adapters/channels: unsubscribe.ts, tracking.ts) holding the
 * outbox key, never the customer; a token not signed by this node is refused before anything is
 * read or written. Outcomes go to the reach feedback port (`unsubscribed`, `opened`, `clicked`).
 */
import { verifyClickToken, verifyOpenToken } from '../../adapters/channels/tracking.js';
import { verifyUnsubscribeToken } from '../../adapters/channels/unsubscribe.js';
import type { AuditLog } from '../audit/log.js';
import { MofangError } from '../errors.js';
import type { OutboxLookup } from '../journeys/engine/outbox-lookup.js';
import type { Db } from '../store/db.js';
import type { ReachFeedback } from './feedback.js';
import { optOutOfEmail } from './opt-out.js';

export interface LinkPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  outbox: Pick<OutboxLookup, 'byKey'>;
  feedback: ReachFeedback;
  /** The e-mail channel's link secret (its unsubscribe secret); absent: no e-mail channel, every link is refused. */
  secret: string | undefined;
}

export interface ReachLinks {
  /** Throws REACH_LINK_INVALID unless the token is an unsubscribe token this node signed. */
  checkUnsubscribe(token: string): void;
  /** Opts the message's customer out of e-mail and records `unsubscribed`; a repeat changes nothing. */
  unsubscribe(token: string): Promise<{ changed: boolean }>;
  opened(token: string): Promise<void>;
  /** Records the click; returns the target to redirect to (from inside the signed token). */
  clicked(token: string): Promise<string>;
}

const invalid = (what: string) =>
  new MofangError('REACH_LINK_INVALID', `this ${what} link is not valid: it was altered or not made by this node`, { link: what });

/** @example const links = reachLinks({ db, audit, now, outbox: outboxLookup(db), feedback, secret }); await links.unsubscribe(token); */
export function reachLinks(ports: LinkPorts): ReachLinks {
  const { secret } = ports;
  const verified = <T>(what: string, token: string, verify: (secret: string, token: string) => T | null): T => {
    const value = secret === undefined || token.length > 4096 ? null : verify(secret, token);
    if (value === null) throw invalid(what);
    return value;
  };
  const record = (key: string, outcome: 'unsubscribed' | 'opened' | 'clicked', at: Date) => ports.feedback.record([{ key, outcome, at }]);

  return {
    checkUnsubscribe(token) {
      verified('unsubscribe', token, verifyUnsubscribeToken);
    },
    async unsubscribe(token) {
      const key = verified('unsubscribe', token, verifyUnsubscribeToken);
      const target = ports.outbox.byKey(key);
      if (target?.channel !== 'email') {
        throw new MofangError('NOT_FOUND', 'the message this unsubscribe link belongs to is no longer known to this node', { link: 'unsubscribe' });
      }
      const at = ports.now();
      // Consent first: the opt-out is what the customer asked for; the outcome is our bookkeeping, and a retry records it.
      const changed = optOutOfEmail(ports.db, ports.audit, [target], 'unsubscribe-link', at);
      await record(key, 'unsubscribed', at);
      return { changed: changed > 0 };
    },
    async opened(token) {
      await record(verified('open', token, verifyOpenToken), 'opened', ports.now());
    },
    async clicked(token) {
      const { key, target } = verified('click', token, verifyClickToken);
      await record(key, 'clicked', ports.now());
      return target;
    },
  };
}

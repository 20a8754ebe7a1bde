/**
 * A bank and a telco as two sets of the domain pieces a node wires for its protocol runs — its own
 * SQLite file with every migration, identity, signed audit log, sender cache — joined by the
 * in-memory link: runs of every kind, both roles, end to end in one process, without gRPC or node
 * processes. Real crypto and real frames (the protobuf codec); the group multiplies inline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGroup } from '../../protocols/group/index.js';
import { draftTerms, type TermsDraft } from '../../node/agreements/model.js';
import { signTerms } from '../../node/agreements/signing.js';
import { acceptAgreement, type AgreementContext, receiveProposal, recordAcceptance, saveProposal } from '../../node/agreements/store.js';
import type { AuditEntry } from '../../node/audit/chain.js';
import { listAudit } from '../../node/audit/list.js';
import { guardKey } from '../../node/privacy/guard-key.js';
import { AuditLog } from '../../node/audit/log.js';
import { loadConfig } from '../../node/config/load.js';
import { openNodeDatabase } from '../../node/database.js';
import { importDataset } from '../../node/datasets/import.js';
import { type SyntheticPair, writeSyntheticPair } from '../../node/demo/synthetic.js';
import { createIdentity } from '../../node/identity/index.js';
import { type Identity, verifySignature } from '../../node/identity/identity.js';
import { packageRoot } from '../../node/paths.js';
import type { SessionEnv } from '../../node/session/env.js';
import type { Link } from '../../node/session/link.js';
import { runResponder } from '../../node/session/psi-responder.js';
import { listRuns, type RunView } from '../../node/session/runs.js';
import { SenderCache } from '../../node/session/sender-cache.js';
import type { Db } from '../../node/store/db.js';
import { memoryLinkPair } from './memory-link.js';

export interface SessionNode {
  name: string;
  identity: Identity;
  db: Db;
  audit: AuditLog;
  agreements: AgreementContext;
  /** This node's session environment for runs with `peer`. */
  env(peer: SessionNode): SessionEnv;
  /** Audit entries of `action` about `subject`, oldest first. */
  entries(action: string, subject?: string): AuditEntry[];
  runs(): RunView[];
}

export interface SessionPair {
  /** Both nodes read it (agreement expiry); move `offsetMs` to travel in time. */
  clock: { offsetMs: number; now(): Date };
  bank: SessionNode;
  telco: SessionNode;
  data: SyntheticPair;
  /** Proposes `draft(bankId, telcoId)` on the bank and accepts it on the telco; returns its id. */
  agree(draft: (bankId: string, telcoId: string) => TermsDraft): string;
  /**
   * Runs `querier` on the bank against the telco's responder over a fresh memory link; returns
   * the querier's result (or error) once both sides are done.
   */
  run<T>(querier: (env: SessionEnv, link: Link) => Promise<T>): Promise<{ result?: T; error?: unknown }>;
  close(): void;
}

/** @example const pair = await sessionPair(); const id = pair.agree((b, t) => sampleDraft(b, t)); */
export async function sessionPair(sizes = { bankRows: 600, partnerRows: 400, overlap: 200 }): Promise<SessionPair> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-sessions-'));
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  // The shipped defaults, with small batches so every exchange spans several frames.
  const limits = { ...loadConfig(join(packageRoot(), 'config', 'bank.yaml')).limits, maxBatch: 64, peerTimeoutMs: 20_000 };
  const data = writeSyntheticPair({ dir: join(dir, 'data'), ...sizes, seed: 11 });
  const group = defaultGroup();

  const node = async (name: string, dataset: string, file: string): Promise<SessionNode> => {
    const home = join(dir, name);
    const identity = await createIdentity(join(home, 'identity'), name);
    const db = openNodeDatabase(join(home, 'mofang.db'));
    const audit = new AuditLog(db, identity, { headFile: join(home, 'audit-head.json') });
    const senderCache = new SenderCache(join(home, 'oprf'), group, audit);
    await importDataset(db, { file, dataset, idColumn: 'phone', idKind: 'phone', group });
    return {
      name,
      identity,
      db,
      audit,
      agreements: { db, localNodeId: identity.nodeId, audit, verify: verifySignature, now: clock.now },
      env: (peer) => ({
        db,
        group,
        multiply: async (scalar, points) => group.multiply(scalar, points),
        senderCache,
        identity,
        audit,
        limits,
        peer: { nodeId: peer.identity.nodeId, name: peer.name, certPem: peer.identity.certPem },
        now: clock.now,
        guardKey: () => guardKey(join(home, 'privacy-guard.key'), db, identity.keyPem),
        // Permissive like the test nodes' policy (test/support/policy.ts): tests of exact counts name
        // it; a re-import cap no session test reaches (two-node tests cover the cap and the alert).
        policy: { allowExactCounts: true, maxQuerierReimportsPerDay: 1000 },
        metrics: { probingSuspected: () => {} },
        // Zero noise, so released aggregates can be compared with exact ones.
        noise: () => 0n,
      }),
      entries: (action, subject) => listAudit(db, { action, limit: 1000 }).filter((e) => subject === undefined || e.subject === subject),
      runs: () => listRuns(db),
    };
  };
  const bank = await node('bank', 'customers', data.bankFile);
  const telco = await node('telco', 'subscribers', data.partnerFile);

  return {
    clock,
    bank,
    telco,
    data,
    agree(draft) {
      const terms = draftTerms(draft(bank.identity.nodeId, telco.identity.nodeId), clock.now());
      const signed = { terms, proposerSignature: signTerms(terms, bank.identity, clock.now()) };
      saveProposal(bank.agreements, signed);
      receiveProposal(telco.agreements, signed, bank.identity.certPem);
      recordAcceptance(bank.agreements, terms.id, acceptAgreement(telco.agreements, terms.id, telco.identity), telco.identity.certPem);
      return terms.id;
    },
    async run(querier) {
      const [bankLink, telcoLink] = memoryLinkPair(limits.peerTimeoutMs, ['bank', 'telco']);
      const responding = runResponder(telco.env(bank), telcoLink);
      const outcome = await querier(bank.env(telco), bankLink).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      // A querier that refused before its first frame leaves the link open; the gRPC client closes its call the same way.
      bankLink.end();
      await responding;
      return outcome;
    },
    close() {
      bank.db.close();
      telco.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

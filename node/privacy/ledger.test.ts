/** The budget ledger per data pair on a real SQLite file with the real audit log, reopened to prove it survives. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storedAggregateAgreement } from '../../test/support/agreements.js';
import { createIdentity } from '../identity/create-identity.js';
import type { Identity } from '../identity/identity.js';
import { AuditLog } from '../audit/log.js';
import type { MofangError } from '../errors.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { openDatabase } from '../store/db.js';
import { NODE_MIGRATIONS } from '../database.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { budgetState, refundReservation, reserveBudget } from './ledger.js';

let identity: Identity;
beforeAll(async () => {
  identity = await createIdentity(join(mkdtempSync(join(tmpdir(), 'mofang-ledger-id-')), 'identity'), 'ledger-node');
});
const opened: Db[] = [];
function open(dir: string) {
  const db = openNodeDatabase(join(dir, 'mofang.db'));
  opened.push(db);
  return { db, audit: new AuditLog(db, identity, { headFile: join(dir, 'audit-head.json') }) };
}
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

// ε 1 per query, 10 per 30-day period; periods counted from the epoch: 2026-01-07 … 2026-02-06 is period 682.
const agreement = storedAggregateAgreement('proposer');
const IN_PERIOD_0 = new Date('2026-01-10T00:00:00.000Z');
const IN_PERIOD_1 = new Date('2026-02-10T00:00:00.000Z');
const reserve = (n: ReturnType<typeof open>, runId: string, now = IN_PERIOD_0, a = agreement) =>
  reserveBudget(n.db, n.audit, { agreement: a, runId, role: 'querier', actor: 'test', now });
/** A second agreement with the same terms over the same two datasets, created later. */
const sameTermsAgain = storedAggregateAgreement('proposer', {}, '2f8fad5b-d9cb-469f-a165-70867728950e');

function refusal(fn: () => unknown): MofangError {
  try {
    fn();
  } catch (err) {
    return err as MofangError;
  }
  throw new Error('expected a refusal');
}

describe('privacy budget ledger', () => {
  it('spends ε per query up to the total exactly, then refuses naming agreement, period, spent, requested and total', () => {
    const node = open(mkdtempSync(join(tmpdir(), 'mofang-ledger-')));
    for (let i = 0; i < 10; i++) reserve(node, `run-${i}`);
    expect(budgetState(node.db, agreement, IN_PERIOD_0).spent.epsilonMicro).toBe(10_000_000);
    const err = refusal(() => reserve(node, 'run-10'));
    expect(err.code).toBe('PRIVACY_BUDGET_EXHAUSTED');
    expect(err.message).toContain(
      `agreement ${agreement.id}: privacy budget period 682 (2026-01-07T00:00:00.000Z to 2026-02-06T00:00:00.000Z) cannot pay for this query`,
    );
    expect(err.message).toContain("epsilon: 10 spent + 1 requested = 11 exceeds the period's budget of 10");
    expect(err.message).toContain(
      `Spent counts every agreement over data pair (peer ${agreement.peerNodeId}, our dataset customers, their dataset subscribers)`,
    );
    expect(err.details).toMatchObject({
      agreementId: agreement.id,
      pair: { peerNodeId: agreement.peerNodeId, localDataset: 'customers', peerDataset: 'subscribers' },
      period: 682,
      spent: { epsilon: '10' },
      requested: { epsilon: '1' },
      total: { epsilon: '10' },
    });
    const log = node.db.prepare("SELECT action, subject FROM audit_log WHERE action LIKE 'privacy.%' ORDER BY seq").all() as {
      action: string;
      subject: string;
    }[];
    expect(log.filter((e) => e.action === 'privacy.spend')).toHaveLength(10);
    expect(log.at(-1)).toEqual({ action: 'privacy.refused', subject: 'run-10' });
  });

  it('starts a fresh budget in the next period', () => {
    const node = open(mkdtempSync(join(tmpdir(), 'mofang-ledger-')));
    for (let i = 0; i < 10; i++) reserve(node, `run-${i}`);
    expect(reserve(node, 'next', IN_PERIOD_1)).toMatchObject({ period: 683, spent: { epsilonMicro: 1_000_000 } });
  });

  it('survives a restart: the reopened database still refuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mofang-ledger-'));
    const first = open(dir);
    for (let i = 0; i < 10; i++) reserve(first, `run-${i}`);
    first.db.close();
    const again = open(dir);
    expect(refusal(() => reserve(again, 'after-restart')).code).toBe('PRIVACY_BUDGET_EXHAUSTED');
  });

  it('reserves a run once, and refunds only what was reserved', () => {
    const node = open(mkdtempSync(join(tmpdir(), 'mofang-ledger-')));
    reserve(node, 'same');
    reserve(node, 'same');
    expect(budgetState(node.db, agreement, IN_PERIOD_0).spent.epsilonMicro).toBe(1_000_000);
    refundReservation(node.db, node.audit, 'same', 'test', 'the peer refused at start');
    refundReservation(node.db, node.audit, 'same', 'test', 'again');
    expect(budgetState(node.db, agreement, IN_PERIOD_0).spent.epsilonMicro).toBe(0);
    expect(node.db.prepare("SELECT count(*) FROM audit_log WHERE action = 'privacy.refunded'").pluck().get()).toBe(1);
  });

  it('counts δ for the Gaussian mechanism', () => {
    const node = open(mkdtempSync(join(tmpdir(), 'mofang-ledger-')));
    const base = agreement.terms.aggregate!;
    const gaussian = storedAggregateAgreement(
      'proposer',
      {
        aggregate: { ...base, mechanism: 'discrete-gaussian', epsilonPerQuery: 0.1, deltaPerQuery: 4e-7, budget: { epsilon: 10, delta: 1e-6, periodDays: 30 } },
      },
      '1f8fad5b-d9cb-469f-a165-70867728950e',
    );
    const r = (id: string) => reserveBudget(node.db, node.audit, { agreement: gaussian, runId: id, role: 'responder', actor: 'peer:bank', now: IN_PERIOD_0 });
    r('g1');
    r('g2');
    const err = refusal(() => r('g3'));
    expect(err.message).toContain('delta: 0.0000008 spent + 0.0000004 requested = 0.0000012 exceeds');
  });

  it('is one ledger per data pair: a new agreement over the same datasets starts with what the pair spent; another dataset does not', () => {
    const node = open(mkdtempSync(join(tmpdir(), 'mofang-ledger-')));
    for (let i = 0; i < 10; i++) reserve(node, `run-${i}`);
    const err = refusal(() => reserve(node, 'second-agreement', IN_PERIOD_0, sameTermsAgain));
    expect(err.code).toBe('PRIVACY_BUDGET_EXHAUSTED');
    expect(err.message).toContain('epsilon: 10 spent + 1 requested = 11 exceeds');
    expect(err.details).toMatchObject({ agreementId: sameTermsAgain.id, spent: { epsilon: '10' }, agreementSpent: { epsilon: '0' } });
    const parties = { ...agreement.terms.parties, proposer: { ...agreement.terms.parties.proposer, dataset: 'prospects' } };
    const otherDataset = { ...agreement, id: '3f8fad5b-d9cb-469f-a165-70867728950e', terms: { ...agreement.terms, parties } };
    expect(reserve(node, 'other-pair', IN_PERIOD_0, otherDataset).spent.epsilonMicro).toBe(1_000_000);
  });

  it('two connections to one database cannot both reserve the last ε of the pair (IMMEDIATE transactions)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mofang-ledger-'));
    const first = open(dir);
    const second = open(dir);
    for (let i = 0; i < 9; i++) reserve(first, `run-${i}`);
    const outcomes = [() => reserve(first, 'last-a'), () => reserve(second, 'last-b', IN_PERIOD_0, sameTermsAgain)].map((r) => {
      try {
        r();
        return 'reserved';
      } catch (err) {
        return (err as MofangError).code;
      }
    });
    expect(outcomes).toEqual(['reserved', 'PRIVACY_BUDGET_EXHAUSTED']);
    // While one connection holds the write lock, the other cannot read a stale spend and write.
    const held = first.db.transaction(() => {
      first.db.prepare("UPDATE privacy_spends SET refunded = 1 WHERE run_id = 'last-a'").run();
      second.db.pragma('busy_timeout = 50');
      return refusal(() => reserve(second, 'during-lock', IN_PERIOD_0, sameTermsAgain));
    });
    expect(String((held.immediate() as unknown as { code: string }).code)).toBe('SQLITE_BUSY');
  });

  it('migrates existing spends to their pair, keeping them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mofang-ledger-'));
    const file = join(dir, 'mofang.db');
    const old = openDatabase(
      file,
      NODE_MIGRATIONS.filter((m) => m.version <= 9),
    );
    old
      .prepare(
        `INSERT INTO agreements (id, terms, terms_hash, local_party, peer_node_id, status, proposer_signature, acceptor_signature, created_at, updated_at)
         VALUES (?, ?, ?, 'proposer', ?, 'accepted', ?, ?, ?, ?)`,
      )
      .run(
        agreement.id,
        canonicalJson(agreement.terms),
        agreement.termsHash,
        agreement.peerNodeId,
        canonicalJson(agreement.proposerSignature),
        canonicalJson(agreement.acceptorSignature),
        agreement.createdAt,
        agreement.updatedAt,
      );
    old
      .prepare("INSERT INTO privacy_spends (run_id, agreement_id, period, role, micro_epsilon, created_at) VALUES ('old-run', ?, 0, 'querier', 4000000, ?)")
      .run(agreement.id, IN_PERIOD_0.toISOString());
    old.close();
    const node = open(dir);
    expect(node.db.prepare("SELECT peer_node_id, local_dataset, peer_dataset FROM privacy_spends WHERE run_id = 'old-run'").get()).toEqual({
      peer_node_id: agreement.peerNodeId,
      local_dataset: 'customers',
      peer_dataset: 'subscribers',
    });
    expect(budgetState(node.db, sameTermsAgain, IN_PERIOD_0).spent.epsilonMicro).toBe(4_000_000);
  });
});

/**
 * Test support only: throwaway P-256 node identities and agreement databases, with the same shape
 * as node/identity (`nodeId` = 'sha256:' + hex of the certificate DER, `sign`, `verifySignature`),
 * so the agreement tests do not depend on that module. Needs the `openssl` CLI for certificates.
 */
import Database from 'better-sqlite3';
import { X509Certificate, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sanitizeOutsiderFields } from '../../node/audit/outsider-fields.js';
import type { Db } from '../../node/store/db.js';
import { type TermsDraft, agreementHash, draftTerms } from '../../node/agreements/model.js';
import { AGREEMENT_MIGRATIONS } from '../../node/agreements/schema.js';
import { nodeIdOfCert } from '../../node/agreements/signing.js';
import type { AgreementContext, AuditEntry, StoredAgreement } from '../../node/agreements/store.js';

export interface TestIdentity {
  name: string;
  nodeId: string;
  certPem: string;
  keyPem: string;
  sign(data: Uint8Array): Buffer;
}

/** A fresh self-signed P-256 identity (random key; not deterministic). */
export function makeTestIdentity(name: string): TestIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-id-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-days', '2'],
    { stdio: 'ignore' },
  );
  const certPem = readFileSync(cert, 'utf8');
  const keyPem = readFileSync(key, 'utf8');
  return { name, nodeId: nodeIdOfCert(certPem)!, certPem, keyPem, sign: (data) => cryptoSign('sha256', data, keyPem) };
}

/** Same contract as identity's verifySignature. */
export function verifySignature(certPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  return cryptoVerify('sha256', data, new X509Certificate(certPem).publicKey, signature);
}

export interface TestNode {
  identity: TestIdentity;
  ctx: AgreementContext;
  db: Db;
  /** Audit entries, read back from a table written inside the agreement transactions. */
  auditEntries(): AuditEntry[];
}

/**
 * A node with its own SQLite file. Its audit sink writes to the same database, so a rolled-back
 * transition also rolls back its audit entry — the property the store promises.
 */
export function makeTestNode(name: string, now?: () => Date): TestNode {
  const identity = makeTestIdentity(name);
  const db = new Database(join(mkdtempSync(join(tmpdir(), 'mofang-agreements-')), `${name}.db`));
  // The agreements domain's own steps, in order: its tables as a node has them, nothing else.
  for (const step of AGREEMENT_MIGRATIONS) db.exec(step.sql);
  db.exec('CREATE TABLE test_audit (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL)');
  // Outsider fields are made safe as the real audit log makes them, so tests see what it stores.
  const audit = {
    append: ({ outsider, ...e }: AuditEntry) => {
      const safe = sanitizeOutsiderFields({ subject: e.subject ?? null, details: e.details ?? {} }, outsider ?? []);
      db.prepare('INSERT INTO test_audit (entry) VALUES (?)').run(JSON.stringify({ ...e, ...safe, subject: safe.subject ?? e.subject }));
    },
  };
  return {
    identity,
    db,
    ctx: { db, localNodeId: identity.nodeId, audit, verify: verifySignature, ...(now ? { now } : {}) },
    auditEntries: () => (db.prepare('SELECT entry FROM test_audit ORDER BY seq').all() as { entry: string }[]).map((r) => JSON.parse(r.entry)),
  };
}

/** Overlap + enrich terms between two node ids; `over` replaces top-level fields. */
export function sampleDraft(proposerId: string, acceptorId: string, over: Partial<TermsDraft> = {}): TermsDraft {
  const draft: TermsDraft = {
    title: 'Bank × Telco active subscribers',
    expiresAt: '2026-07-01T00:00:00.000Z',
    parties: {
      proposer: { nodeId: proposerId, name: 'Bank', dataset: 'customers', columns: ['phone'] },
      acceptor: { nodeId: acceptorId, name: 'Telco', dataset: 'subscribers', columns: ['msisdn'] },
    },
    operations: ['overlap', 'enrich'],
    outputs: { overlap: ['proposer', 'acceptor'], enrich: ['proposer'] },
    minIntersection: 100,
    enrichAttribute: 'partner:telco:active',
    idKind: 'phone',
    ...over,
  };
  return withCountNoise(draft, over);
}

/** Noisy overlap counts, as a proposal gets by default (count-noise.ts), unless counts are exact or `over` names them. */
function withCountNoise(draft: TermsDraft, over: Partial<TermsDraft>): TermsDraft {
  const noisy = draft.operations.includes('overlap') && draft.exactCounts !== true && !('countNoise' in over);
  return noisy ? { ...draft, countNoise: { epsilonPerQuery: 1, budget: { epsilon: 10, periodDays: 30 } } } : draft;
}

/** Like `sampleDraft`, with the telco delivering three label columns to the bank with enrich. */
export function sampleLabelledDraft(proposerId: string, acceptorId: string, over: Partial<TermsDraft> = {}): TermsDraft {
  const base = sampleDraft(proposerId, acceptorId, { countNoise: undefined });
  return withCountNoise(
    {
      ...base,
      // Membership is not "active": the telco's own `active` column is a label here.
      enrichAttribute: 'partner:telco:member',
      parties: { ...base.parties, acceptor: { ...base.parties.acceptor, columns: ['msisdn', 'active', 'score', 'plan'] } },
      labels: [
        { column: 'active', type: 'boolean' },
        { column: 'score', type: 'number' },
        { column: 'plan', type: 'category', maxBytes: 16 },
      ],
      ...over,
    },
    over,
  );
}

/**
 * Like `sampleDraft`, with the telco (value holder) letting the bank aggregate two of its columns
 * (version 3 terms). Overlap only, so the bank is not granted membership.
 */
export function sampleAggregateDraft(proposerId: string, acceptorId: string, over: Partial<TermsDraft> = {}): TermsDraft {
  const base = sampleDraft(proposerId, acceptorId, { countNoise: undefined });
  return withCountNoise(
    {
      ...base,
      operations: ['overlap', 'aggregate'],
      outputs: { overlap: ['proposer'], enrich: [], aggregate: ['proposer'] },
      enrichAttribute: undefined,
      aggregate: {
        columns: [
          { column: 'spend', min: 0, max: 5000, scale: 2, buckets: [100, 1000] },
          { column: 'tenure', min: 0, max: 600 },
        ],
        mechanism: 'discrete-laplace',
        epsilonPerQuery: 1,
        budget: { epsilon: 10, periodDays: 30 },
        minGroupSize: 20,
        minInputSize: 50,
        maxGroups: 8,
      },
      ...over,
    },
    over,
  );
}

/**
 * An accepted aggregate agreement between fixed bank and telco ids as stored on `side`, created
 * 2026-01-01 (no database needed: for policy and ledger tests).
 */
export function storedAggregateAgreement(
  side: 'proposer' | 'acceptor',
  over: Partial<TermsDraft> = {},
  id = '0f8fad5b-d9cb-469f-a165-70867728950e',
): StoredAgreement {
  const bank = `sha256:${'b'.repeat(64)}`;
  const telco = `sha256:${'7'.repeat(64)}`;
  const created = '2026-01-01T00:00:00.000Z';
  const terms = draftTerms(sampleAggregateDraft(bank, telco, over), new Date(created), id);
  const sig = { signer: bank, signature: 'AA==', at: created };
  return {
    id: terms.id,
    terms,
    termsHash: agreementHash(terms),
    localParty: side,
    peerNodeId: side === 'proposer' ? telco : bank,
    status: 'accepted',
    proposerSignature: sig,
    acceptorSignature: { ...sig, signer: telco },
    createdAt: created,
    updatedAt: created,
  };
}

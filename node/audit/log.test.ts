import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentity } from '../identity/create-identity.js';
import { verifySignature, type Identity } from '../identity/identity.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { entrySignaturePayload, GENESIS_HASH } from './chain.js';
import { AuditLog } from './log.js';
import { AUDIT_SCHEMA_V1 } from './schema.js';
import { verifyAudit } from './verify.js';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A node with a real identity, a real SQLite file and a clock that ticks one second per call. */
async function node(name = 'bank-a', identity?: Identity) {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-audit-'));
  dirs.push(dir);
  identity ??= await createIdentity(join(dir, 'identity'), name);
  const db = openNodeDatabase(join(dir, 'node.db'));
  dbs.push(db);
  const headFile = join(dir, 'audit-head.json');
  let t = Date.parse('2025-03-01T08:00:00.000Z');
  const clock = { now: () => new Date((t += 1000)), back: (ms: number) => (t -= ms) };
  const audit = new AuditLog(db, identity, { headFile, now: clock.now });
  return { dir, identity, db, headFile, audit, clock };
}

const headOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { nodeId: string; seq: number; hash: string };

describe('AuditLog.append', () => {
  it('chains entries from the genesis hash, signs each hash and anchors the head', async () => {
    const { audit, identity, headFile } = await node();
    const first = audit.append({ actor: 'alice', action: 'dataset.imported', subject: 'customers-2025', details: { rows: 120000 } });
    const second = audit.append({ actor: 'system', action: 'node.started' });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, subject: 'customers-2025', details: { rows: 120000 } });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, subject: null, details: {} });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifySignature(identity.certPem, entrySignaturePayload(first.hash), Buffer.from(first.signature, 'base64'))).toBe(true);
    expect(headOf(headFile)).toMatchObject({ nodeId: identity.nodeId, seq: 2, hash: second.hash });
    expect(audit.head()).toEqual({ seq: 2, hash: second.hash });
  });

  it('keeps timestamps non-decreasing when the clock steps back', async () => {
    const { audit, clock } = await node();
    const a = audit.append({ actor: 'system', action: 'a' });
    clock.back(60_000);
    const b = audit.append({ actor: 'system', action: 'b' });
    expect(b.at).toBe(a.at);
  });

  it('validates its input and names the field', async () => {
    const { audit } = await node();
    expect(() => audit.append({ actor: '', action: 'x' })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'actor' } }));
    expect(() => audit.append({ actor: 'a', action: 'Run Started' })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'action' } }),
    );
    expect(() => audit.append({ actor: 'a', action: 'x', details: { big: 'x'.repeat(17_000) } })).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }));
    expect(() => audit.append({ actor: 'a', action: 'x', details: { n: Number.NaN } })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    expect(audit.head().seq).toBe(0);
  });

  it('refuses personal identifiers in subject or details, without echoing them', async () => {
    const { audit } = await node();
    try {
      audit.append({ actor: 'alice', action: 'run.failed', details: { reason: 'no match for 13800138000' } });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'AUDIT_RAW_IDENTIFIER', details: { field: 'details.reason', kind: 'mobile phone number' } });
      expect(JSON.stringify(err) + (err as Error).message).not.toContain('13800138000');
    }
    expect(() => audit.append({ actor: 'alice', action: 'x', subject: 'zhang.wei@example.com' })).toThrow(
      expect.objectContaining({ code: 'AUDIT_RAW_IDENTIFIER' }),
    );
    expect(audit.head().seq).toBe(0);
  });

  it("writes outsider fields capped and redacted instead of refusing them, and still refuses the node's own fields", async () => {
    const { audit, db, identity, headFile } = await node();
    const entry = audit.append({
      actor: 'peer:bank',
      action: 'run.refused',
      subject: '13800138000',
      details: { agreementId: 'zhang.wei@example.com', reason: `bad ${'x'.repeat(100_000)} 13800138000`, contact: 13912345678, code: 'AGREEMENT_NOT_FOUND' },
      outsider: ['subject', 'agreementId', 'reason', 'contact'],
    });
    expect(entry.subject).toBe('[redacted mobile phone number]');
    expect(entry.details).toMatchObject({ agreementId: '[redacted email address]', contact: '[redacted]', redacted: ['contact'], code: 'AGREEMENT_NOT_FOUND' });
    expect((entry.details.reason as string).length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(entry)).not.toMatch(/13800138000|13912345678|zhang\.wei/);
    expect((await verifyAudit(db, identity.certPem, { headFile })).ok).toBe(true);
    // Only the named fields are outsider text: the same phone number elsewhere is this node's bug.
    expect(() => audit.append({ actor: 'peer:bank', action: 'run.refused', details: { reason: 'x', note: '13800138000' }, outsider: ['reason'] })).toThrow(
      expect.objectContaining({ code: 'AUDIT_RAW_IDENTIFIER', details: { field: 'details.note', kind: 'mobile phone number' } }),
    );
  });

  it('audits a run of 13 GB: an 11-digit byte count is a number, not a phone number', async () => {
    const { audit } = await node();
    const entry = audit.append({ actor: 'system', action: 'run.completed', details: { bytesSent: 13800138000, bytesReceived: 13912345678, messagesSent: 3 } });
    expect(entry.details).toMatchObject({ bytesSent: 13800138000 });
  });
});

describe('AuditLog.appendAll', () => {
  it('writes the entries in order on one chain, anchors the last one, and verifies', async () => {
    const { audit, db, identity, headFile } = await node();
    const before = audit.append({ actor: 'system', action: 'node.started' });
    const entries = audit.appendAll([
      { actor: 'token:web', action: 'events.ingested', details: { accepted: 1000 } },
      { actor: 'token:app', action: 'events.ingested', details: { accepted: 998, duplicates: 2 } },
    ]);
    expect(entries.map((e) => [e.seq, e.actor, e.prevHash])).toEqual([
      [2, 'token:web', before.hash],
      [3, 'token:app', entries[0].hash],
    ]);
    expect(headOf(headFile)).toMatchObject({ seq: 3, hash: entries[1].hash });
    expect((await verifyAudit(db, identity.certPem, { headFile })).ok).toBe(true);
  });

  it('with deferAnchor, leaves the anchor lagging (which verifies) until flushHead', async () => {
    const { audit, db, identity, headFile } = await node();
    audit.append({ actor: 'system', action: 'node.started' });
    const [entry] = audit.appendAll([{ actor: 'token:web', action: 'events.ingested', details: { accepted: 10 } }], { deferAnchor: true });
    expect(headOf(headFile)).toMatchObject({ seq: 1 });
    expect((await verifyAudit(db, identity.certPem, { headFile })).ok).toBe(true);
    audit.flushHead();
    expect(headOf(headFile)).toMatchObject({ seq: 2, hash: entry.hash });
  });

  it('writes none of them when one is invalid, naming the field', async () => {
    const { audit } = await node();
    expect(() =>
      audit.appendAll([
        { actor: 'token:web', action: 'events.ingested', details: { accepted: 1 } },
        { actor: 'token:web', action: 'events.ingested', details: { note: '13800138000' } },
      ]),
    ).toThrow(expect.objectContaining({ code: 'AUDIT_RAW_IDENTIFIER', details: expect.objectContaining({ field: 'details.note' }) }));
    expect(audit.head().seq).toBe(0);
  });
});

describe('append-only in the database', () => {
  it('rejects UPDATE and DELETE on audit_log and peer_checkpoints', async () => {
    const { audit, db } = await node();
    audit.append({ actor: 'alice', action: 'x' });
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/audit_log is append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/audit_log is append-only/);
    db.prepare("INSERT INTO peer_checkpoints VALUES ('p', 1, 'h', 'a', 's', 'r')").run();
    expect(() => db.prepare("UPDATE peer_checkpoints SET hash = 'x'").run()).toThrow(/peer_checkpoints is append-only/);
    expect(() => db.prepare('DELETE FROM peer_checkpoints').run()).toThrow(/peer_checkpoints is append-only/);
  });
});

describe('transactions and the head anchor', () => {
  it("rolls back with the caller's transaction and never anchors an entry that does not exist", async () => {
    const { audit, db, headFile, identity } = await node();
    audit.append({ actor: 'alice', action: 'a' });
    expect(() =>
      db.transaction(() => {
        audit.append({ actor: 'alice', action: 'dataset.imported' });
        throw new Error('import failed');
      })(),
    ).toThrow('import failed');
    expect(audit.head().seq).toBe(1);
    expect(headOf(headFile).seq).toBe(1);
    expect((await verifyAudit(db, identity.certPem, { headFile })).ok).toBe(true);
  });

  it('commits with the caller; the anchor lags until flushed, which verify accepts', async () => {
    const { audit, db, headFile, identity } = await node();
    audit.append({ actor: 'alice', action: 'a' });
    db.transaction(() => {
      audit.append({ actor: 'alice', action: 'b' });
      audit.append({ actor: 'alice', action: 'c' });
      expect(headOf(headFile).seq).toBe(1);
      expect(() => audit.signedCheckpoint()).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    })();
    expect(headOf(headFile).seq).toBe(1);
    const lagging = await verifyAudit(db, identity.certPem, { headFile });
    expect(lagging.ok).toBe(true);
    expect(lagging.checked.join('\n')).toContain('lags the log by 2');
    const cp = audit.flushHead();
    expect(cp).toMatchObject({ seq: 3, nodeId: identity.nodeId });
    expect(headOf(headFile)).toEqual(cp);
  });

  it('refuses to append once the anchor shows a cut tail (fail closed), until an operator re-anchors', async () => {
    const { audit, db, headFile, identity, dir } = await node();
    for (let i = 0; i < 5; i++) audit.append({ actor: 'alice', action: 'a' });
    const raw = new Database(join(dir, 'node.db'));
    raw.exec('DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 4;');
    raw.close();
    expect(() => audit.append({ actor: 'alice', action: 'b' })).toThrow(expect.objectContaining({ code: 'AUDIT_TAMPERED', details: { seq: 4 } }));
    expect(audit.head().seq).toBe(3);
    expect(headOf(headFile).seq).toBe(5); // the evidence is kept

    const entry = audit.reanchor('operator', 'investigated incident 7: tail lost');
    expect(entry).toMatchObject({ seq: 4, action: 'audit.reanchored', details: { previous: { seq: 5 } } });
    audit.append({ actor: 'alice', action: 'b' });
    // The chain verifies again; the dropped trigger still fails verification until it is restored.
    expect((await verifyAudit(db, identity.certPem, { headFile })).firstBad).toEqual({
      seq: 0,
      reason: 'append-only trigger audit_log_no_delete missing (dropped outside the node)',
    });
    db.exec(AUDIT_SCHEMA_V1.match(/CREATE TRIGGER audit_log_no_delete[\s\S]*?END;/)![0]);
    expect((await verifyAudit(db, identity.certPem, { headFile })).ok).toBe(true);
  });
});

describe('peer checkpoints', () => {
  it('verifies and keeps a peer checkpoint, once, with an audit entry', async () => {
    const bank = await node('bank-a');
    const partner = await node('partner-b');
    partner.audit.append({ actor: 'bob', action: 'run.completed', subject: 'run-1' });
    const cp = partner.audit.signedCheckpoint();
    bank.audit.recordPeerCheckpoint(partner.identity.certPem, cp);
    bank.audit.recordPeerCheckpoint(partner.identity.certPem, cp); // a replayed receipt is a no-op
    expect(bank.db.prepare('SELECT peer_node_id, seq, hash, at, signature FROM peer_checkpoints').all()).toEqual([
      { peer_node_id: partner.identity.nodeId, seq: 1, hash: cp.hash, at: cp.at, signature: cp.signature },
    ]);
    expect(bank.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'audit.peer_checkpoint'").get()).toEqual({ n: 1 });
    partner.audit.append({ actor: 'bob', action: 'run.completed', subject: 'run-2' });
    const newer = partner.audit.signedCheckpoint();
    bank.audit.recordPeerCheckpoint(partner.identity.certPem, newer);
    bank.audit.recordPeerCheckpoint(partner.identity.certPem, cp); // the older one replayed late: still a no-op
    expect(bank.audit.latestPeerCheckpoint(partner.identity.nodeId)).toEqual(newer);
    expect(bank.audit.latestPeerCheckpoint(bank.identity.nodeId)).toBeUndefined();
  });

  it('rejects a checkpoint not signed by the peer, or malformed', async () => {
    const bank = await node('bank-a');
    const partner = await node('partner-b');
    const cp = partner.audit.signedCheckpoint();
    expect(() => bank.audit.recordPeerCheckpoint(bank.identity.certPem, cp)).toThrow(expect.objectContaining({ code: 'PEER_SIGNATURE_INVALID' }));
    const forged = { ...cp, seq: 7 };
    expect(() => bank.audit.recordPeerCheckpoint(partner.identity.certPem, forged)).toThrow(expect.objectContaining({ code: 'PEER_SIGNATURE_INVALID' }));
    expect(() => bank.audit.recordPeerCheckpoint(partner.identity.certPem, { ...cp, hash: 'xyz' })).toThrow(
      expect.objectContaining({ code: 'PEER_MESSAGE_INVALID', details: { field: 'checkpoint.hash' } }),
    );
    expect(bank.audit.head().seq).toBe(0);
  });

  it('treats two different signed hashes for one seq as proof that the peer rewrote its log', async () => {
    const bank = await node('bank-a');
    const partner = await node('partner-b');
    partner.audit.append({ actor: 'bob', action: 'a' });
    const honest = partner.audit.signedCheckpoint();
    bank.audit.recordPeerCheckpoint(partner.identity.certPem, honest);
    // The partner rewrites entry 1 with its own key and signs the new head.
    const again = await node('partner-b', partner.identity);
    again.audit.append({ actor: 'bob', action: 'b' });
    const rewritten = again.audit.signedCheckpoint();
    expect(rewritten.seq).toBe(1);
    expect(() => bank.audit.recordPeerCheckpoint(partner.identity.certPem, rewritten)).toThrow(
      expect.objectContaining({ code: 'AUDIT_TAMPERED', details: { peerNodeId: partner.identity.nodeId, seq: 1 } }),
    );
    expect(bank.db.prepare("SELECT subject FROM audit_log WHERE action = 'audit.peer_checkpoint_conflict'").all()).toEqual([
      { subject: partner.identity.nodeId },
    ]);
  });
});

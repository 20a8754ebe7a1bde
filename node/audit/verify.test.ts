/**
 * Tampering with the database file the way an insider with shell access would: drop the
 * append-only triggers with raw SQL, then edit, delete, reorder or cut entries. verifyAudit must
 * fail and name the first bad seq exactly.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIdentity } from '../identity/create-identity.js';
import type { Identity } from '../identity/identity.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { entryHash } from './chain.js';
import { signCheckpoint } from './checkpoint.js';
import { peerCheckpointsOf } from './list.js';
import { AuditLog } from './log.js';
import { AUDIT_SCHEMA_V1 } from './schema.js';
import { verifyAudit } from './verify.js';

const ENTRIES = 10;
let root: string;
let bankIdentity: Identity;
let partnerIdentity: Identity;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mofang-verify-'));
  bankIdentity = await createIdentity(join(root, 'bank-identity'), 'bank-a');
  partnerIdentity = await createIdentity(join(root, 'partner-identity'), 'partner-b');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let dbFile: string;
let headFile: string;
let db: Db;
let audit: AuditLog;
let tick: number;

function newAuditLog(): AuditLog {
  return new AuditLog(db, bankIdentity, { headFile, now: () => new Date((tick += 1000)) });
}

beforeEach(() => {
  dir = mkdtempSync(join(root, 'node-'));
  dbFile = join(dir, 'node.db');
  headFile = join(dir, 'audit-head.json');
  db = openNodeDatabase(dbFile);
  tick = Date.parse('2025-03-01T08:00:00.000Z');
  audit = newAuditLog();
  for (let i = 1; i <= ENTRIES; i++) {
    audit.append({ actor: 'alice', action: 'run.completed', subject: `run-${i}`, details: { intersection: 1000 + i } });
  }
  return () => db.close();
});

/**
 * Raw SQL on the file through a separate connection, triggers dropped first and, as a careful
 * insider would, created again afterwards (unless `keepDropped`).
 */
function tamper(sql: string, { keepDropped = false } = {}): void {
  const raw = new Database(dbFile);
  raw.exec('DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;');
  raw.exec(sql);
  if (!keepDropped) raw.exec(AUDIT_SCHEMA_V1.match(/CREATE TRIGGER audit_log_[\s\S]*?END;/g)!.join('\n'));
  raw.close();
}

const verify = (checkpoints?: Parameters<typeof verifyAudit>[2]['checkpoints']) =>
  verifyAudit(db, bankIdentity.certPem, { headFile, ...(checkpoints ? { checkpoints } : {}) });

describe('verifyAudit on an intact log', () => {
  it('passes and says what it checked', async () => {
    const report = await verify();
    expect(report).toMatchObject({ ok: true, entries: ENTRIES, head: audit.head() });
    expect(report.firstBad).toBeUndefined();
    expect(report.checked.join('\n')).toMatch(/chain: 10 entries[\s\S]*signatures[\s\S]*head anchor .* seq 10 present[\s\S]*triggers: present/);
  });

  it('passes on an empty log', async () => {
    db.close();
    dbFile = join(dir, 'empty.db');
    headFile = join(dir, 'empty-head.json');
    db = openNodeDatabase(dbFile);
    expect(await verify()).toMatchObject({ ok: true, entries: 0 });
  });
});

describe('verifyAudit fails on a table changed outside the node, with sound entries', () => {
  it('dropped append-only triggers: fails naming them, and lists no passing line for them', async () => {
    tamper('SELECT 1', { keepDropped: true });
    const report = await verify();
    expect(report).toMatchObject({
      ok: false,
      firstBad: { seq: 0, reason: 'append-only triggers audit_log_no_update, audit_log_no_delete missing (dropped outside the node)' },
    });
    expect(report.checked.join('\n')).not.toMatch(/trigger/);
  });

  it('one dropped trigger of the peer checkpoints table: fails naming it', async () => {
    const raw = new Database(dbFile);
    raw.exec('DROP TRIGGER peer_checkpoints_no_delete');
    raw.close();
    expect(await verify()).toMatchObject({
      ok: false,
      firstBad: { seq: 0, reason: expect.stringMatching(/^append-only trigger peer_checkpoints_no_delete missing/) },
    });
  });

  it.each([0, -5])('a row inserted with seq %i, outside the chain: fails naming it', async (seq) => {
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 1').get() as Record<string, unknown>;
    const raw = new Database(dbFile);
    raw
      .prepare(
        'INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash, signature) VALUES (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash, @signature)',
      )
      .run({ ...row, seq });
    raw.close();
    const report = await verify();
    expect(report).toMatchObject({
      ok: false,
      entries: ENTRIES,
      firstBad: { seq, reason: `unexpected row with seq ${seq}: the log starts at seq 1 (inserted outside the node)` },
    });
  });
});

describe('verifyAudit detects tampering and names the first bad seq', () => {
  it('edited details of entry 4', async () => {
    tamper(`UPDATE audit_log SET details = '{"intersection":5}' WHERE seq = 4`);
    expect((await verify()).firstBad).toEqual({ seq: 4, reason: 'content does not match its hash (entry edited)' });
  });

  it('edited entry 4 with its hash recomputed (but no node key to re-sign)', async () => {
    const { prev_hash, at } = db.prepare('SELECT prev_hash, at FROM audit_log WHERE seq = 4').get() as { prev_hash: string; at: string };
    const hash = entryHash(prev_hash, { seq: 4, at, actor: 'alice', action: 'run.completed', subject: 'run-4', details: { intersection: 5 } });
    tamper(`UPDATE audit_log SET details = '{"intersection":5}', hash = '${hash}' WHERE seq = 4`);
    const report = await verify();
    expect(report.firstBad?.seq).toBe(4);
    expect(report.firstBad?.reason).toMatch(/signature does not verify/);
  });

  it('deleted entry 4 (names 5, the first entry after the gap)', async () => {
    tamper('DELETE FROM audit_log WHERE seq = 4');
    expect((await verify()).firstBad).toEqual({ seq: 5, reason: 'seq gap: expected 4 (entries deleted)' });
  });

  it('deleted entry 4 and renumbered the rest (names 4, where the chain breaks)', async () => {
    tamper('DELETE FROM audit_log WHERE seq = 4; UPDATE audit_log SET seq = seq - 1 WHERE seq > 4;');
    const report = await verify();
    expect(report.firstBad?.seq).toBe(4);
    expect(report.firstBad?.reason).toMatch(/prev_hash does not link/);
  });

  it('swapped the content of entries 3 and 6 (names 3)', async () => {
    tamper(`
      CREATE TEMP TABLE orig AS SELECT * FROM audit_log WHERE seq IN (3, 6);
      UPDATE audit_log SET (at, actor, action, subject, details, prev_hash, hash, signature) =
        (SELECT at, actor, action, subject, details, prev_hash, hash, signature FROM orig
         WHERE orig.seq = CASE audit_log.seq WHEN 3 THEN 6 ELSE 3 END)
      WHERE seq IN (3, 6);`);
    const report = await verify();
    expect(report.firstBad?.seq).toBe(3);
    expect(report.firstBad?.reason).toMatch(/prev_hash does not link/);
  });

  it('swapped only the descriptive columns of entries 3 and 6, keeping hashes in place (names 3)', async () => {
    tamper(`
      CREATE TEMP TABLE orig AS SELECT * FROM audit_log WHERE seq IN (3, 6);
      UPDATE audit_log SET (at, actor, action, subject, details) =
        (SELECT at, actor, action, subject, details FROM orig WHERE orig.seq = CASE audit_log.seq WHEN 3 THEN 6 ELSE 3 END)
      WHERE seq IN (3, 6);`);
    expect((await verify()).firstBad).toEqual({ seq: 3, reason: 'content does not match its hash (entry edited)' });
  });

  it('cut the last 3 entries (names 8, the first missing one, via the head anchor)', async () => {
    tamper('DELETE FROM audit_log WHERE seq > 7');
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.entries).toBe(7);
    expect(report.firstBad?.seq).toBe(8);
    expect(report.firstBad?.reason).toMatch(/log ends at seq 7 but the head anchor .* vouches for seq 10: entries were cut/);
  });

  it('stored a non-text value in a TEXT column', async () => {
    tamper("UPDATE audit_log SET signature = X'2A' WHERE seq = 2");
    expect((await verify()).firstBad).toEqual({ seq: 2, reason: 'a column holds a non-text value (entry edited)' });
  });
});

describe('head anchor problems', () => {
  it('reports a missing head file', async () => {
    unlinkSync(headFile);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad).toEqual({ seq: 11, reason: `head anchor ${headFile} is missing: a cut tail cannot be ruled out` });
  });

  it('reports a head file whose signature does not verify', async () => {
    const head = JSON.parse(readFileSync(headFile, 'utf8'));
    writeFileSync(headFile, JSON.stringify({ ...head, seq: 3 }));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad?.reason).toMatch(/is invalid \(signature does not verify\)/);
  });

  it('reports a head file that is not JSON', async () => {
    writeFileSync(headFile, 'garbage');
    expect((await verify()).firstBad?.reason).toMatch(/is invalid \(unreadable/);
  });
});

describe('peer checkpoints catch what the local anchor cannot', () => {
  /** The partner node, which will hold checkpoints of our log from our receipts. */
  function partnerNode() {
    const partnerDir = mkdtempSync(join(root, 'partner-'));
    const partnerDb = openNodeDatabase(join(partnerDir, 'node.db'));
    const partner = new AuditLog(partnerDb, partnerIdentity, { headFile: join(partnerDir, 'audit-head.json') });
    return { partnerDb, partner };
  }

  it('cut tail with the head file rolled back to an old copy: only the checkpoint shows it (names 8)', async () => {
    // Rebuild the log so the head file can be copied at seq 7 and a receipt carries seq 9.
    db.close();
    dbFile = join(dir, 'second.db');
    headFile = join(dir, 'second-head.json');
    db = openNodeDatabase(dbFile);
    audit = newAuditLog();
    const { partnerDb, partner } = partnerNode();
    for (let i = 1; i <= ENTRIES; i++) {
      audit.append({ actor: 'alice', action: 'run.completed', subject: `run-${i}` });
      if (i === 7) copyFileSync(headFile, join(dir, 'head-at-7.json'));
      if (i === 9) partner.recordPeerCheckpoint(bankIdentity.certPem, audit.signedCheckpoint());
    }

    tamper('DELETE FROM audit_log WHERE seq > 7');
    copyFileSync(join(dir, 'head-at-7.json'), headFile);

    const local = await verify();
    expect(local.ok).toBe(true); // consistent on its own: this is what the anchor alone cannot catch

    const held = peerCheckpointsOf(partnerDb, bankIdentity.nodeId);
    expect(held.map((cp) => cp.seq)).toEqual([9]);
    const report = await verify(held);
    expect(report.ok).toBe(false);
    expect(report.firstBad?.seq).toBe(8);
    expect(report.firstBad?.reason).toMatch(/log ends at seq 7 but checkpoint #0 .* vouches for seq 9/);
    partnerDb.close();
  });

  it('tail rewritten with the node key after rolling the head file back: the checkpoint hash differs (names 9)', async () => {
    const { partnerDb, partner } = partnerNode();
    // The checkpoint a receipt carried when the log stood at seq 9.
    const at9 = db.prepare('SELECT hash FROM audit_log WHERE seq = 9').get() as { hash: string };
    partner.recordPeerCheckpoint(bankIdentity.certPem, signCheckpoint(bankIdentity, { seq: 9, hash: at9.hash }, new Date()));

    // An insider with the node key cuts 8..10, restores a matching anchor and appends new history.
    tamper('DELETE FROM audit_log WHERE seq > 7');
    const at7 = db.prepare('SELECT hash FROM audit_log WHERE seq = 7').get() as { hash: string };
    writeFileSync(headFile, JSON.stringify(signCheckpoint(bankIdentity, { seq: 7, hash: at7.hash }, new Date())));
    for (let i = 8; i <= ENTRIES; i++) audit.append({ actor: 'alice', action: 'run.completed', subject: `other-${i}` });

    expect((await verify()).ok).toBe(true);
    const report = await verify(peerCheckpointsOf(partnerDb, bankIdentity.nodeId));
    expect(report.firstBad?.seq).toBe(9);
    expect(report.firstBad?.reason).toMatch(/entry hash differs from the one checkpoint #0 .* vouches for/);
    partnerDb.close();
  });

  it('ignores checkpoints that are not signed by this node, saying so (garbage from a peer proves nothing)', async () => {
    const cp = audit.signedCheckpoint();
    const report = await verify([{ ...cp, seq: 30, source: 'peer partner-b' }, { ...cp, hash: 'nope' }, cp]);
    expect(report.ok).toBe(true);
    expect(report.checked).toEqual(
      expect.arrayContaining([
        `checkpoint #0 from peer partner-b: IGNORED, not evidence (not signed by ${bankIdentity.nodeId})`,
        'checkpoint #1: IGNORED, not evidence (checkpoint.hash: must be 64 lowercase hex digits)',
        `checkpoint #2 (signed ${cp.at}): seq 10 present and unchanged`,
      ]),
    );
  });
});

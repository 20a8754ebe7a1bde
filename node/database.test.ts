import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_MIGRATIONS, openNodeDatabase } from './database.js';
import { openDatabase, type Db } from './store/db.js';
import { combineMigrations } from './store/migrations.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const master = (db: Db) => db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all();

// Shipped migrations are frozen: databases in the field recorded these versions, and a changed
// text would give a new database a schema that an upgraded one lacks. Digests of each version's SQL
// and of the resulting schema, taken when the migrations moved from the store to their domains.
// Version 2's text changed once, when its `ALTER TABLE runs` statements moved from jobs/ to
// session/ (which owns runs): the same statements, now before the jobs tables, give every version
// the same schema as before (SCHEMA_AT_V9 is unchanged), so databases already past it are unaffected.
const SHIPPED_SQL: [number, string][] = [
  [1, 'fd9d7e51c1591d3f223a6b185f61a8b216ab32ac78f64ac65b11a02560f94826'],
  [2, 'de595dc63d01bb8c5da1d792dc0bd312ab020e823ec53f889cc0c7aa599ad64d'],
  [3, '348ad5778988473b887bb603e24c82e9d2616f664550ec4a9cd3f596b0579416'],
  [4, '1af4541ba69c8d8f0d039a550c124eb4c4e7cd004d4bbd7d19ba4cee05e9a187'],
  [5, '3928108795322fb8571f5512036d6490a247fa15b230b10f0502b3a99b5698ee'],
  [6, 'ad9f51e13b7c48c38743c328f217f6fbe2f4969b59ba50e2a29decbe5cf6273b'],
  [7, 'a187a9e7fbfe4bb16a16b1e106cb42e67f285d0cb8e0d5e2b4e4a39639e87e98'],
  [8, 'ddd04b08a0166f08c6c00b2768669601e26b4a1a1425aac1f2532e1b4d1bc0b9'],
  [9, '141ae57abf083054890de302fe33780d136fd6580d3b5df3a0f4659e2ee6143a'],
  [10, '5052219d49db31430e6859d3916133c3f20b4492dee07305a4518cbc9948b56d'],
  // Version 11: the acceptor's policy override on agreements (agreements/schema.ts) and the
  // querier's generation on runs (session/schema.ts).
  [11, '37f84200092db9008623286ba1d1a0c7bb939d369c5d2b58413ef9872bc8c522'],
  // Version 12: the tracking plan's versions and per-event pause state (events/plan/schema.ts).
  [12, '148ec04991ecbb8f33564080009be8d7461a2e625a7954670974f0452bdee7e2'],
  // Version 13: saved metrics, alert rules and alert events (alerts/schema.ts).
  [13, 'e8bb5bd28c149cb1158785afb9d7d07448f1cb79dc092c2c04490ccfe6177299'],
  // Version 14: the body and webhook of a pending alert delivery (alerts/schema.ts).
  [14, '630f8a8c0f61975fe0694c00ef4df9c29eefece23692d10ce9d8e183667a3c12'],
  // Version 15: journeys and their immutable versions (journeys/schema.ts).
  [15, 'ec37652acfc2f01ce4c28683911a1a1557186d8c2a597076128825423f0fae16'],
];
const SCHEMA_AT_V9 = '8b4c875a5232ef85027adbf13b70b25bc973b6f3dfed3c546a3cd0f3b44376d2';

describe('node database migrations', () => {
  it('keeps every shipped version and its exact SQL', () => {
    const shipped = NODE_MIGRATIONS.filter((m) => m.version <= SHIPPED_SQL.length);
    expect(shipped.map((m) => [m.version, sha256(m.sql)])).toEqual(SHIPPED_SQL);
  });

  it('builds the same schema on a new database as before the domains owned their steps', () => {
    expect(NODE_MIGRATIONS.at(-1)!.version).toBeGreaterThanOrEqual(10);
    const latest = openNodeDatabase(':memory:');
    expect(latest.pragma('user_version', { simple: true })).toBe(NODE_MIGRATIONS.at(-1)!.version);
    latest.close();
    const db = openDatabase(
      ':memory:',
      NODE_MIGRATIONS.filter((m) => m.version <= 9),
    );
    expect(db.pragma('user_version', { simple: true })).toBe(9);
    expect(sha256(JSON.stringify(master(db)))).toBe(SCHEMA_AT_V9);
    db.close();
  });

  it('brings a database left at any earlier version to the same schema as a new one', () => {
    const fresh = openNodeDatabase(':memory:');
    const expected = master(fresh);
    fresh.close();
    const dir = mkdtempSync(join(tmpdir(), 'mofang-migrate-'));
    for (const m of NODE_MIGRATIONS.slice(0, -1)) {
      const file = join(dir, `v${m.version}.db`);
      openDatabase(
        file,
        NODE_MIGRATIONS.filter((s) => s.version <= m.version),
      ).close();
      const db = openNodeDatabase(file);
      expect(master(db), `from version ${m.version}`).toEqual(expected);
      db.close();
    }
  });

  it('joins the steps that share a version in the order of their owners and refuses a gap', () => {
    expect(
      combineMigrations(
        [{ version: 1, sql: 'a' }],
        [
          { version: 1, sql: 'b' },
          { version: 2, sql: 'c' },
        ],
      ),
    ).toEqual([
      { version: 1, sql: 'a\nb' },
      { version: 2, sql: 'c' },
    ]);
    expect(() =>
      combineMigrations([
        { version: 1, sql: 'a' },
        { version: 3, sql: 'c' },
      ]),
    ).toThrow(/version 2 is missing/);
  });
});

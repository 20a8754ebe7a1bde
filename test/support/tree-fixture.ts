/**
 * Test support: a real store with a churn dataset for the service and API tests, and a plain evaluation of a leaf rule on one row of columns, with the rule contract's
 * semantics (a comparison, `in` or `notIn` on an unset value is false). Written independently of
 * route.ts so the two can be checked against each other.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultGroup } from '../../protocols/group/index.js';
import { AuditLog } from '../../node/audit/log.js';
import { importDataset } from '../../node/datasets/import.js';
import { createIdentity } from '../../node/identity/create-identity.js';
import { openNodeDatabase } from '../../node/database.js';
import { Insight } from '../../node/insight/insight.js';
import { dateMillis, isNumeric, type FeatureColumn } from '../../node/insight/tree/columns.js';
import type { LeafCondition } from '../../node/insight/tree/leaf-rules.js';

export function matches(rule: LeafCondition, columns: readonly FeatureColumn[], row: number): boolean {
  if ('all' in rule) return rule.all.every((r) => matches(r, columns, row));
  if ('any' in rule) return rule.any.some((r) => matches(r, columns, row));
  const c = columns.find((x) => x.name === rule.attr);
  if (!c) throw new Error(`no column ${rule.attr}`);
  if (rule.op === 'isNotSet') return c.missing[row] === 1;
  if (rule.op === 'isSet') return c.missing[row] === 0;
  if (c.missing[row]) return false;
  if (isNumeric(c)) {
    if (!('value' in rule)) throw new Error(`${rule.op} on a number`);
    const v = c.values[row];
    const t = typeof rule.value === 'string' ? dateMillis(rule.value) : Number(rule.value);
    if (rule.op === 'lte') return v <= t;
    if (rule.op === 'gt') return v > t;
    return v === t;
  }
  const level = c.levels[c.codes[row]];
  if (rule.op === 'in') return rule.values.includes(String(level));
  if (rule.op === 'notIn') return !rule.values.includes(String(level));
  if (rule.op === 'eq') return level === rule.value;
  throw new Error(`${rule.op} on a category`);
}

/** churned = age < 30 and tier = basic (no noise); income unset for every 7th customer. */
export function customer(i: number) {
  const age = 18 + ((i * 37) % 60);
  const tier = ['basic', 'silver', 'gold'][Math.floor(i / 7) % 3];
  const income = i % 7 === 0 ? '' : String(1000 + ((i * 53) % 9000));
  const joined = `2024-${String(1 + (i % 12)).padStart(2, '0')}-15`;
  return { phone: `+86138${String(100_000_000 + i).slice(1)}`, age, tier, income, joined, churned: age < 30 && tier === 'basic' };
}

/**
 * A real node store — SQLite file, identity, audit log — with dataset `customers` of `rows`
 * customers (CSV line i + 2 holds customer i).
 */
export async function churnStore(rows: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-tree-'));
  const db = openNodeDatabase(join(dir, 'node.db'));
  const audit = new AuditLog(db, await createIdentity(join(dir, 'identity'), 'bank'), { headFile: join(dir, 'audit-head.json') });
  const lines = ['phone,age,tier,income,joined,churned', ...Array.from({ length: rows }, (_, i) => Object.values(customer(i)).join(','))];
  const file = join(dir, 'customers.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup(), readInWorker: false });
  return {
    db,
    audit,
    insight: new Insight({ db, audit }),
    /** Audit actions of the decision trees, in order. */
    treeActions: () => (db.prepare('SELECT action FROM audit_log ORDER BY seq').pluck().all() as string[]).filter((a) => a.startsWith('insight.tree.')),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

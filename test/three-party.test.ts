/**
 * A bank joins its customers with two partners (a telco and an insurer), each under its own
 * agreement; the combined audience is computed at the bank and equals the plain intersection.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agreeByCli, createNodes, mofang, mofangJson, type NodeProcess } from './support/node-processes.js';

const phone = (i: number) => `+86139${String(i).padStart(8, '0')}`;

let env: Awaited<ReturnType<typeof createNodes>>;
let bank: NodeProcess;
let telco: NodeProcess;
let insurer: NodeProcess;

beforeAll(async () => {
  env = await createNodes(['bank', 'telco', 'insurer']);
  [bank, telco, insurer] = env.nodes;
  // bank: 0..2999; telco: multiples of 2 from 1000; insurer: multiples of 3 up to 4499.
  const csv = (ids: number[]) => `phone,segment\n${ids.map((i) => `${phone(i)},s${i % 5}`).join('\n')}\n`;
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  writeFileSync(join(env.dir, 'bank.csv'), csv(range(0, 3000)));
  writeFileSync(join(env.dir, 'telco.csv'), csv(range(1000, 6000).filter((i) => i % 2 === 0)));
  writeFileSync(join(env.dir, 'insurer.csv'), csv(range(0, 4500).filter((i) => i % 3 === 0)));
  for (const [node, file, dataset] of [
    [bank, 'bank.csv', 'customers'],
    [telco, 'telco.csv', 'subscribers'],
    [insurer, 'insurer.csv', 'policyholders'],
  ] as const) {
    expect(mofang(node.config, 'import', join(env.dir, file), '--dataset', dataset, '--id', 'phone:phone').code).toBe(0);
  }
  await Promise.all([bank.start(), telco.start(), insurer.start()]);
});
afterAll(() => env?.cleanup());

it('intersect with two partners equals the plain three-way intersection, computed at the bank', () => {
  const a1 = agreeByCli(bank, telco, 'customers', 'subscribers', 'enrich');
  const a2 = agreeByCli(bank, insurer, 'customers', 'policyholders', 'enrich');
  const job = mofangJson(bank.config, 'query', 'intersect', '--agreement', a1, a2, '--attribute', 'joint:telco_insurer');
  const expected = new Set(
    Array.from({ length: 3000 }, (_, i) => i)
      .filter((i) => i >= 1000 && i % 2 === 0 && i % 3 === 0)
      .map(phone),
  );
  expect(job).toMatchObject({ status: 'succeeded', result: { count: expected.size, attribute: 'joint:telco_insurer' } });
  expect(job.runIds).toHaveLength(2);
  const db = new Database(join(env.dir, 'bank', 'data', 'mofang.db'), { readonly: true });
  const values = new Map(db.prepare("SELECT id_norm, value FROM joint_attributes WHERE name = 'joint:telco_insurer'").raw().all() as [string, string][]);
  db.close();
  // Every bank customer has a value: true in the three-way intersection, false elsewhere.
  expect(values.size).toBe(3000);
  expect(new Set([...values].filter(([, v]) => v === 'true').map(([id]) => id))).toEqual(expected);
  expect([...values.values()].filter((v) => v === 'false')).toHaveLength(3000 - expected.size);
  // Each partner took part in exactly one run and learned no count.
  for (const partner of [telco, insurer]) {
    const runs = mofangJson<{ resultCount: number | null; role: string }[]>(partner.config, 'runs', 'list');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ role: 'responder', resultCount: null });
  }
});

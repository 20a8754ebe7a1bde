/**
 * The privacy attacks of a curious bank operator that a per-agreement ledger and an input-set guard
 * let through, on two real nodes (gRPC, mutual TLS): a second agreement over the same two datasets
 * starting afresh, padding a group with numbers that never match, chains of released groups, and
 * a small group released because the union of the groups was large enough.
 *
 * The bank's dataset holds records the telco also has ("members") and records it does not
 * ("never match"): the latter play the made-up numbers an attacker would import.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AggregateProposal } from '../node/api/services.js';
import { normaliseIdentifier } from '../node/datasets/normalise.js';
import { recordRows } from '../node/datasets/records.js';
import { idNormsForRows } from '../node/datasets/store.js';
import type { MofangError } from '../node/errors.js';
import type { MofangNode } from '../node/node.js';
import { runAggregateQuerier } from '../node/session/aggregate-querier.js';
import type { GroupSource } from '../node/session/group-source.js';
import { agree, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

const DAY_MS = 86_400_000;
const AGGREGATE: AggregateProposal = {
  columns: [{ column: 'monthly_spend', min: 0, max: 500 }],
  mechanism: 'discrete-laplace',
  epsilonPerQuery: 1,
  budget: { epsilon: 10, periodDays: 30 },
  minGroupSize: 20,
  minInputSize: 40,
  maxGroups: 4,
};

const phonesOf = (file: string) => {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const column = header.split(',').indexOf('phone');
  return lines.map((l) => normaliseIdentifier('phone', l.split(',')[column].replace(/^"|"$/g, '')));
};

/** Groups of chosen records of the bank's dataset, by normalised phone number. */
function chosen(groups: Record<string, string[]>): GroupSource {
  return {
    grouping: `test:${Object.keys(groups).join(',')}`,
    groups(db, dataset, generation) {
      const rows = recordRows(db, generation);
      const norms = idNormsForRows(db, dataset, rows);
      return Object.entries(groups).map(([label, phones]) => {
        const wanted = new Set(phones);
        return { label, rows: Uint32Array.from(rows.filter((_, i) => wanted.has(norms[i]))) };
      });
    },
  };
}

describe('one privacy ledger per data pair, and a guard on matched sets', () => {
  let nodes: TwoNodes;
  let members: string[];
  let neverMatch: string[];

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 900, partnerRows: 600, overlap: 400 });
    const zeroNoise = (node: MofangNode) => {
      const original = node.sessionEnv.bind(node);
      node.sessionEnv = (peer) => ({ ...original(peer), noise: () => 0n });
    };
    zeroNoise(nodes.bank);
    zeroNoise(nodes.telco);
    const partner = new Set(phonesOf(nodes.data.partnerFile));
    const bank = phonesOf(nodes.data.bankFile);
    members = bank.filter((p) => partner.has(p));
    neverMatch = bank.filter((p) => !partner.has(p));
  }, 60_000);
  afterAll(() => nodes?.stop());
  // The tests share the bank–telco pair: each starts in a fresh budget period of it.
  beforeEach(() => {
    nodes.clock.offsetMs += 31 * DAY_MS;
  });

  const query = async (agreementId: string, groups: Record<string, string[]>) => {
    const { client, peer } = await nodes.bank.connect('telco', 'test');
    try {
      return await runAggregateQuerier(nodes.bank.sessionEnv(peer), client.openRun(), {
        agreementId,
        columns: ['monthly_spend'],
        histogram: false,
        groups: chosen(groups),
        actor: 'test',
      });
    } finally {
      client.close();
    }
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'released',
      (err: MofangError) => `${err.code}: ${err.message}`,
    );

  it('a second agreement with identical terms inherits the pair: its spend, and the refusal of the one-record difference', async () => {
    const first = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const S = [...members.slice(0, 100), ...neverMatch.slice(0, 50)];
    const target = members[100];
    await query(first, { S });
    expect(await refusal(query(first, { 'S+T': [...S, target] }))).toMatch(/^QUERY_TOO_SIMILAR: group 1 \('S\+T'\) differs from group 'S' released by run/);

    const second = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    // The telco's operator sees, before and after accepting, that the pair is shared and what it spent.
    const onTelco = nodes.telco.agreements.get(second).pair!;
    expect(onTelco.others.map((o) => [o.id, o.status])).toContainEqual([first, 'accepted']);
    // The telco's ledger keeps the refused run too: its data went through the PSI step.
    expect(onTelco.budget).toMatchObject({ spent: { epsilon: '2' }, total: { epsilon: '10' } });
    expect(nodes.bank.privacy.budget(second)).toMatchObject({ spent: { epsilon: '1' }, agreementSpent: { epsilon: '0' } });

    expect(await refusal(query(second, { 'S+T': [...S, target] }))).toMatch(
      new RegExp(`^QUERY_TOO_SIMILAR: group 1 \\('S\\+T'\\) differs from group 'S' released by run \\S+ under agreement ${first}`),
    );
    // The telco learns that the guard refused, not the bank's group labels.
    const atTelco = nodes.telco.runs.list({ limit: 1 })[0];
    expect(atTelco).toMatchObject({ status: 'failed', errorCode: 'QUERY_TOO_SIMILAR' });
    expect(atTelco.errorMessage).not.toContain('S+T');
    // Refused before anything was released: the bank's ledger spent nothing on it.
    expect(nodes.bank.privacy.budget(second).spent.epsilon).toBe('1');
    expect(nodes.bank.audit.list({ limit: 1000, action: 'privacy.refunded' }).at(-1)?.details).toMatchObject({
      reason: expect.stringContaining('the differencing guard refused'),
    });
  }, 120_000);

  it("a second agreement does not reset the rate limit: maxQueriesPerDay counts the pair's runs", async () => {
    const terms = { operations: ['overlap', 'aggregate'] as ('overlap' | 'aggregate')[], aggregate: AGGREGATE, maxQueriesPerDay: 1 };
    const first = await agree(nodes, terms);
    await query(first, { all: [...members.slice(0, 100), ...neverMatch.slice(0, 50)] });
    const second = await agree(nodes, terms);
    expect(await refusal(query(second, { all: [...members.slice(0, 100), ...neverMatch.slice(0, 50)] }))).toMatch(
      new RegExp(`^QUERY_LIMIT_REACHED: agreement ${second} allows 1 queries per 24 hours`),
    );
  }, 120_000);

  it('padding with numbers that never match does not make a group far from an earlier one, whether or not the target matches', async () => {
    const id = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const S = [...members.slice(0, 120), ...neverMatch.slice(0, 30)];
    const padding = neverMatch.slice(30, 49);
    await query(id, { S });
    expect(await refusal(query(id, { 'S+T+pad': [...S, members[120], ...padding] }))).toMatch(/^QUERY_TOO_SIMILAR: group 1 \('S\+T\+pad'\)/);
    expect(await refusal(query(id, { 'S+T+pad': [...S, neverMatch[49], ...padding] }))).toMatch(/^QUERY_TOO_SIMILAR: group 1 \('S\+T\+pad'\)/);
    // A group 40 matched records larger is far enough.
    expect(await refusal(query(id, { 'S+40': [...S, ...members.slice(120, 160)] }))).toBe('released');
  }, 120_000);

  it('refuses a chain: ca, cb, then ca ∪ cb ∪ {T}', async () => {
    const id = await agree(nodes, { operations: ['overlap', 'aggregate'], aggregate: AGGREGATE });
    const ca = [...members.slice(0, 60), ...neverMatch.slice(0, 20)];
    const cb = [...members.slice(60, 120), ...neverMatch.slice(20, 40)];
    await query(id, { ca });
    await query(id, { cb });
    expect(await refusal(query(id, { 'ca+cb+T': [...ca, ...cb, members[120]] }))).toMatch(
      /^QUERY_TOO_SIMILAR: group 1 \('ca\+cb\+T'\) differs from the union of group 'ca' released by run .* \+ group 'cb' released by run/,
    );
  }, 120_000);

  it('does not release a group below minIntersection when the union of the groups passes it', async () => {
    const id = await agree(nodes, { operations: ['overlap', 'aggregate'], minIntersection: 30, aggregate: { ...AGGREGATE, minGroupSize: 10 } });
    const set = await query(id, {
      large: [...members.slice(0, 100), ...neverMatch.slice(0, 20)],
      small: [...members.slice(100, 115), ...neverMatch.slice(20, 60)],
    });
    expect(set.groups.map((g) => [g.label, g.suppressed])).toEqual([
      ['large', false],
      ['small', true],
    ]);
    expect(set.groups[1]).toMatchObject({ count: null, columns: [] });
  }, 120_000);
});

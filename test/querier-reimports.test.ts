/**
 * Re-imports and probing, seen from the responder, on two real nodes. The bank (querier)
 * re-imports its dataset between queries; the telco (responder, re-import cap 1) records the
 * querier's generation on its run rows, audits the change, shows the count in `agreements show`
 * and refuses the run after a second re-import, naming the limit. A probe — tiny sets re-imported
 * with one record more — raises exactly one `peer.probing_suspected` entry and the metric.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MofangError } from '../node/errors.js';
import { nodeDb } from './support/node-db.js';
import { mofang } from './support/node-processes.js';
import { TEST_QUERIES_PER_DAY } from './support/policy.js';
import { admin, agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

describe("the responder sees the querier's re-imports and probing", () => {
  let nodes: TwoNodes;
  let agreementId: string;

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 300, partnerRows: 200, overlap: 120 }, 'permissive', { maxQuerierReimportsPerDay: 1 });
    agreementId = await agree(nodes, { operations: ['overlap'] });
  }, 120_000);
  afterAll(async () => {
    await nodes?.stop();
  });

  /** The bank's dataset re-imported from `lines` of its original file (a new generation). */
  const reimport = async (dataset: string, file: string) =>
    nodes.bank.datasets.import({ file, origin: 'operator', dataset, idColumn: 'phone', idKind: 'phone' }, admin);
  const overlap = (id: string) => nodes.bank.jobs.runQuery({ operation: 'overlap', agreementId: id }, operator);
  const telcoRuns = (id: string) =>
    nodeDb(nodes.telco)
      .prepare(
        "SELECT id, querier_generation AS generation, querier_reimport AS reimport FROM runs WHERE role = 'responder' AND agreement_id = ? ORDER BY rowid",
      )
      .all(id) as { id: string; generation: string | null; reimport: number }[];
  const telcoAudit = (action: string) => nodes.telco.audit.list({ action, limit: 1000 });

  it('records the generation on each run, audits a re-import and shows the count; the re-import over the cap is refused naming the limit', async () => {
    await overlap(agreementId);
    await overlap(agreementId);
    // Same generation twice: recorded, no re-import.
    const [first, second] = telcoRuns(agreementId);
    expect(first.generation).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toMatchObject({ generation: first.generation, reimport: 0 });
    expect(telcoAudit('run.querier_reimport')).toEqual([]);

    const [header, ...rows] = readFileSync(nodes.data.bankFile, 'utf8').trim().split('\n');
    // Fifty customers fewer: far enough from the first set that the bank's own differencing guard
    // lets the query through (one record fewer is the probe it refuses, see count-release.test.ts).
    const fewer = join(dirname(nodes.data.bankFile), 'bank-fewer.csv');
    writeFileSync(fewer, `${[header, ...rows.slice(50)].join('\n')}\n`);
    await reimport('customers', fewer);
    const run = await overlap(agreementId);

    const third = telcoRuns(agreementId)[2];
    expect(third).toMatchObject({ id: run.id, reimport: 1 });
    expect(third.generation).not.toBe(first.generation);
    const [entry] = telcoAudit('run.querier_reimport');
    expect(entry).toMatchObject({ subject: run.id, details: { agreementId, reimportsLast24h: { agreement: 1, pair: 1 }, limit: 1 } });
    // Counts and digests' verdicts only: no generation digest, no identifier.
    expect(JSON.stringify(entry.details)).not.toContain(third.generation!);
    const started = telcoAudit('run.started').find((e) => e.subject === run.id);
    expect(started?.details.querierGeneration).toBe('changed');

    const shown = mofang(nodes.telcoInit.configFile, 'agreements', 'show', agreementId);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('this agreement: 1; data pair: 1 of 1 allowed (policy.maxQuerierReimportsPerDay)');
    const json = JSON.parse(mofang(nodes.telcoInit.configFile, '--json', 'agreements', 'show', agreementId).out);
    expect(json.pair.querierReimports).toMatchObject({ agreement: 1, pair: 1, limit: 1 });

    await reimport('customers', nodes.data.bankFile);
    const refused = await overlap(agreementId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MofangError);
    expect(refused).toMatchObject({ code: 'QUERIER_REIMPORT_LIMIT' });
    expect((refused as MofangError).message).toContain('policy.maxQuerierReimportsPerDay');
    expect((refused as MofangError).message).toContain('allows 1');
    // Refused before the run was recorded on the telco: still three runs, one re-import.
    expect(telcoRuns(agreementId)).toHaveLength(3);
    expect(telcoAudit('run.querier_reimport')).toHaveLength(1);
  });

  it('a probe (tiny sets, re-imported with one record more) raises one peer.probing_suspected entry and the metric, however long it goes on', async () => {
    // Tiny sets of known subscribers on a second data pair (its own re-import count).
    const [partnerHeader, ...partnerRows] = readFileSync(nodes.data.partnerFile, 'utf8').trim().split('\n');
    const col = partnerHeader.split(',').indexOf('phone');
    const phones = partnerRows.map((r) => r.split(',')[col]);
    const probe = (n: number) => {
      const file = join(dirname(nodes.data.bankFile), `probe-${n}.csv`);
      writeFileSync(file, `phone\n${phones.slice(0, n).join('\n')}\n`);
      return file;
    };
    await reimport('probe', probe(12));
    const proposed = await nodes.bank.agreements.propose(
      {
        peer: 'telco',
        title: 'probe',
        localDataset: 'probe',
        peerDataset: 'subscribers',
        idKind: 'phone',
        operations: ['overlap'],
        minIntersection: 10,
        maxQueriesPerDay: TEST_QUERIES_PER_DAY,
        expiresAt: new Date(nodes.clock.now().getTime() + 86_400_000).toISOString(),
      },
      admin,
    );
    await nodes.telco.agreements.accept(proposed.id, admin);

    await overlap(proposed.id);
    expect(telcoAudit('peer.probing_suspected')).toEqual([]);
    await reimport('probe', probe(13));
    // An unmodified querier's own guard refuses each of these after the PSI step; the responder
    // admitted the runs, and notices the pattern however the querier's node behaves.
    for (let i = 0; i < 3; i++) await expect(overlap(proposed.id)).rejects.toMatchObject({ code: 'QUERY_TOO_SIMILAR' });

    const alerts = telcoAudit('peer.probing_suspected');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      subject: nodes.bankInit.nodeId,
      details: { peer: 'bank', localDataset: 'subscribers', peerDataset: 'probe', reasons: ['tiny-sets'], tinyRuns: 3, reimports: 1 },
    });
    expect(JSON.stringify(alerts[0].details)).not.toMatch(/\d{11}/);
    const { body } = await nodes.telco.metrics.render();
    expect(body).toContain('mofang_probing_suspected_total{peer="bank"} 1');
    // The steady queries of the first agreement raised nothing on their own pair.
    expect(alerts.every((a) => a.details.peerDataset === 'probe')).toBe(true);
  });
});

/**
 * Policy floors on two real nodes with the default policy of a fresh config: weak terms (ε 10 per
 * query, a budget of 1000 per day, groups and intersections of 1) are refused at propose, go
 * through only with an audited override that the acceptor sees, and are refused again at accept
 * unless the acceptor overrides too. And `agreements show` prints every term, human and --json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mofang, mofangAsync } from './support/node-processes.js';
import { startTwoNodes, type TwoNodes } from './support/two-nodes.js';

describe('policy floors and the acceptor’s review, two nodes with the default policy', () => {
  let nodes: TwoNodes;
  let bank: string;
  let telco: string;

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 300, partnerRows: 200, overlap: 120 }, 'default');
    bank = nodes.bankInit.configFile;
    telco = nodes.telcoInit.configFile;
  }, 120_000);
  afterAll(async () => {
    await nodes?.stop();
  });

  const base = [
    'agreements',
    'propose',
    '--peer',
    'telco',
    '--dataset',
    'customers',
    '--peer-dataset',
    'subscribers',
    '--id-kind',
    'phone',
    '--expires',
    '30d',
  ];
  const weak = [
    ...base,
    '--title',
    'weak',
    '--operations',
    'overlap,aggregate',
    '--aggregate-column',
    'monthly_spend:0:500',
    '--epsilon-per-query',
    '10',
    '--budget-epsilon',
    '1000',
    '--budget-period-days',
    '1',
    '--min-group-size',
    '1',
    '--min-input-size',
    '1',
    '--min-intersection',
    '1',
    '--max-queries-per-day',
    '5',
  ];
  const EPSILON_ISSUE = "aggregate.epsilonPerQuery 10 exceeds this node's policy.maxEpsilonPerQuery 1";
  const FLOOR_ISSUES = [
    "minIntersection 1 is below this node's policy.minIntersection 10",
    EPSILON_ISSUE,
    "aggregate.budget.epsilon 1000 exceeds this node's policy.maxEpsilonPerPeriod 10",
    "aggregate.budget.periodDays 1 is below this node's policy.minPeriodDays 30",
    "aggregate.minGroupSize 1 is below this node's policy.minGroupSize 10",
  ];
  const overrides = (node: TwoNodes['bank']) => node.audit.list({ limit: 1000, action: 'agreement.policy_overridden' });

  it('refuses weak terms at propose, naming each limit, and sends nothing to the peer', () => {
    const refused = mofang(bank, ...weak);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('AGREEMENT_BELOW_POLICY');
    for (const issue of FLOOR_ISSUES) expect(refused.err).toContain(issue);
    expect(refused.err).toContain('--override-policy');
    expect(nodes.bank.agreements.list({})).toEqual([]);
    expect(nodes.telco.agreements.list({})).toEqual([]);
    expect(overrides(nodes.bank)).toEqual([]);
  });

  it('with --override-policy: proposed, audited on the proposer, signed into the terms; the acceptor sees the override and its own floor issues, and cannot accept without overriding', async () => {
    const proposed = await mofangAsync(bank, ...weak, '--override-policy');
    expect(proposed.code, proposed.err).toBe(0);
    expect(proposed.out).toContain('proposer overrode its policy floors:');
    const id = /^Agreement ([0-9a-f-]{36})/.exec(proposed.out)![1];

    const audited = overrides(nodes.bank);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: expect.stringMatching(/^cli:/), subject: id, details: { party: 'proposer', issues: FLOOR_ISSUES } });
    expect(nodes.telco.agreements.get(id).terms.proposerPolicyOverride).toEqual(FLOOR_ISSUES);

    const shown = mofang(telco, 'agreements', 'show', id);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`proposer overrode its policy floors:\n    - ${FLOOR_ISSUES[0]}`);
    expect(shown.out).toContain("below this node's policy:");
    for (const issue of FLOOR_ISSUES) expect(shown.out).toContain(`    - ${issue}`);
    expect(shown.out).toContain('accepting needs --override-policy (audited)');
    expect(shown.out).toMatch(/! aggregate\.minGroupSize 1 is below the default policy\.minGroupSize 10: groups this small are released/);

    const refused = mofang(telco, 'agreements', 'accept', id);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('AGREEMENT_BELOW_POLICY: cannot accept:');
    expect(refused.err).toContain(EPSILON_ISSUE);
    expect(nodes.telco.agreements.get(id).status).toBe('pending');
    expect(overrides(nodes.telco)).toEqual([]);

    const accepted = await mofangAsync(telco, 'agreements', 'accept', id, '--override-policy');
    expect(accepted.code, accepted.err).toBe(0);
    expect(accepted.out).toContain("accepted below this node's policy (5 floor issues overridden; audited as agreement.policy_overridden)");
    expect(nodes.telco.agreements.get(id).status).toBe('accepted');
    expect(overrides(nodes.telco)).toEqual([expect.objectContaining({ subject: id, details: { party: 'acceptor', issues: FLOOR_ISSUES } })]);
    // The acceptor's override is not written into the signed terms, but both sides see it: the
    // acceptance message carries it to the proposer, which records and prints it.
    expect(nodes.telco.agreements.get(id).termsHash).toBe(nodes.bank.agreements.get(id).termsHash);
    expect(nodes.telco.agreements.get(id).acceptorPolicyOverride).toEqual(FLOOR_ISSUES);
    expect(nodes.bank.agreements.get(id)).toMatchObject({ status: 'accepted', acceptorPolicyOverride: FLOOR_ISSUES });
    const onProposer = mofang(bank, 'agreements', 'show', id);
    expect(onProposer.out).toContain('acceptor overrode its policy floors:');
    expect(onProposer.out).toContain(EPSILON_ISSUE);
    const recorded = nodes.bank.audit.list({ limit: 1000, action: 'agreement.accepted' }).find((e) => e.subject === id);
    expect(recorded?.details).toMatchObject({ acceptorPolicyOverride: FLOOR_ISSUES });
  });

  it('terms within the floors need no override, and agreements show prints every term and what each side learns (human and --json)', async () => {
    const run = await mofangAsync(
      bank,
      '--json',
      ...base,
      '--title',
      'strong',
      '--operations',
      'overlap,enrich,aggregate',
      '--min-intersection',
      '100',
      '--max-queries-per-day',
      '5',
      '--enrich-attribute',
      'partner:telco:member',
      '--label',
      'plan:category:24',
      '--aggregate-column',
      'monthly_spend:0:500:2:100,300',
      '--epsilon-per-query',
      '0.5',
      '--budget-epsilon',
      '4',
      '--budget-period-days',
      '30',
      '--min-group-size',
      '20',
      '--min-input-size',
      '100',
      '--max-groups',
      '8',
    );
    expect(run.code, run.err).toBe(0);
    const proposed = JSON.parse(run.out);
    const accepted = await mofangAsync(telco, 'agreements', 'accept', proposed.id);
    expect(accepted.code, accepted.err).toBe(0);

    const shown = mofang(telco, 'agreements', 'show', proposed.id);
    expect(shown.code, shown.err).toBe(0);
    for (const line of [
      /proposer: +bank \(node sha256:[0-9a-f]{64}\), dataset customers, columns phone/,
      /acceptor: +telco \(node sha256:[0-9a-f]{64}\), dataset subscribers, columns phone, plan/,
      /operations: +overlap, enrich, aggregate/,
      /outputs: +overlap → proposer; enrich → proposer; aggregate → proposer/,
      /labels: +plan \(category, at most 24 bytes\)/,
      /enrich attribute: +partner:telco:member/,
      /min intersection: +100/,
      /rate limit: +5 queries per party per rolling 24 hours/,
      /expires: +\d{4}-/,
      /OPRF key epoch: +30 days/,
      /exact counts: +no/,
      /count noise: +discrete-laplace, ε 1 per overlap query; budget ε 10 per 30 days on the data pair/,
      /mechanism: +discrete-laplace, ε 0.5 per query/,
      /budget: +ε 4 per 30 days/,
      /groups: +minGroupSize 20 .*minInputSize 100, maxGroups 8/,
      /column: +monthly_spend clamped to \[0, 500\], scale 2, histogram edges 100, 300/,
      /aggregate: +values held by the acceptor; results to proposer/,
      /policy: +meets this node's policy floors/,
      /enrich: +the proposer learns which of its own records are in the acceptor's dataset \(membership\)/,
      /the proposer learns, for each matched record, the acceptor's plan/,
      /aggregate: +the proposer learns, per group of its own records \(at most 8 groups of at least 100 records each\)/,
    ])
      expect(shown.out).toMatch(line);
    expect(shown.out).not.toContain('proposer overrode');

    const json = JSON.parse(mofang(telco, '--json', 'agreements', 'show', proposed.id).out);
    expect(json).toMatchObject({
      status: 'accepted',
      policyIssues: [],
      terms: {
        maxQueriesPerDay: 5,
        exactCounts: false,
        countNoise: { epsilonPerQuery: 1, budget: { epsilon: 10, periodDays: 30 } },
        labels: [{ column: 'plan', type: 'category', maxBytes: 24 }],
        aggregate: { epsilonPerQuery: 0.5, budget: { epsilon: 4, periodDays: 30 }, minGroupSize: 20, minInputSize: 100, maxGroups: 8 },
      },
    });
    expect(json.terms.proposerPolicyOverride).toBeUndefined();
    expect(json.disclosure.operations.map((o: { operation: string }) => o.operation)).toEqual(['overlap', 'enrich', 'aggregate']);
    // Terms within the default floors, counts noisy by default: nothing to warn of.
    expect(json.disclosure.warnings).toEqual([]);
  });
});

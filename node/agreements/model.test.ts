import { describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import {
  type AgreementTerms,
  type TermsDraft,
  agreementHash,
  draftTerms,
  labelAttribute,
  labelColumnIssues,
  oprfKeyEpochAt,
  oprfKeyEpochDays,
  oprfKeyEpochForRun,
  validateTerms,
} from './model.js';
import { sampleAggregateDraft, sampleDraft, sampleLabelledDraft } from '../../test/support/agreements.js';

const BANK = `sha256:${'b'.repeat(64)}`;
const TELCO = `sha256:${'7'.repeat(64)}`;
const NOW = new Date('2026-01-01T00:00:00.000Z');

// biome-ignore lint/suspicious/noExplicitAny: the tests below mutate arbitrary paths of cloned terms to make them invalid
type Mutable = Record<string, any>;

function terms(over: Partial<TermsDraft> = {}): AgreementTerms {
  return draftTerms(sampleDraft(BANK, TELCO, over), NOW, '0f8fad5b-d9cb-469f-a165-70867728950e');
}

/** The AGREEMENT_INVALID message `mutate` produces. */
function invalidMessage(mutate: (t: Mutable) => void): string {
  const t = structuredClone(terms()) as Mutable;
  mutate(t);
  try {
    validateTerms(t, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(MofangError);
    expect((err as MofangError).code).toBe('AGREEMENT_INVALID');
    return (err as MofangError).message;
  }
  throw new Error('expected AGREEMENT_INVALID');
}

/** Every issue of the terms `mutate` makes from `base` (the message's first: some mistakes break two rules). */
function allIssues(base: AgreementTerms, mutate: (t: Mutable) => void): string {
  const t = structuredClone(base) as Mutable;
  mutate(t);
  try {
    validateTerms(t, NOW);
  } catch (err) {
    expect((err as MofangError).code).toBe('AGREEMENT_INVALID');
    return ((err as MofangError).details!.issues as string[]).join('\n');
  }
  throw new Error('expected AGREEMENT_INVALID');
}

describe('agreement terms: validation names the field', () => {
  it('accepts well-formed terms and returns a canonical copy', () => {
    const t = terms();
    expect(t).toMatchObject({ version: 2, createdAt: NOW.toISOString(), oprfKeyEpochDays: 30 });
    expect(validateTerms(t, NOW)).toEqual(t);
  });

  it.each<[string, (t: Mutable) => void, string]>([
    ['past expiry', (t) => (t.expiresAt = '2025-12-31T23:59:59.000Z'), 'expiresAt: must be after createdAt'],
    [
      'expiry not in the future',
      (t) => ((t.createdAt = '2025-06-01T00:00:00.000Z'), (t.expiresAt = '2025-12-31T00:00:00.000Z')),
      'expiresAt: must be in the future',
    ],
    ['same node twice', (t) => (t.parties.acceptor.nodeId = t.parties.proposer.nodeId), 'parties.acceptor.nodeId: must differ from proposer'],
    ['membership to both', (t) => (t.outputs.enrich = ['proposer', 'acceptor']), 'outputs.enrich: only the querying party can receive membership'],
    ['allowed op without receiver', (t) => (t.outputs.overlap = []), "outputs.overlap: must name a receiver because 'overlap' is allowed"],
    [
      'receiver for op not allowed',
      (t) => ((t.operations = ['overlap']), delete t.enrichAttribute),
      "outputs.enrich: must be empty because 'enrich' is not allowed",
    ],
    ['enrich without attribute', (t) => delete t.enrichAttribute, "enrichAttribute: is required when 'enrich' is allowed"],
    ['missing field', (t) => delete t.title, 'title: is required'],
    ['unknown field', (t) => (t.budget = 3), 'budget: is not a known field'],
    ['bad node id', (t) => (t.parties.proposer.nodeId = 'bank'), "parties.proposer.nodeId: must be 'sha256:' and 64 lowercase hex digits"],
    ['unknown operation', (t) => (t.operations = ['sum']), "operations[0]: must be one of 'overlap', 'enrich', 'aggregate'"],
    ['unknown receiver', (t) => (t.outputs.overlap = ['everyone']), "outputs.overlap[0]: must be one of 'proposer', 'acceptor'"],
    ['zero minimum', (t) => (t.minIntersection = 0), 'minIntersection: must be >= 1'],
    ['fractional minimum', (t) => (t.minIntersection = 1.5), 'minIntersection: must be integer'],
    ['non-UTC timestamp', (t) => (t.expiresAt = '2026-07-01T08:00:00+08:00'), 'expiresAt: must be a UTC timestamp like'],
    ['impossible date', (t) => (t.expiresAt = '2026-02-31T00:00:00.000Z'), 'expiresAt: is not a real date'],
    [
      'a column that is not a label',
      (t) => t.parties.acceptor.columns.push('plan'),
      "parties.acceptor.columns[1]: 'plan' is not a label column; after the id column, list exactly the columns of labels",
    ],
    ['upper-case uuid', (t) => (t.id = t.id.toUpperCase()), 'id: must be a lowercase UUID'],
    ['bad attribute name', (t) => (t.enrichAttribute = 'Partner Telco'), 'enrichAttribute: must be lowercase letters'],
    ['wrong version', (t) => (t.version = 4), 'version: must be one of 1, 2, 3'],
  ])('%s', (_, mutate, expected) => {
    expect(invalidMessage(mutate)).toContain(expected);
  });

  it('lists every issue in details, the first in the message', () => {
    const t = { ...terms(), title: '', minIntersection: 0 };
    const err = (() => {
      try {
        validateTerms(t, NOW);
      } catch (e) {
        return e as MofangError;
      }
    })();
    expect(err?.details?.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^title:/), expect.stringMatching(/^minIntersection:/)]));
  });

  it('refuses values that are not plain JSON', () => {
    expect(() => validateTerms({ ...terms(), minIntersection: Number.NaN }, NOW)).toThrow('terms: must be plain JSON');
  });
});

describe('agreementHash', () => {
  it('is the same for the same terms in any key order, and changes with any term', () => {
    const t = terms();
    const reordered = Object.fromEntries(Object.entries(t).reverse()) as AgreementTerms;
    expect(agreementHash(reordered)).toBe(agreementHash(t));
    expect(agreementHash(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(agreementHash({ ...t, minIntersection: 99 })).not.toBe(agreementHash(t));
  });
});

describe('agreement terms, version 2: labels and the OPRF key epoch', () => {
  const LABELS = [
    { column: 'active', type: 'boolean' as const },
    { column: 'score', type: 'number' as const },
    { column: 'plan', type: 'category' as const, maxBytes: 16 },
  ];
  /** Telco terms delivering three label columns with enrich to the bank. */
  function labelled(over: Partial<TermsDraft> = {}): AgreementTerms {
    return draftTerms(sampleLabelledDraft(BANK, TELCO, over), NOW, '0f8fad5b-d9cb-469f-a165-70867728950e');
  }
  const invalidLabelled = (mutate: (t: Mutable) => void) => allIssues(labelled(), mutate);

  it('accepts label columns that the acceptor lists after its id column, in order', () => {
    const t = labelled();
    expect(t.labels).toEqual(LABELS);
    expect(t.parties.acceptor.columns).toEqual(['msisdn', 'active', 'score', 'plan']);
    expect(validateTerms(t, NOW)).toEqual(t);
  });

  it('names the attribute each label lands in on the querier', () => {
    expect(labelAttribute(labelled(), 'plan')).toBe('partner:telco:member.plan');
  });

  it("refuses a label that would repeat the attribute's last part, and a '.' in enrichAttribute", () => {
    expect(() => labelled({ enrichAttribute: 'partner:telco:active' })).toThrow(
      "labels[0].column: 'active' repeats the last part of enrichAttribute 'partner:telco:active' (the label would be stored as 'partner:telco:active.active')",
    );
    expect(() => labelled({ enrichAttribute: 'partner:telco.member' })).toThrow("enrichAttribute: 'partner:telco.member' must not contain '.'");
    // Without labels too: a flag named like another agreement's label would overwrite it.
    expect(() => terms({ enrichAttribute: 'partner:telco:member.plan' })).toThrow("must not contain '.'");
  });

  it('draftTerms fills in a 30-day epoch, keeps a given one, and writes no empty labels list', () => {
    expect(terms().oprfKeyEpochDays).toBe(30);
    expect(terms({ oprfKeyEpochDays: 7 }).oprfKeyEpochDays).toBe(7);
    expect('labels' in terms({ labels: [] })).toBe(false);
    // An empty list from a peer is accepted too: membership only.
    expect(validateTerms({ ...terms(), labels: [] }, NOW).labels).toEqual([]);
  });

  it.each<[string, (t: Mutable) => void, string]>([
    ['epoch missing', (t) => delete t.oprfKeyEpochDays, 'oprfKeyEpochDays: is required in version 2 terms (1 to 365 days)'],
    ['epoch of 0 days', (t) => (t.oprfKeyEpochDays = 0), 'oprfKeyEpochDays: must be >= 1'],
    ['epoch over a year', (t) => (t.oprfKeyEpochDays = 366), 'oprfKeyEpochDays: must be <= 365'],
    ['fractional epoch', (t) => (t.oprfKeyEpochDays = 1.5), 'oprfKeyEpochDays: must be integer'],
    ['label not in columns', (t) => t.parties.acceptor.columns.pop(), "labels[2].column: 'plan' is not listed in parties.acceptor.columns"],
    ['column not a label', (t) => t.labels.pop(), "parties.acceptor.columns[3]: 'plan' is not a label column"],
    [
      'columns in another order',
      (t) => (t.parties.acceptor.columns = ['msisdn', 'plan', 'score', 'active']),
      'parties.acceptor.columns: must list the label columns in the order of labels, after the id column',
    ],
    ['the id column as a label', (t) => (t.labels[0].column = 'msisdn'), "labels[0].column: 'msisdn' is the id column; it cannot be a label"],
    [
      'a label twice',
      (t) => ((t.labels[1] = { ...t.labels[0] }), (t.parties.acceptor.columns = ['msisdn', 'active', 'plan'])),
      "labels[1].column: 'active' is listed twice",
    ],
    ['category without maxBytes', (t) => delete t.labels[2].maxBytes, 'labels[2].maxBytes: is required for a category column (1 to 255 bytes)'],
    ['maxBytes on a number', (t) => (t.labels[1].maxBytes = 8), "labels[1].maxBytes: only a category column has maxBytes ('score' is number)"],
    ['maxBytes over 255', (t) => (t.labels[2].maxBytes = 256), 'labels[2].maxBytes: must be <= 255'],
    ['unknown label type', (t) => (t.labels[0].type = 'date'), "labels[0].type: must be one of 'boolean', 'number', 'category'"],
    ['unknown label field', (t) => (t.labels[0].unit = 'eur'), 'labels[0].unit: is not a known field'],
    [
      'labels without enrich',
      (t) => ((t.operations = ['overlap']), (t.outputs.enrich = []), delete t.enrichAttribute),
      "labels: need 'enrich' in operations (labels are delivered by enrich)",
    ],
    ['labels to the acceptor', (t) => (t.outputs.enrich = ['acceptor']), "outputs.enrich: must be ['proposer'] when labels are agreed"],
    [
      'proposer exposing more than its id',
      (t) => t.parties.proposer.columns.push('segment'),
      'parties.proposer.columns: must list exactly one column, the id column (labels come from the acceptor)',
    ],
    [
      'a column that cannot name an attribute',
      (t) => ((t.labels[2].column = 'plan type'), (t.parties.acceptor.columns[3] = 'plan type')),
      "labels[2].column: 'plan type' cannot name the querier's attribute 'partner:telco:member.plan type'",
    ],
    [
      'too many labels',
      (t) => {
        t.labels = Array.from({ length: 33 }, (_, i) => ({ column: `c${i}`, type: 'boolean' }));
        t.parties.acceptor.columns = ['msisdn', ...t.labels.map((l: { column: string }) => l.column)];
      },
      'labels: must NOT have more than 32 items',
    ],
    [
      'a label record over 1024 bytes',
      (t) => {
        t.labels = Array.from({ length: 5 }, (_, i) => ({ column: `c${i}`, type: 'category', maxBytes: 255 }));
        t.parties.acceptor.columns = ['msisdn', ...t.labels.map((l: { column: string }) => l.column)];
      },
      'labels: a label record would be 1281 bytes; at most 1024',
    ],
  ])('%s', (_, mutate, expected) => {
    expect(invalidLabelled(mutate)).toContain(expected);
  });

  it('keeps version 1 terms valid: one column each, no labels, no epoch', () => {
    const v1 = { ...structuredClone(terms()), version: 1 } as Mutable;
    delete v1.oprfKeyEpochDays;
    expect(validateTerms(v1, NOW)).toEqual(v1);
    expect(() => validateTerms({ ...v1, oprfKeyEpochDays: 30 }, NOW)).toThrow('oprfKeyEpochDays: needs terms version 2');
    const withLabels = structuredClone(labelled()) as Mutable;
    withLabels.version = 1;
    delete withLabels.oprfKeyEpochDays;
    const err = (() => {
      try {
        validateTerms(withLabels, NOW);
      } catch (e) {
        return e as MofangError;
      }
    })();
    expect(err?.details?.issues).toEqual(
      expect.arrayContaining(['labels: needs terms version 2', 'parties.acceptor.columns: version 1 terms list exactly one column, the id column']),
    );
  });
});

describe('OPRF key epochs', () => {
  it('counts whole epochs from createdAt; version 1 terms have none (fresh key per run)', () => {
    const t = terms({ oprfKeyEpochDays: 30 });
    const at = (iso: string) => oprfKeyEpochAt(t, new Date(iso));
    expect(oprfKeyEpochDays(t)).toBe(30);
    expect(at('2026-01-01T00:00:00.000Z')).toBe(0);
    expect(at('2026-01-30T23:59:59.999Z')).toBe(0);
    expect(at('2026-01-31T00:00:00.000Z')).toBe(1);
    expect(at('2026-04-01T00:00:00.000Z')).toBe(3);
    expect(at('2025-12-31T23:00:00.000Z')).toBe(0); // clock skew before createdAt
    expect(oprfKeyEpochAt(terms({ oprfKeyEpochDays: 1 }), new Date('2026-01-03T12:00:00.000Z'))).toBe(2);
    const v1 = { ...t, version: 1 as const };
    delete (v1 as Partial<AgreementTerms>).oprfKeyEpochDays;
    expect(oprfKeyEpochDays(v1)).toBeNull();
    expect(oprfKeyEpochAt(v1, NOW)).toBeNull();
  });
});

describe('oprfKeyEpochForRun', () => {
  const LATER = new Date('2026-02-15T00:00:00.000Z'); // epoch 1 of 30 days
  it('uses the epoch for enrich, and for overlap only when the querier may also receive membership', () => {
    const t = terms(); // overlap to both, enrich to the proposer
    expect(oprfKeyEpochForRun(t, 'enrich', 'proposer', LATER)).toBe(1);
    expect(oprfKeyEpochForRun(t, 'overlap', 'proposer', LATER)).toBe(1);
    // The acceptor may query overlap but not enrich: a cached key would let it learn membership.
    expect(oprfKeyEpochForRun(t, 'overlap', 'acceptor', LATER)).toBeNull();
    const overlapOnly = terms({ operations: ['overlap'], outputs: { overlap: ['proposer'], enrich: [] }, enrichAttribute: undefined });
    expect(oprfKeyEpochForRun(overlapOnly, 'overlap', 'proposer', LATER)).toBeNull();
  });

  it('is null for version 1 terms', () => {
    const v1 = { ...terms(), version: 1 as const };
    delete (v1 as Partial<AgreementTerms>).oprfKeyEpochDays;
    expect(oprfKeyEpochForRun(v1, 'enrich', 'proposer', LATER)).toBeNull();
  });
});

describe('labelColumnIssues', () => {
  const labels = [
    { column: 'active', type: 'boolean' as const },
    { column: 'score', type: 'number' as const },
    { column: 'plan', type: 'category' as const, maxBytes: 16 },
  ];
  it('wants each label column in the dataset with a compatible type (category from string or date)', () => {
    const fits = [
      { name: 'active', type: 'boolean' },
      { name: 'score', type: 'number' },
      { name: 'plan', type: 'string' },
      { name: 'x', type: 'date' },
    ];
    expect(labelColumnIssues(labels, fits)).toEqual([]);
    expect(labelColumnIssues([{ column: 'x', type: 'category', maxBytes: 10 }], fits)).toEqual([]);
    expect(
      labelColumnIssues(labels, [
        { name: 'active', type: 'string' },
        { name: 'score', type: 'number' },
      ]),
    ).toEqual(["labels[0].type: dataset column 'active' is string; a boolean label needs boolean", "labels[2].column: the dataset has no column 'plan'"]);
  });
});

describe('agreement terms, version 3: the aggregate section', () => {
  function aggregate(over: Partial<TermsDraft> = {}): AgreementTerms {
    return draftTerms(sampleAggregateDraft(BANK, TELCO, over), NOW, '0f8fad5b-d9cb-469f-a165-70867728950e');
  }
  const issuesOf = (mutate: (t: Mutable) => void) => allIssues(aggregate(), mutate);

  it('draftTerms writes version 3, the acceptor as default value holder, and keeps the section as drafted', () => {
    const t = aggregate();
    expect(t.version).toBe(3);
    expect(t.aggregate?.valueHolder).toBe('acceptor');
    expect(t.outputs.aggregate).toEqual(['proposer']);
    expect(validateTerms(t, NOW)).toEqual(t);
  });

  it('keeps version 2 drafts free of any aggregate member', () => {
    const t = terms({ outputs: { overlap: ['proposer'], enrich: ['proposer'], aggregate: [] } });
    expect(t.version).toBe(2);
    expect('aggregate' in t.outputs).toBe(false);
    expect('aggregate' in t).toBe(false);
  });

  it('accepts a Gaussian mechanism with δ per query and in the budget, and the proposer as value holder', () => {
    const base = sampleAggregateDraft(BANK, TELCO).aggregate!;
    const t = aggregate({
      outputs: { overlap: ['proposer'], enrich: [], aggregate: ['acceptor'] },
      aggregate: {
        ...base,
        valueHolder: 'proposer',
        columns: [{ column: 'balance', min: -1000, max: 1000 }],
        mechanism: 'discrete-gaussian',
        deltaPerQuery: 1e-6,
        budget: { epsilon: 5, delta: 1e-5, periodDays: 7 },
      },
    });
    expect(t.aggregate).toMatchObject({ valueHolder: 'proposer', mechanism: 'discrete-gaussian', deltaPerQuery: 1e-6 });
  });

  it.each<[string, (t: Mutable) => void, string]>([
    ['aggregate in version 2', (t) => (t.version = 2), 'aggregate: needs terms version 3'],
    [
      'version 3 without a section',
      (t) => ((t.operations = ['overlap']), delete t.aggregate, delete t.outputs.aggregate),
      'aggregate: is required in version 3 terms',
    ],
    ['section without the operation', (t) => (t.operations = ['overlap']), "operations: must include 'aggregate' because the terms have an aggregate section"],
    ['aggregates to the value holder', (t) => (t.outputs.aggregate = ['acceptor']), "outputs.aggregate: must be ['proposer']"],
    ['aggregates to both', (t) => (t.outputs.aggregate = ['proposer', 'acceptor']), "outputs.aggregate: must be ['proposer']"],
    ['no columns', (t) => (t.aggregate.columns = []), 'aggregate.columns: must NOT have fewer than 1 items'],
    [
      '17 columns',
      (t) => (t.aggregate.columns = Array.from({ length: 17 }, (_, i) => ({ column: `c${i}`, min: 0, max: 1 }))),
      'aggregate.columns: must NOT have more than 16 items',
    ],
    ['min not below max', (t) => (t.aggregate.columns[1].max = 0), 'aggregate.columns[1].max: must be greater than min (0)'],
    ['a column twice', (t) => (t.aggregate.columns[1].column = 'spend'), "aggregate.columns[1].column: 'spend' is listed twice"],
    ['the id column', (t) => (t.aggregate.columns[1].column = 'msisdn'), "aggregate.columns[1].column: 'msisdn' is the id column"],
    ['scale 7', (t) => (t.aggregate.columns[0].scale = 7), 'aggregate.columns[0].scale: must be <= 6'],
    ['decimals beyond the scale', (t) => (t.aggregate.columns[1].max = 600.5), 'aggregate.columns[1].max: 600.5 has more decimal digits than scale 0 keeps'],
    ['a range too wide', (t) => (t.aggregate.columns[0].max = 1e13), 'aggregate.columns[0]: (max − min) · 10^scale must be at most 2^48'],
    ['descending buckets', (t) => (t.aggregate.columns[0].buckets = [1000, 100]), 'aggregate.columns[0].buckets[1]: edges must be strictly ascending'],
    [
      'a bucket edge outside the range',
      (t) => (t.aggregate.columns[0].buckets = [0, 100]),
      'aggregate.columns[0].buckets[0]: 0 must lie in (min, max] = (0, 5000]',
    ],
    [
      '33 bucket edges',
      (t) => (t.aggregate.columns[0].buckets = Array.from({ length: 33 }, (_, i) => i + 1)),
      'aggregate.columns[0].buckets: must NOT have more than 32 items',
    ],
    ['unknown mechanism', (t) => (t.aggregate.mechanism = 'laplace'), "aggregate.mechanism: must be one of 'discrete-laplace', 'discrete-gaussian'"],
    ['ε of 0', (t) => (t.aggregate.epsilonPerQuery = 0), 'aggregate.epsilonPerQuery: must be > 0'],
    ['ε over 10', (t) => (t.aggregate.epsilonPerQuery = 11), 'aggregate.epsilonPerQuery: must be <= 10'],
    ['ε finer than micro-ε', (t) => (t.aggregate.epsilonPerQuery = 0.1234567), 'aggregate.epsilonPerQuery: at most 6 decimal digits'],
    ['ε per query over the budget', (t) => (t.aggregate.budget.epsilon = 0.5), "aggregate.epsilonPerQuery: 1 exceeds the whole period's budget.epsilon 0.5"],
    ['δ with Laplace', (t) => (t.aggregate.deltaPerQuery = 1e-6), 'aggregate.deltaPerQuery: only discrete-gaussian spends δ'],
    ['Gaussian without δ', (t) => (t.aggregate.mechanism = 'discrete-gaussian'), 'aggregate.deltaPerQuery: is required for discrete-gaussian'],
    [
      'δ of 1e-3',
      (t) => ((t.aggregate.mechanism = 'discrete-gaussian'), (t.aggregate.deltaPerQuery = 1e-3), (t.aggregate.budget.delta = 0.01)),
      'aggregate.deltaPerQuery: must be < 0.001',
    ],
    ['period of 367 days', (t) => (t.aggregate.budget.periodDays = 367), 'aggregate.budget.periodDays: must be <= 366'],
    ['min group size 0', (t) => (t.aggregate.minGroupSize = 0), 'aggregate.minGroupSize: must be >= 1'],
    ['min input size 1.5', (t) => (t.aggregate.minInputSize = 1.5), 'aggregate.minInputSize: must be integer'],
    ['65 groups', (t) => (t.aggregate.maxGroups = 65), 'aggregate.maxGroups: must be <= 64'],
    ['no value holder', (t) => delete t.aggregate.valueHolder, 'aggregate.valueHolder: is required'],
    ['an unknown field', (t) => (t.aggregate.noise = 'lots'), 'aggregate.noise: is not a known field'],
  ])('%s', (_, mutate, expected) => {
    expect(issuesOf(mutate)).toContain(expected);
  });

  it('keeps the aggregate operation and outputs out of version 2 terms', () => {
    const v2 = structuredClone(terms()) as Mutable;
    v2.operations = ['overlap', 'enrich', 'aggregate'];
    v2.outputs.aggregate = ['proposer'];
    const err = (() => {
      try {
        validateTerms(v2, NOW);
      } catch (e) {
        return e as MofangError;
      }
    })();
    expect(err?.details?.issues).toEqual(expect.arrayContaining(["operations: 'aggregate' needs terms version 3", 'outputs.aggregate: needs terms version 3']));
  });

  it('uses a fresh OPRF key per aggregate run unless the querier is granted membership', () => {
    const LATER = new Date('2026-02-15T00:00:00.000Z');
    expect(oprfKeyEpochForRun(aggregate(), 'aggregate', 'proposer', LATER)).toBeNull();
    const withEnrich = aggregate({
      operations: ['enrich', 'aggregate'],
      outputs: { overlap: [], enrich: ['proposer'], aggregate: ['proposer'] },
      enrichAttribute: 'partner:telco',
    });
    expect(oprfKeyEpochForRun(withEnrich, 'aggregate', 'proposer', LATER)).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { type AgreementTerms, type TermsDraft, agreementHash, draftTerms, validateTerms } from './model.js';
import { sampleDraft } from './testing.js';

const BANK = `sha256:${'b'.repeat(64)}`;
const TELCO = `sha256:${'7'.repeat(64)}`;
const NOW = new Date('2026-01-01T00:00:00.000Z');

function terms(over: Partial<TermsDraft> = {}): AgreementTerms {
  return draftTerms(sampleDraft(BANK, TELCO, over), NOW, '0f8fad5b-d9cb-469f-a165-70867728950e');
}

/** The AGREEMENT_INVALID message `mutate` produces. */
function invalidMessage(mutate: (t: Record<string, any>) => void): string {
  const t = structuredClone(terms()) as Record<string, any>;
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

describe('agreement terms: validation names the field', () => {
  it('accepts well-formed terms and returns a canonical copy', () => {
    const t = terms();
    expect(t).toMatchObject({ version: 1, createdAt: NOW.toISOString() });
    expect(validateTerms(t, NOW)).toEqual(t);
  });

  it.each<[string, (t: Record<string, any>) => void, string]>([
    ['past expiry', (t) => (t.expiresAt = '2025-12-31T23:59:59.000Z'), 'expiresAt: must be after createdAt'],
    ['expiry not in the future', (t) => ((t.createdAt = '2025-06-01T00:00:00.000Z'), (t.expiresAt = '2025-12-31T00:00:00.000Z')), 'expiresAt: must be in the future'],
    ['same node twice', (t) => (t.parties.acceptor.nodeId = t.parties.proposer.nodeId), 'parties.acceptor.nodeId: must differ from proposer'],
    ['membership to both', (t) => (t.outputs.enrich = ['proposer', 'acceptor']), 'outputs.enrich: only the querying party can receive membership'],
    ['allowed op without receiver', (t) => (t.outputs.overlap = []), "outputs.overlap: must name a receiver because 'overlap' is allowed"],
    ['receiver for op not allowed', (t) => ((t.operations = ['overlap']), delete t.enrichAttribute), "outputs.enrich: must be empty because 'enrich' is not allowed"],
    ['enrich without attribute', (t) => delete t.enrichAttribute, "enrichAttribute: is required when 'enrich' is allowed"],
    ['missing field', (t) => delete t.title, 'title: is required'],
    ['unknown field', (t) => (t.budget = 3), 'budget: is not a known field'],
    ['bad node id', (t) => (t.parties.proposer.nodeId = 'bank'), "parties.proposer.nodeId: must be 'sha256:' and 64 lowercase hex digits"],
    ['unknown operation', (t) => (t.operations = ['sum']), "operations[0]: must be one of 'overlap', 'enrich'"],
    ['unknown receiver', (t) => (t.outputs.overlap = ['everyone']), "outputs.overlap[0]: must be one of 'proposer', 'acceptor'"],
    ['zero minimum', (t) => (t.minIntersection = 0), 'minIntersection: must be >= 1'],
    ['fractional minimum', (t) => (t.minIntersection = 1.5), 'minIntersection: must be integer'],
    ['non-UTC timestamp', (t) => (t.expiresAt = '2026-07-01T08:00:00+08:00'), 'expiresAt: must be a UTC timestamp like'],
    ['impossible date', (t) => (t.expiresAt = '2026-02-31T00:00:00.000Z'), 'expiresAt: is not a real date'],
    ['label columns (later version)', (t) => t.parties.acceptor.columns.push('plan'), 'parties.acceptor.columns: must NOT have more than 1 items'],
    ['upper-case uuid', (t) => (t.id = t.id.toUpperCase()), 'id: must be a lowercase UUID'],
    ['bad attribute name', (t) => (t.enrichAttribute = 'Partner Telco'), 'enrichAttribute: must be lowercase letters'],
    ['wrong version', (t) => (t.version = 2), 'version: must be equal to constant'],
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

/**
 * Test support only: a node policy that lets integration tests agree on small sets, small groups
 * and many queries. The policy floors have tests of their own (node/agreements/floors.test.ts,
 * test/policy-floors.test.ts); that the other tests pass with this policy also shows that an
 * operator can lower the floors in the config.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

/** Every floor at the loosest value the config schema admits. */
const PERMISSIVE_POLICY = {
  maxEpsilonPerQuery: 10,
  maxEpsilonPerPeriod: 1000,
  minPeriodDays: 1,
  minGroupSize: 1,
  minIntersection: 1,
  maxQueriesPerDay: 1_000_000,
  allowExactCounts: true,
};

/** The rate limit test agreements carry unless a test sets one: terms without one are below every policy. */
export const TEST_QUERIES_PER_DAY = 1000;

/** Writes PERMISSIVE_POLICY into the node config file. */
export function permitWeakTerms(configFile: string): void {
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  doc.set('policy', PERMISSIVE_POLICY);
  writeFileSync(configFile, doc.toString());
}

/**
 * Homomorphic intersection-sum (BGV, SIMD-packed, node-seal), transport-free: each step takes and
 * returns bytes and the caller moves them. Roles, flow, leakage and parameters:
 * docs/protocol-aggregate.md.
 */
export {
  HE_SUITE,
  MAX_COLUMNS,
  MAX_GROUPS,
  MAX_LANES,
  MAX_SET_SIZE,
  planAggregation,
  planDigest,
  type AggregationPlan,
  type ColumnSpec,
  type Lane,
  type PlanInput,
  type PlannedColumn,
  type ResultSlot,
} from './params.js';
export { createValueHolder, addNoise, encodeResultValues, type ValueHolder } from './value-holder.js';
export { createAggregator, maskCount, type Aggregator, type AggregatorOptions, type Blinding } from './aggregator.js';
export { unblind, decodeResultValues, type GroupTotal } from './unblind.js';
export type { ColumnValues } from './values.js';
export { loadSeal } from './seal.js';

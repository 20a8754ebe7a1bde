/**
 * The aggregation plan: every size, modulus and layout both peers must agree on, derived by a
 * pure function of the agreement's column ranges, the value holder's set size, the number of
 * groups and the noise headroom, so the two nodes compute it independently and get the same
 * plan (compare `planDigest` before a run, like secretflow's CheckPeerConfig).
 *
 * Overflow rule: a lane's plaintext sum, plus the value holder's noise, must stay below t/2 so the
 * querier can map it back to a signed integer. `planAggregation` picks the smallest batching prime
 * t (20..60 bits) that holds the worst case m·(max − min) + noiseBound; when even 60 bits are too
 * few it splits the shifted values into limbs of L bits (one encrypted lane each, recombined by
 * the querier), and when not even 1-bit limbs fit it throws HE_OVERFLOW. It never lets a sum wrap.
 */
import { ProtocolError } from '../errors.js';
import { batchingPrime } from './prime.js';

/** Scheme and ring: BGV, N = 8192, SEAL's 128-bit-secure default modulus for N (218 bits). */
export const HE_SUITE = 'mofang-he-bgv-n8192-v1';
export const POLY_MODULUS_DEGREE = 8192;
/** Batching slots per ciphertext (= N). */
const SLOTS = POLY_MODULUS_DEGREE;
/**
 * The bit sizes of `CoeffModulus.BFVDefault(8192)`: four data primes and the special prime.
 * The context checks the primes SEAL returns have exactly these sizes.
 */
export const COEFF_MODULUS_BITS = [43, 43, 44, 44, 44] as const;
const MIN_PLAIN_BITS = 20;
/** SEAL's limit for one modulus. */
const MAX_PLAIN_BITS = 60;
/**
 * At most this many plain-modulus bits leave the result at one 43-bit prime; above it, two.
 * Measured (docs/protocol-aggregate.md): the noise budget left after the switch is about
 * 34 − bits with one prime and 77 − bits with two, set by the rounding of the switch rather than
 * by the circuit; 22 keeps ≥ 12 bits with one prime, and 60 still leaves 17 with two.
 */
export const ONE_PRIME_RESULT_MAX_BITS = 22;
/** The noise budget (bits) the plan promises to leave in every result; tests check it at both extremes. */
export const MIN_RESULT_BUDGET_BITS = 10;
/** Structural caps, well above any agreement's limits: they bound memory before anything is loaded. */
export const MAX_SET_SIZE = 1 << 27;
export const MAX_GROUPS = 1024;
export const MAX_COLUMNS = 256;
export const MAX_LANES = 512;

/** SEAL's serialisation header plus object metadata, generously rounded up. */
const SEAL_OVERHEAD_BYTES = 256;
/** What our compression may add to incompressible input. */
const COMPRESSION_OVERHEAD_BYTES = 1024;

export interface ColumnSpec {
  /** Smallest value after scaling to integers (values are clamped to [min, max] before encryption). */
  min: number | bigint;
  /** Largest value after scaling. */
  max: number | bigint;
  /** Used in error messages only. */
  name?: string;
}

export interface PlanInput {
  /** m: the number of the value holder's records, i.e. the length of every column and mask. */
  setSize: number;
  columns: readonly ColumnSpec[];
  /** k: the number of querier groups (segments) aggregated in one run. */
  groups: number;
  /**
   * Largest |η| the value holder may add to a (column, group) total before returning it (a
   * high-probability bound of its noise distribution; `addNoise` refuses anything larger).
   */
  noiseBound?: number | bigint;
}

export interface PlannedColumn {
  index: number;
  name: string;
  min: bigint;
  max: bigint;
  /** max − min: values are encrypted shifted by −min, so every encrypted value is in [0, range]. */
  range: bigint;
  /** Number of lanes (limbs) the column is split into; 1 unless its sums do not fit one t. */
  limbs: number;
  /** Bits per limb (limb k holds bits [k·limbBits, (k+1)·limbBits) of value − min). */
  limbBits: number;
}

/** One encrypted vector of length m: a column, or one limb of a split column. */
export interface Lane {
  index: number;
  column: number;
  limb: number;
}

/** One blinded total the value holder decrypts: lane × group. */
export interface ResultSlot {
  index: number;
  lane: number;
  column: number;
  group: number;
  limb: number;
}

export interface AggregationPlan {
  suite: typeof HE_SUITE;
  polyModulusDegree: number;
  slots: number;
  plainModulusBits: number;
  /** t: the batching prime every slot computes modulo. */
  plainModulus: bigint;
  setSize: number;
  groups: number;
  noiseBound: bigint;
  columns: PlannedColumn[];
  /** Column-major, limbs ascending. */
  lanes: Lane[];
  /** ⌈m / slots⌉ ciphertexts per lane. */
  chunks: number;
  /** chunks × lanes: the value holder sends them chunk-major (chunk 0 of every lane, then chunk 1 …). */
  ciphertexts: number;
  /** Lane-major, groups ascending: result i is lane ⌊i / groups⌋, group i mod groups. */
  results: ResultSlot[];
  /** Primes of the coefficient modulus kept in each result ciphertext (the querier mod-switches down to it). */
  resultPrimes: number;
  bytes: {
    /** Upper bounds of one message on the wire, checked before anything is decompressed or loaded. */
    publicKeyMax: number;
    ciphertextMax: number;
    resultCiphertextMax: number;
    /** The whole result message (all result ciphertexts, framed). */
    resultMax: number;
    /** The value holder's reply: 8 bytes per result. */
    values: number;
  };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function integer(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new ProtocolError('HE_PARAMS_INVALID', `${field}: expected a safe integer or bigint, got ${String(value)}`);
}

function count(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ProtocolError('HE_PARAMS_INVALID', `${field}: expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/**
 * Derives the plan. Throws HE_PARAMS_INVALID for malformed input and HE_OVERFLOW (naming the
 * column, set size, range and bound) when a column's sums cannot be represented.
 *
 * @example
 * const plan = planAggregation({ setSize: 1_000_000, columns: [{ name: 'spend', min: 0, max: 2 ** 32 - 1 }], groups: 10, noiseBound: 1n << 24n });
 * plan.plainModulusBits; // 55: one lane, one result per group
 */
export function planAggregation(input: PlanInput): AggregationPlan {
  const setSize = count(input?.setSize, 'setSize', 1, MAX_SET_SIZE);
  const groups = count(input.groups, 'groups', 1, MAX_GROUPS);
  if (!Array.isArray(input.columns)) throw new ProtocolError('HE_PARAMS_INVALID', 'columns: expected an array');
  count(input.columns.length, 'columns.length', 1, MAX_COLUMNS);
  const noiseBound = integer(input.noiseBound ?? 0n, 'noiseBound');
  if (noiseBound < 0n) throw new ProtocolError('HE_PARAMS_INVALID', `noiseBound: must be ≥ 0, got ${noiseBound}`);
  const m = BigInt(setSize);

  const specs = input.columns.map((spec, index) => {
    const name = typeof spec?.name === 'string' ? spec.name : `#${index}`;
    const min = integer(spec?.min, `columns[${index}].min`);
    const max = integer(spec?.max, `columns[${index}].max`);
    if (max < min) throw new ProtocolError('HE_PARAMS_INVALID', `columns[${index}] (${name}): max ${max} < min ${min}`);
    return { index, name, min, max, range: max - min };
  });

  // Smallest t (in bits) such that every column's worst sum + noise < 2^(bits−2) < t/2.
  const worst = (range: bigint) => m * range + noiseBound;
  const wanted = Math.max(MIN_PLAIN_BITS, ...specs.map((c) => bitLength(worst(c.range)) + 2));
  const plainModulusBits = Math.min(wanted, MAX_PLAIN_BITS);
  const plainModulus = batchingPrime(POLY_MODULUS_DEGREE, plainModulusBits);
  if (plainModulus === undefined) throw new ProtocolError('HE_PARAMS_INVALID', `no batching prime of ${plainModulusBits} bits`);
  const half = plainModulus / 2n;

  const columns: PlannedColumn[] = specs.map((c) => {
    const bits = Math.max(1, bitLength(c.range));
    if (worst(c.range) < half) return { ...c, limbs: 1, limbBits: bits };
    // Largest limb width L with m·(2^L − 1) + noise < t/2; the noise lands on limb 0 only, but
    // one width for all limbs keeps the layout simple and is what limb 0 needs anyway.
    let limbBits = bits - 1;
    while (limbBits >= 1 && worst((1n << BigInt(limbBits)) - 1n) >= half) limbBits--;
    if (limbBits < 1) {
      throw new ProtocolError(
        'HE_OVERFLOW',
        `column ${c.name}: set size ${setSize} × range ${c.range} (+ noise bound ${noiseBound}) cannot be summed below t/2 = ${half} ` +
          `(${MAX_PLAIN_BITS}-bit plain modulus), not even one bit per limb`,
      );
    }
    return { ...c, limbs: Math.ceil(bits / limbBits), limbBits };
  });

  const lanes: Lane[] = columns.flatMap((c) => Array.from({ length: c.limbs }, (_, limb) => ({ column: c.index, limb }))).map((l, index) => ({ index, ...l }));
  if (lanes.length > MAX_LANES) {
    throw new ProtocolError(
      'HE_OVERFLOW',
      `${lanes.length} lanes (columns × limbs) exceed the limit of ${MAX_LANES}: narrow the column ranges or the set size ${setSize}`,
    );
  }
  const results: ResultSlot[] = lanes.flatMap((lane) =>
    Array.from({ length: groups }, (_, group) => ({ index: lane.index * groups + group, lane: lane.index, column: lane.column, group, limb: lane.limb })),
  );
  const chunks = Math.ceil(setSize / SLOTS);
  const resultPrimes = plainModulusBits <= ONE_PRIME_RESULT_MAX_BITS ? 1 : 2;
  const polyBytes = POLY_MODULUS_DEGREE * 8;
  const dataPrimes = COEFF_MODULUS_BITS.length - 1;
  const wire = (uncompressed: number) => uncompressed + COMPRESSION_OVERHEAD_BYTES;
  const resultCiphertextMax = wire(2 * resultPrimes * polyBytes + SEAL_OVERHEAD_BYTES);
  return {
    suite: HE_SUITE,
    polyModulusDegree: POLY_MODULUS_DEGREE,
    slots: SLOTS,
    plainModulusBits,
    plainModulus,
    setSize,
    groups,
    noiseBound,
    columns,
    lanes,
    chunks,
    ciphertexts: chunks * lanes.length,
    results,
    resultPrimes,
    bytes: {
      publicKeyMax: wire(2 * (dataPrimes + 1) * polyBytes + SEAL_OVERHEAD_BYTES),
      ciphertextMax: wire(2 * dataPrimes * polyBytes + SEAL_OVERHEAD_BYTES),
      resultCiphertextMax,
      resultMax: results.length * (4 + resultCiphertextMax),
      values: results.length * 8,
    },
  };
}

/**
 * A canonical text of everything in the plan that the two peers must share; equal digests mean
 * equal plans. Send it (or a hash of it) before the keys and refuse to go on if it differs.
 */
export function planDigest(plan: AggregationPlan): string {
  return JSON.stringify([
    plan.suite,
    plan.plainModulus.toString(),
    plan.setSize,
    plan.groups,
    plan.noiseBound.toString(),
    plan.columns.map((c) => [c.min.toString(), c.max.toString(), c.limbs, c.limbBits]),
    plan.resultPrimes,
  ]);
}

/** The plan's modulus must be a batching prime of its size (a guard for plans that crossed a boundary). */
export function assertPlan(plan: AggregationPlan): void {
  if (plan?.suite !== HE_SUITE) throw new ProtocolError('HE_PARAMS_INVALID', `plan.suite: expected ${HE_SUITE}`);
  if (batchingPrime(POLY_MODULUS_DEGREE, plan.plainModulusBits) !== plan.plainModulus) {
    throw new ProtocolError('HE_PARAMS_INVALID', `plan.plainModulus: not the ${plan.plainModulusBits}-bit batching prime`);
  }
}

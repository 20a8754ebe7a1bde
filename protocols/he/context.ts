/**
 * The SEAL objects both roles build from a plan: encryption parameters, the context and the batch
 * encoder, checked against the plan before use (SEAL silently produces an unusable context for
 * bad parameters; `parametersSet()` is the only sign).
 */
import { ProtocolError } from '../errors.js';
import { COEFF_MODULUS_BITS, POLY_MODULUS_DEGREE, assertPlan, type AggregationPlan } from './params.js';
import { Scope, loadSeal, sealMessage, type SEALLibrary } from './seal.js';

type Context = ReturnType<SEALLibrary['Context']>;
type BatchEncoder = ReturnType<SEALLibrary['BatchEncoder']>;
type ParmsIdType = ReturnType<SEALLibrary['ParmsIdType']>;

export interface HeContext {
  readonly seal: SEALLibrary;
  readonly plan: AggregationPlan;
  readonly context: Context;
  readonly encoder: BatchEncoder;
  /** Level of fresh ciphertexts (all data primes). */
  readonly firstParmsId: ParmsIdType;
  /** Level the querier switches results down to (`plan.resultPrimes` primes). */
  readonly resultParmsId: ParmsIdType;
  /** Everything above; the roles add their own objects and dispose it once. */
  readonly scope: Scope;
}

export function sameParmsId(a: ParmsIdType, b: ParmsIdType): boolean {
  const x = a.values;
  const y = b.values;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * @example
 * const he = await createHeContext(plan);
 * try { ... } finally { he.scope.dispose(); }
 */
export async function createHeContext(plan: AggregationPlan): Promise<HeContext> {
  assertPlan(plan);
  const seal = await loadSeal();
  const scope = new Scope();
  try {
    const parms = scope.own(seal.EncryptionParameters(seal.SchemeType.bgv));
    parms.setPolyModulusDegree(POLY_MODULUS_DEGREE);
    const coeffModulus = scope.own(seal.CoeffModulus.BFVDefault(POLY_MODULUS_DEGREE, seal.SecurityLevel.tc128));
    parms.setCoeffModulus(coeffModulus);
    const plainModulus = scope.own(seal.Modulus(plan.plainModulus));
    parms.setPlainModulus(plainModulus);
    const context = scope.own(seal.Context(parms, true, seal.SecurityLevel.tc128));
    if (!context.parametersSet()) {
      throw new ProtocolError('HE_PARAMS_INVALID', `SEAL rejected the parameters of plan ${plan.suite} (t = ${plan.plainModulus})`);
    }
    const bits = Array.from(parms.coeffModulus, (q) => q.toString(2).length);
    if (bits.join() !== COEFF_MODULUS_BITS.join()) {
      throw new ProtocolError('HE_PARAMS_INVALID', `coefficient modulus has bit sizes ${bits.join('+')}, expected ${COEFF_MODULUS_BITS.join('+')}`);
    }
    const encoder = scope.own(seal.BatchEncoder(context));
    if (encoder.slotCount !== plan.slots) {
      throw new ProtocolError('HE_PARAMS_INVALID', `batching gives ${encoder.slotCount} slots, plan expects ${plan.slots}`);
    }
    const firstParmsId = scope.own(context.firstParmsId);
    // Walk down the modulus chain from the first data level to the level with resultPrimes primes.
    // SEAL ends the chain early when a level's modulus would be too small for t, so count primes
    // rather than trust chain indices.
    const primes = (level: typeof data) => scope.own(level.parms).coeffModulus.length;
    let data = scope.own(context.firstContextData);
    while (primes(data) > plan.resultPrimes && data.chainIndex > 0) data = scope.own(data.nextContextData);
    if (primes(data) !== plan.resultPrimes) {
      throw new ProtocolError('HE_PARAMS_INVALID', `the modulus chain has no level with ${plan.resultPrimes} primes for t = ${plan.plainModulus}`);
    }
    const resultParmsId = scope.own(data.parmsId);
    return { seal, plan, context, encoder, firstParmsId, resultParmsId, scope };
  } catch (error) {
    scope.dispose();
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('HE_PARAMS_INVALID', `building the SEAL context: ${sealMessage(seal, error)}`);
  }
}

/** Runs a SEAL load of peer bytes; anything SEAL rejects becomes HE_MESSAGE_INVALID naming `field`. */
export function loadPeerObject(he: HeContext, load: () => void, field: string): void {
  try {
    load();
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${sealMessage(he.seal, error)}`);
  }
}

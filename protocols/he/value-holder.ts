/**
 * Homomorphic intersection-sum, value holder role (V: holds the numeric columns and the only
 * secret key). Flow, roles and what each side learns: docs/protocol-aggregate.md.
 *
 *   createValueHolder(plan)   → keys; `publicKey` goes to the querier (one message, ≈ 270 KB)
 *   encrypt(columns)          → plan.ciphertexts compact ciphertexts, chunk-major, one message each
 *   decrypt(result)           → one blinded total per result slot, uniformly random to V
 *   addNoise(plan, z, η)      → V's privacy noise on the lowest limb of each (column, group)
 *   encodeResultValues(...)   → the reply to the querier
 *
 * The secret key never leaves this object. Fresh ciphertexts are symmetric and seeded: the second
 * polynomial is replaced by the seed that generates it, halving the bytes (SEAL's
 * `encryptSymmetricSerializable`). SEAL draws key and encryption randomness from its own CSPRNG
 * (seeded from the OS via node:crypto); it cannot be injected.
 */
import { ProtocolError } from '../errors.js';
import { createHeContext, loadPeerObject, sameParmsId } from './context.js';
import type { AggregationPlan } from './params.js';
import { scoped } from './seal.js';
import { assertColumns, laneSlots, type ColumnValues } from './values.js';
import { encodeValues, packSeal, unframe, unpackSeal } from './wire.js';

export interface ValueHolder {
  readonly plan: AggregationPlan;
  /** The public key (seeded, compressed): the querier needs it only to re-randomise the result. */
  readonly publicKey: Uint8Array;
  /**
   * Validates every value first (HE_INPUT_INVALID naming column and row), then yields
   * `plan.ciphertexts` messages: for each chunk, for each lane, one ciphertext of `plan.slots` values.
   */
  encrypt(columns: readonly ColumnValues[]): Generator<Uint8Array, void, undefined>;
  /** The blinded totals S + R mod t, one per `plan.results` entry (HE_MESSAGE_INVALID for a bad message). */
  decrypt(result: Uint8Array): bigint[];
  /**
   * Diagnostics (V may look at its own decryptions): per result ciphertext, the noise budget left
   * in bits and every decrypted slot.
   */
  inspect(result: Uint8Array): { budget: number; slots: BigUint64Array }[];
  /** Deletes the keys and every SEAL object; the holder is unusable afterwards. */
  dispose(): void;
}

/**
 * @example
 * const holder = await createValueHolder(plan);
 * try {
 *   send(holder.publicKey);
 *   for (const ct of holder.encrypt([spend])) send(ct);
 *   const blinded = holder.decrypt(await receive());
 *   send(encodeResultValues(plan, addNoise(plan, blinded, noise)));
 * } finally { holder.dispose(); }
 */
export async function createValueHolder(plan: AggregationPlan): Promise<ValueHolder> {
  const he = await createHeContext(plan);
  const { seal, context, encoder, scope } = he;
  try {
    const keys = scope.own(seal.KeyGenerator(context));
    const secretKey = scope.own(keys.secretKey());
    const publicKey = scope.own(keys.createPublicKey());
    const encryptor = scope.own(seal.Encryptor(context, publicKey, secretKey));
    const decryptor = scope.own(seal.Decryptor(context, secretKey));
    const publicKeyBytes = scoped((s) => packSeal(s.own(keys.createPublicKeySerializable()).saveArray(seal.ComprModeType.none)));
    let disposed = false;
    const live = () => {
      if (disposed) throw new ProtocolError('HE_STATE', 'value holder: used after dispose');
    };

    function* encryptAll(columns: readonly ColumnValues[]): Generator<Uint8Array, void, undefined> {
      const slots = new BigUint64Array(plan.slots);
      for (let chunk = 0; chunk < plan.chunks; chunk++) {
        for (const lane of plan.lanes) {
          live();
          laneSlots(plan, lane, columns, chunk, slots);
          yield scoped((s) => {
            const plain = s.own(seal.PlainText());
            encoder.encode(slots, plain);
            return packSeal(s.own(encryptor.encryptSymmetricSerializable(plain)).saveArray(seal.ComprModeType.none));
          });
        }
      }
    }

    /** Loads and checks each result ciphertext, hands it to `read`, deletes it. */
    const eachResult = <T>(result: Uint8Array, read: (ct: ReturnType<typeof seal.CipherText>, index: number) => T): T[] => {
      live();
      const parts = unframe(result, plan.results.length, plan.bytes.resultCiphertextMax, 'result');
      return parts.map((part, index) =>
        scoped((s) => {
          const field = `result[${index}]`;
          const ct = s.own(seal.CipherText());
          loadPeerObject(he, () => ct.loadArray(context, unpackSeal(part, plan.bytes.resultCiphertextMax, field)), field);
          if (!sameParmsId(s.own(ct.parmsId), he.resultParmsId) || ct.size !== 2) {
            throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: not a ${plan.resultPrimes}-prime ciphertext of this plan`);
          }
          return read(ct, index);
        }),
      );
    };

    return {
      plan,
      publicKey: publicKeyBytes,
      encrypt(columns) {
        live();
        assertColumns(plan, columns);
        return encryptAll(columns);
      },
      decrypt(result) {
        return eachResult(result, (ct, index) =>
          scoped((s) => {
            // A result whose noise outgrew the modulus would decrypt to garbage without error.
            if (decryptor.invariantNoiseBudget(ct) <= 0) {
              throw new ProtocolError('HE_MESSAGE_INVALID', `result[${index}]: no noise budget left; it would not decrypt correctly`);
            }
            const plain = s.own(seal.PlainText());
            decryptor.decrypt(ct, plain);
            // The key holder adds up all slots itself: the querier blinded every slot, so each is
            // uniformly random to V, and no rotation keys are needed (docs/protocol-aggregate.md).
            let total = 0n;
            for (const v of encoder.decodeBigInt(plain, false) as BigUint64Array) total += v;
            return total % plan.plainModulus;
          }),
        );
      },
      inspect(result) {
        return eachResult(result, (ct) =>
          scoped((s) => {
            const plain = s.own(seal.PlainText());
            decryptor.decrypt(ct, plain);
            return { budget: decryptor.invariantNoiseBudget(ct), slots: BigUint64Array.from(encoder.decodeBigInt(plain, false) as BigUint64Array) };
          }),
        );
      },
      dispose() {
        disposed = true;
        scope.dispose();
      },
    };
  } catch (error) {
    scope.dispose();
    throw error;
  }
}

/**
 * Adds the value holder's noise η to the lowest-limb result of each (column, group), mod t.
 * `noise[column * plan.groups + group]`; every |η| must be ≤ plan.noiseBound (the headroom the
 * plan reserved), else HE_INPUT_INVALID: a larger value could wrap the querier's signed decoding.
 */
export function addNoise(plan: AggregationPlan, blinded: readonly bigint[], noise: readonly bigint[]): bigint[] {
  const t = plan.plainModulus;
  if (blinded.length !== plan.results.length) {
    throw new ProtocolError('HE_INPUT_INVALID', `blinded: expected ${plan.results.length} values, got ${blinded.length}`);
  }
  if (noise.length !== plan.columns.length * plan.groups) {
    throw new ProtocolError('HE_INPUT_INVALID', `noise: expected ${plan.columns.length * plan.groups} values (columns × groups), got ${noise.length}`);
  }
  noise.forEach((eta, i) => {
    if (typeof eta !== 'bigint' || eta > plan.noiseBound || -eta > plan.noiseBound) {
      throw new ProtocolError('HE_INPUT_INVALID', `noise[${i}]: ${String(eta)} exceeds the plan's noise bound ±${plan.noiseBound}`);
    }
  });
  return plan.results.map((r) => {
    const eta = r.limb === 0 ? noise[r.column * plan.groups + r.group] : 0n;
    return (((blinded[r.index] + eta) % t) + t) % t;
  });
}

/** The value holder's reply: one 8-byte value per result. */
export function encodeResultValues(plan: AggregationPlan, values: readonly bigint[]): Uint8Array {
  if (values.length !== plan.results.length || values.some((v) => typeof v !== 'bigint' || v < 0n || v >= plan.plainModulus)) {
    throw new ProtocolError('HE_INPUT_INVALID', `values: expected ${plan.results.length} residues mod t`);
  }
  return encodeValues(values);
}

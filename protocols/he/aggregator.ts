/**
 * Homomorphic intersection-sum, querier role (Q: holds the group masks over V's record order π,
 * never a secret key). Flow, roles and what each side learns: docs/protocol-aggregate.md.
 *
 *   createAggregator({ plan, publicKey, masks })  → validates V's key against the plan
 *   absorb(ct) × plan.ciphertexts                  → per group: Σ ct ⊙ mask chunk (chunk-major order)
 *   finish()                                       → one message with a blinded, re-randomised,
 *                                                    mod-switched ciphertext per result, and the
 *                                                    blinding Q keeps to remove later (unblind)
 *
 * Each ciphertext is folded into every group's accumulator as it arrives and then dropped, so
 * memory holds lanes × groups accumulators, not the whole encrypted set.
 */
import type { RandomBytes } from '../group/group.js';
import { defaultRandomBytes } from '../group/random.js';
import { ProtocolError } from '../errors.js';
import { createHeContext, loadPeerObject, sameParmsId } from './context.js';
import type { AggregationPlan } from './params.js';
import { uniformModulo } from './random.js';
import { scoped } from './seal.js';
import { frame, packSeal, unpackSeal } from './wire.js';

/** What Q must keep (secret, in memory) to remove its blinding from V's reply. */
export interface Blinding {
  /** R_i = Σ_slots r mod t for result i (`plan.results` order). */
  readonly offsets: readonly bigint[];
}

export interface AggregatorOptions {
  plan: AggregationPlan;
  /** V's public key message. */
  publicKey: Uint8Array;
  /** One mask per group over V's records in order π: byte i is 1 if record i is in the group, else 0. */
  masks: readonly Uint8Array[];
  /** Randomness for the blinding values; defaults to the CSPRNG. */
  rng?: RandomBytes;
}

export interface Aggregator {
  readonly plan: AggregationPlan;
  /** Ciphertexts absorbed so far. */
  readonly absorbed: number;
  /** Validates and folds in the next ciphertext (HE_MESSAGE_INVALID; after a failure, HE_STATE). */
  absorb(ciphertext: Uint8Array): void;
  /** After all `plan.ciphertexts`: the result message for V and the blinding to keep. */
  finish(): { result: Uint8Array; blinding: Blinding };
  /** Deletes every SEAL object; safe to call more than once. */
  dispose(): void;
}

/** Number of selected records in a mask: the group's intersection count. */
export function maskCount(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

function assertMasks(plan: AggregationPlan, masks: readonly Uint8Array[]): void {
  if (!Array.isArray(masks) || masks.length !== plan.groups) {
    throw new ProtocolError('HE_INPUT_INVALID', `masks: expected ${plan.groups} (one per group), got ${masks?.length}`);
  }
  masks.forEach((mask, g) => {
    if (!(mask instanceof Uint8Array) || mask.length !== plan.setSize) {
      throw new ProtocolError('HE_INPUT_INVALID', `masks[${g}]: expected ${plan.setSize} bytes, got ${mask?.length}`);
    }
    const bad = mask.findIndex((b) => b > 1);
    if (bad >= 0) throw new ProtocolError('HE_INPUT_INVALID', `masks[${g}][${bad}]: ${mask[bad]} is not 0 or 1`);
  });
}

type Selection = 'none' | 'all' | 'some';

/**
 * @example
 * const agg = await createAggregator({ plan, publicKey, masks });
 * try {
 *   for await (const ct of ciphertexts) agg.absorb(ct);
 *   const { result, blinding } = agg.finish();
 *   const totals = unblind(plan, blinding, decodeResultValues(plan, await exchange(result)), masks.map(maskCount));
 * } finally { agg.dispose(); }
 */
export async function createAggregator({ plan, publicKey, masks, rng = defaultRandomBytes }: AggregatorOptions): Promise<Aggregator> {
  assertMasks(plan, masks);
  const he = await createHeContext(plan);
  const { seal, context, encoder, scope } = he;
  try {
    const key = scope.own(seal.PublicKey());
    loadPeerObject(he, () => key.loadArray(context, unpackSeal(publicKey, plan.bytes.publicKeyMax, 'publicKey')), 'publicKey');
    const encryptor = scope.own(seal.Encryptor(context, key));
    const evaluator = scope.own(seal.Evaluator(context));
    const incoming = scope.own(seal.CipherText());
    const product = scope.own(seal.CipherText());
    const coefficients = scope.own(seal.PlainText());
    // The current chunk's mask of each group, in NTT form so that every lane's multiply is a
    // pointwise product (BGV ciphertexts are kept in NTT form).
    const maskPlains = masks.map(() => scope.own(seal.PlainText()));
    const selections: Selection[] = masks.map(() => 'none');
    const slots = new BigUint64Array(plan.slots);
    const accumulators: (ReturnType<typeof seal.CipherText> | undefined)[] = plan.results.map(() => undefined);
    let absorbed = 0;
    let state: 'absorbing' | 'failed' | 'finished' | 'disposed' = 'absorbing';

    const prepareChunk = (chunk: number) => {
      const start = chunk * plan.slots;
      const end = Math.min(start + plan.slots, plan.setSize);
      masks.forEach((mask, g) => {
        const part = mask.subarray(start, end);
        const selected = maskCount(part);
        // Padding slots past the set hold encryptions of 0, so a chunk selected up to the end of
        // the set counts as fully selected. A product with an all-zero mask would be transparent
        // (SEAL throws), and adding the ciphertext unmultiplied is exact and cheaper.
        selections[g] = selected === 0 ? 'none' : selected === part.length ? 'all' : 'some';
        if (selections[g] !== 'some') return;
        slots.fill(0n);
        for (let i = 0; i < part.length; i++) slots[i] = BigInt(part[i]);
        encoder.encode(slots, coefficients);
        evaluator.plainTransformToNtt(coefficients, he.firstParmsId, maskPlains[g]);
      });
    };

    const accumulate = (index: number, source: ReturnType<typeof seal.CipherText>) => {
      const acc = accumulators[index];
      if (acc) evaluator.add(acc, source, acc);
      else {
        const fresh = scope.own(seal.CipherText());
        fresh.copy(source);
        accumulators[index] = fresh;
      }
    };

    const absorbNext = (bytes: Uint8Array) => {
      const chunk = Math.floor(absorbed / plan.lanes.length);
      const lane = absorbed % plan.lanes.length;
      const field = `ciphertext[${absorbed}] (chunk ${chunk}, lane ${lane})`;
      loadPeerObject(he, () => incoming.loadArray(context, unpackSeal(bytes, plan.bytes.ciphertextMax, field)), field);
      const fresh = scoped((s) => sameParmsId(s.own(incoming.parmsId), he.firstParmsId)) && incoming.size === 2 && incoming.isNttForm;
      if (!fresh) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: not a fresh ciphertext of this plan (level, size or form differ)`);
      if (lane === 0) prepareChunk(chunk);
      for (let g = 0; g < plan.groups; g++) {
        const index = lane * plan.groups + g;
        if (selections[g] === 'all') accumulate(index, incoming);
        else if (selections[g] === 'some') {
          evaluator.multiplyPlain(incoming, maskPlains[g], product);
          accumulate(index, product);
        }
      }
      absorbed++;
    };

    return {
      plan,
      get absorbed() {
        return absorbed;
      },
      absorb(bytes) {
        if (state !== 'absorbing') throw new ProtocolError('HE_STATE', `aggregator: absorb after ${state}`);
        if (absorbed >= plan.ciphertexts)
          throw new ProtocolError('HE_MESSAGE_INVALID', `ciphertext[${absorbed}]: the plan has only ${plan.ciphertexts} ciphertexts`);
        try {
          absorbNext(bytes);
        } catch (error) {
          state = 'failed';
          throw error;
        }
      },
      finish() {
        if (state !== 'absorbing') throw new ProtocolError('HE_STATE', `aggregator: finish after ${state}`);
        if (absorbed !== plan.ciphertexts) {
          throw new ProtocolError('HE_STATE', `aggregator: finish after ${absorbed} of ${plan.ciphertexts} ciphertexts`);
        }
        state = 'finished';
        const offsets: bigint[] = [];
        const parts = plan.results.map((r) =>
          scoped((s) => {
            // Re-randomise with a fresh public-key encryption of zero (also the whole result of a
            // group that selected nothing), then blind every slot with uniform r mod t: V sees only
            // uniformly random slots and the sum it returns is S + Σ r.
            const out = s.own(encryptor.encryptZero() as ReturnType<typeof seal.CipherText>);
            const acc = accumulators[r.index];
            if (acc) evaluator.add(out, acc, out);
            const blind = uniformModulo(rng, plan.plainModulus, plan.slots);
            const plain = s.own(seal.PlainText());
            encoder.encode(blind, plain);
            evaluator.addPlain(out, plain, out);
            // Dropping to the last useful level shrinks the message and scales the circuit's
            // noise far below the rounding noise of the switch (see the doc's circuit-privacy part).
            evaluator.cipherModSwitchTo(out, he.resultParmsId, out);
            offsets.push(blind.reduce((a, b) => a + b, 0n) % plan.plainModulus);
            return packSeal(out.saveArray(seal.ComprModeType.none));
          }),
        );
        return { result: frame(parts), blinding: { offsets } };
      },
      dispose() {
        state = 'disposed';
        scope.dispose();
      },
    };
  } catch (error) {
    scope.dispose();
    throw error;
  }
}

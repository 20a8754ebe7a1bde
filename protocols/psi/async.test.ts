import { describe, expect, it } from 'vitest';
import { createSodiumX25519Group } from '../group/index.js';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { createAsyncReceiver, createAsyncSender } from './async.js';
import { createReceiver } from './receiver.js';
import { createSender } from './sender.js';

const group = createSodiumX25519Group();
const multiply = async (s: Uint8Array, p: Uint8Array) => group.multiply(s, p);
const ids = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`id-${i}`));

describe('async receiver and sender', () => {
  it('give the same bytes as the synchronous reference steps for the same randomness', async () => {
    const points = group.hashToGroup(Buffer.from('dst'), ids(50));
    const sync = createReceiver({ group, rng: seededRandomBytesForTestsOnly('r') });
    const async = createAsyncReceiver({ group, multiply, rng: seededRandomBytesForTestsOnly('r') });
    expect(await async.blind(points)).toEqual(sync.blind(points));
    const key = createSender({ group, rng: seededRandomBytesForTestsOnly('s') }).key;
    const s1 = createSender({ group, key });
    const s2 = createAsyncSender({ group, multiply, key });
    const blinded = sync.blind(points);
    expect(await s2.evaluate(blinded)).toEqual(s1.evaluate(blinded));
    expect(await async.finalize(await s2.evaluate(await async.blind(points)))).toEqual(s1.evaluateOwn(points));
  });

  it('refuses more evaluated points than were blinded (PSI_STATE) and a malformed key', async () => {
    const r = createAsyncReceiver({ group, multiply });
    const points = group.hashToGroup(Buffer.from('dst'), ids(2));
    await r.blind(points.subarray(0, 32));
    await expect(r.finalize(points)).rejects.toMatchObject({ code: 'PSI_STATE' });
    expect(() => createAsyncSender({ group, multiply, key: new Uint8Array(5) })).toThrow(expect.objectContaining({ code: 'PSI_INPUT_INVALID' }));
  });
});

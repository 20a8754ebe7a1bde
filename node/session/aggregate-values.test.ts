import { describe, expect, it } from 'vitest';
import { rational } from '../../protocols/dp/index.js';
import type { AggregateColumn } from '../agreements/aggregate-terms.js';
import type { EncryptedColumn } from './aggregate-plan.js';
import { bucketOf, encryptedValues } from './aggregate-values.js';

const noise = { mechanism: 'discrete-laplace' as const, scale: rational(1n) };

describe("the value holder's encrypted values", () => {
  it('puts a value in the bucket whose lower edge it reaches', () => {
    expect([5, 100, 299.99, 300, 9000].map((v) => bucketOf(v, [100, 300]))).toEqual([0, 1, 1, 2, 2]);
  });

  it('clamps, scales, counts a missing value as min, and lays values out in digest order', () => {
    const column: AggregateColumn = { column: 'spend', min: 0, max: 500, scale: 2, buckets: [100, 300] };
    const encrypted: EncryptedColumn[] = [
      { source: 0, bucket: null, min: 0n, max: 50000n, noise },
      ...[0, 1, 2].map((b) => ({ source: 0, bucket: b, min: 0n, max: 1n, noise })),
    ];
    const raw = [Float64Array.from([12.345, -3, 777, Number.NaN, 150])];
    const order = Uint32Array.from([4, 3, 2, 1, 0]);
    const [values, low, mid, high] = encryptedValues(raw, [column], encrypted, order);
    expect([...values]).toEqual([15000, 0, 50000, 0, 1235]);
    expect([...low]).toEqual([0, 1, 0, 1, 1]);
    expect([...mid]).toEqual([1, 0, 0, 0, 0]);
    expect([...high]).toEqual([0, 0, 1, 0, 0]);
  });
});

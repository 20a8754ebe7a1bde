import { describe, expect, it } from 'vitest';
import { CONNECTION_REFUSALS, connectionGate } from './connection-limit.js';

describe('connectionGate', () => {
  it('holds an address to its open connections, and frees a place when one closes', () => {
    const gate = connectionGate({ perAddress: 2, newBurst: 10, newPerSecond: 0 }, () => 0);
    expect([gate.admit('10.0.0.1'), gate.admit('10.0.0.1'), gate.admit('10.0.0.1')]).toEqual([null, null, CONNECTION_REFUSALS.tooManyOpen]);
    expect(gate.admit('10.0.0.2')).toBeNull();
    gate.release('10.0.0.1');
    expect(gate.openFrom('10.0.0.1')).toBe(1);
    expect(gate.admit('10.0.0.1')).toBeNull();
  });

  it('limits new connections per second, and a refusal for open connections spends none', () => {
    let t = 0;
    const gate = connectionGate({ perAddress: 1, newBurst: 2, newPerSecond: 1 }, () => t);
    expect(gate.admit('a')).toBeNull();
    expect(gate.admit('a')).toBe(CONNECTION_REFUSALS.tooManyOpen);
    gate.release('a');
    expect(gate.admit('a')).toBeNull();
    gate.release('a');
    expect(gate.admit('a')).toBe(CONNECTION_REFUSALS.tooManyNew);
    t += 1000;
    expect(gate.admit('a')).toBeNull();
    gate.release('a');
    expect(gate.openFrom('a')).toBe(0);
  });
});

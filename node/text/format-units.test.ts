import { describe, expect, it } from 'vitest';
import { fmtBytes } from './format-units.js';

describe('fmtBytes', () => {
  it('prints bytes, KiB and MiB', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(1023)).toBe('1023 B');
    expect(fmtBytes(1024)).toBe('1.0 KiB');
    expect(fmtBytes(1536)).toBe('1.5 KiB');
    expect(fmtBytes(1 << 20)).toBe('1.0 MiB');
  });
});

/**
 * docs/errors.md must list every code of the catalogue, with its HTTP and gRPC status, and
 * nothing else: the docs are the contract API clients and peers program against.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../node/errors.js';
import { GRPC_STATUS } from '../node/peer/status.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
// Table rows: | `CODE` | HTTP | gRPC | meaning |
const rows = [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*(\d{3})\s*\|\s*([A-Z_]+)\s*\|\s*(.*?)\s*\|\s*$/gm)].map((m) => ({
  code: m[1],
  http: Number(m[2]),
  grpc: m[3],
  meaning: m[4],
}));
const codes = Object.keys(ERRORS) as ErrorCode[];

describe('docs/errors.md', () => {
  it('lists every code in the catalogue', () => {
    const documented = new Set(rows.map((r) => r.code));
    expect(
      codes.filter((c) => !documented.has(c)),
      'in node/errors.ts but not in docs/errors.md',
    ).toEqual([]);
  });

  it('lists no code that is not in the catalogue, and none twice', () => {
    expect(
      rows.filter((r) => !(r.code in ERRORS)).map((r) => r.code),
      'in docs/errors.md but not in node/errors.ts',
    ).toEqual([]);
    expect(rows.length).toBe(new Set(rows.map((r) => r.code)).size);
  });

  it('gives each code its catalogued HTTP and gRPC status and a meaning', () => {
    for (const r of rows.filter((row) => row.code in ERRORS)) {
      const spec = ERRORS[r.code as ErrorCode];
      expect({ code: r.code, http: r.http, grpc: r.grpc }).toEqual({ code: r.code, http: spec.http, grpc: GrpcStatus[GRPC_STATUS[r.code as ErrorCode]] });
      expect(r.meaning.length, r.code).toBeGreaterThan(0);
    }
  });
});

/** The README's main job, `mofang demo`, at a small size: exact results and verified audit logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runDemo } from '../node/demo/demo.js';

it('runs the demo end to end: overlap and enrich equal the planted overlap, both audits verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-demo-'));
  const lines: string[] = [];
  try {
    const result = await runDemo({ dir: join(dir, 'demo'), bankRows: 3000, partnerRows: 1500, overlap: 400, print: (l) => lines.push(l) });
    expect(result).toEqual({ expectedOverlap: 400, overlapCount: 400, enrichCount: 400, auditOk: { bank: true, partner: true } });
    expect(lines.join('\n')).toContain('overlap = 400 (expected 400)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

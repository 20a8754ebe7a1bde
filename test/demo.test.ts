/** The README's main job, `mofang demo`, at a small size: exact results and verified audit logs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runDemo } from '../node/demo/demo.js';

it('runs the demo end to end: overlap and enrich equal the planted overlap, segments are scored, both audits verify', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-demo-'));
  const lines: string[] = [];
  try {
    const result = await runDemo({ dir: join(dir, 'demo'), bankRows: 3000, partnerRows: 1500, overlap: 400, print: (l) => lines.push(l) });
    expect(result).toMatchObject({ expectedOverlap: 400, overlapCount: 400, enrichCount: 400, auditOk: { bank: true, partner: true } });
    // Two disjoint segments by age cover the 400 matched customers; their noisy counts are near it.
    expect(result.scores.map((s) => s.label).sort()).toEqual(['age-40-plus', 'under-40']);
    expect(result.scores.map((s) => s.rank).sort()).toEqual([1, 2]);
    const counted = result.scores.reduce((sum, s) => sum + (s.count ?? 0), 0);
    expect(Math.abs(counted - 400)).toBeLessThan(40);
    for (const s of result.scores) {
      expect(s.meanSpend!).toBeGreaterThan(10);
      expect(s.meanSpend!).toBeLessThan(500);
    }
    expect(lines.join('\n')).toContain('overlap = 400 (expected 400)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

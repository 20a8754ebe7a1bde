import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composePipeline } from './pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the pipeline wiring', () => {
  it('hands insight the lazily opened event store with the events identifier kind and time zone', async () => {
    const pipeline = composePipeline({ dataDir: join(dir, 'a'), events: { identifierKind: 'phone', timeZone: 'Asia/Shanghai' } });
    try {
      expect(pipeline.behaviour).toMatchObject({ identifierKind: 'phone', timeZone: 'Asia/Shanghai' });
      const reader = await pipeline.behaviour.reader();
      expect(reader).toBe(await pipeline.eventStore());
      expect(await reader.all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      pipeline.close();
    }
  });

  it('defaults to raw identifiers and UTC', () => {
    const pipeline = composePipeline({ dataDir: join(dir, 'b') });
    expect(pipeline.behaviour).toMatchObject({ identifierKind: 'raw', timeZone: 'UTC' });
    pipeline.close();
  });
});

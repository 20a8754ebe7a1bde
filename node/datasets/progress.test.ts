import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressReporter } from './progress.js';

const collect = (isTTY: boolean) => {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
};

describe('progressReporter', () => {
  it('is silent on a non-terminal until one final line', () => {
    const out = collect(false);
    const progress = progressReporter({ stream: out.stream });
    progress.update({ rowsRead: 2048, bytesRead: 100_000, totalBytes: 1_000_000 });
    progress.update({ rowsRead: 4096, bytesRead: 1_000_000, totalBytes: 1_000_000 });
    expect(out.text()).toBe('');
    progress.done();
    progress.done();
    expect(out.text()).toMatch(/^import: 4096 rows, 1\.0 MB read in \d+\.\d s \(\d+ rows\/s\)\n$/);
  });

  it('draws a bar on a terminal', () => {
    const out = collect(true);
    const progress = progressReporter({ stream: out.stream, label: 'customers' });
    progress.update({ rowsRead: 2048, bytesRead: 500_000, totalBytes: 1_000_000 });
    progress.done();
    expect(out.text()).toContain('customers');
    expect(out.text()).toContain('50%');
    expect(out.text()).toContain('2048 rows');
  });
});

describe('progressReporter: the hash pass', () => {
  it('adds the hash pass to the final line', () => {
    const out = collect(false);
    const progress = progressReporter({ stream: out.stream });
    progress.update({ phase: 'read', rowsRead: 4096, bytesRead: 1_000_000, totalBytes: 1_000_000 });
    progress.update({ phase: 'hash', rowsRead: 4096, bytesRead: 1_000_000, totalBytes: 1_000_000, hashed: 4000, toHash: 4000 });
    progress.done();
    expect(out.text()).toMatch(/^import: 4096 rows, 1\.0 MB read in \d+\.\d s \(\d+ rows\/s\); 4000 ids hashed in \d+\.\d s \(\d+ ids\/s\)\n$/);
  });

  it('draws a second bar for the hash pass on a terminal', () => {
    const out = collect(true);
    const progress = progressReporter({ stream: out.stream, label: 'customers' });
    progress.update({ phase: 'read', rowsRead: 2048, bytesRead: 1_000_000, totalBytes: 1_000_000 });
    progress.update({ phase: 'hash', rowsRead: 2048, bytesRead: 1_000_000, totalBytes: 1_000_000, hashed: 1024, toHash: 2048 });
    progress.done();
    expect(out.text()).toContain('customers hash');
    expect(out.text()).toContain('1024/2048 ids');
  });
});

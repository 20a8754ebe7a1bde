import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openNodeDatabase } from '../database.js';
import { insertRun } from '../session/runs.js';
import type { Db } from '../store/db.js';
import { createJob, getJob, listJobs, requestCancel } from './store.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-jobs-'));
  db = openNodeDatabase(join(dir, 'node.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const newJob = () => createJob(db, { kind: 'overlap', agreementIds: ['a1'], createdBy: 'test' });
/** A querier run of `jobId` that started at `startedAt` (set after the insert, which stamps now). */
const run = (id: string, jobId: string, startedAt: string) => {
  insertRun(db, { id, jobId, agreementId: 'a1', operation: 'overlap', role: 'querier', peerNodeId: 'peer', dataset: 'customers', localSize: 3 });
  db.prepare('UPDATE runs SET started_at = ? WHERE id = ?').run(startedAt, id);
};

describe('job store', () => {
  it("lists each job's own runs, oldest first, and none for a job that has not run", () => {
    const first = newJob();
    const second = newJob();
    const idle = newJob();
    run('r-late', first.id, '2026-01-01T00:00:03.000Z');
    run('r-early', first.id, '2026-01-01T00:00:01.000Z');
    run('r-other', second.id, '2026-01-01T00:00:02.000Z');

    expect(getJob(db, first.id).runIds).toEqual(['r-early', 'r-late']);
    expect(getJob(db, idle.id).runIds).toEqual([]);
    const listed = new Map(listJobs(db).map((j) => [j.id, j.runIds]));
    expect(listed).toEqual(
      new Map([
        [first.id, ['r-early', 'r-late']],
        [second.id, ['r-other']],
        [idle.id, []],
      ]),
    );
  });

  it('cancelling a running job flags its running runs and keeps listing them', () => {
    const job = newJob();
    db.prepare("UPDATE jobs SET status = 'running' WHERE id = ?").run(job.id);
    run('r1', job.id, '2026-01-01T00:00:01.000Z');
    const cancelled = requestCancel(db, job.id, 'operator');
    expect(cancelled).toMatchObject({ status: 'running', cancelRequested: true, runIds: ['r1'] });
    expect(db.prepare('SELECT cancel_requested FROM runs WHERE id = ?').pluck().get('r1')).toBe(1);
  });

  it('names a job that does not exist', () => {
    expect(() => getJob(db, 'nope')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND', message: 'no job with id nope' }));
  });
});

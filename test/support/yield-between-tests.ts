/**
 * Every test file: after each test, one turn of the event loop through its I/O phase.
 *
 * A file whose tests never wait on real I/O (fastify's inject, in-memory fakes) runs from test to
 * test on promise callbacks alone, and never lets the event loop read the vitest runner's replies.
 * Its "onTaskUpdate" call then times out after 60 s although the reply arrived long before, and
 * the run fails with every test passing. setImmediate runs after the poll phase, so the loop reads
 * what is waiting first.
 */
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

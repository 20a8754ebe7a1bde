import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDraft } from '../../test/support/agreements.js';
import { type SessionPair, sessionPair } from '../../test/support/session-pair.js';
import { MofangError } from '../errors.js';
import type { RunFrame } from '../wire/messages.js';
import type { Link } from './link.js';
import { runQuerier } from './psi-querier.js';

let pair: SessionPair;
beforeAll(async () => {
  pair = await sessionPair();
}, 60_000);
afterAll(() => pair?.close());

const terms = (bank: string, telco: string) =>
  sampleDraft(bank, telco, {
    expiresAt: new Date(pair.clock.now().getTime() + 30 * 86_400_000).toISOString(),
    minIntersection: 20,
    parties: {
      proposer: { nodeId: bank, name: 'Bank', dataset: 'customers', columns: ['phone'] },
      acceptor: { nodeId: telco, name: 'Telco', dataset: 'subscribers', columns: ['phone'] },
    },
  });

/** The bank's link with its start frame rewritten: as an older node (or a hostile one) would send it. */
function rewritingStart(link: Link, querierGeneration: Buffer | undefined): Link {
  return Object.assign(Object.create(link) as Link, {
    send: (frame: RunFrame) => link.send(frame.frame === 'start' ? { frame: 'start', start: { ...frame.start, querierGeneration } } : frame),
  });
}

const responderRow = (runId: string) =>
  pair.telco.db.prepare('SELECT querier_generation AS generation, querier_reimport AS reimport FROM runs WHERE id = ?').get(runId) as
    | { generation: string | null; reimport: number }
    | undefined;

describe("the querier's generation on the wire", () => {
  it('a querier that sends no generation (a node older than the field) still runs: recorded as unknown, never a re-import', async () => {
    const agreementId = pair.agree(terms);
    const current = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(current.error).toBeUndefined();
    const old = await pair.run((env, link) => runQuerier(env, rewritingStart(link, undefined), { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(old.error).toBeUndefined();
    expect(old.result).toMatchObject({ status: 'succeeded', resultCount: pair.data.expectedOverlap });
    expect(responderRow(current.result!.id)).toEqual({ generation: expect.stringMatching(/^[0-9a-f]{32}$/), reimport: 0 });
    expect(responderRow(old.result!.id)).toEqual({ generation: null, reimport: 0 });
    expect(pair.telco.entries('run.started', old.result!.id)[0].details.querierGeneration).toBe('unknown');
    // Back to the current generation after an unknown one: the same set, no re-import.
    const again = await pair.run((env, link) => runQuerier(env, link, { agreementId, operation: 'overlap', actor: 'test:operator' }));
    expect(responderRow(again.result!.id)).toEqual({ generation: responderRow(current.result!.id)!.generation, reimport: 0 });
  }, 60_000);

  it('a generation field of the wrong length is refused by the responder, naming the field; no run is recorded there', async () => {
    const agreementId = pair.agree(terms);
    const before = pair.telco.runs().length;
    const { error } = await pair.run((env, link) =>
      runQuerier(env, rewritingStart(link, Buffer.alloc(5, 1)), { agreementId, operation: 'overlap', actor: 'test:operator' }),
    );
    expect(error).toBeInstanceOf(MofangError);
    expect((error as MofangError).code).toBe('PEER_MESSAGE_INVALID');
    expect((error as MofangError).message).toContain('start.querierGeneration');
    expect(pair.telco.runs()).toHaveLength(before);
  }, 60_000);
});

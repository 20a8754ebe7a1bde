import { beforeEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { draftTerms } from './model.js';
import { agreementDeliverer, type DelivererOptions } from './deliverer.js';
import { DEFAULT_BACKOFF, deliveryView, retryDelayMs, type OutboxRow } from './outbox.js';
import { signTerms } from './signing.js';
import { acceptAgreement, getAgreement, receiveProposal, recordAcceptance, recordRevocation, revokeAgreement, saveProposal } from './store.js';
import { type TestNode, makeTestNode, sampleDraft } from '../../test/support/agreements.js';

let clockNow: Date;
const now = () => clockNow;
let bank: TestNode;
let telco: TestNode;
/** Whether the bank answers; when it does not, the failure carries hostile peer text. */
let bankUp: boolean;
let sends: number;

beforeEach(() => {
  clockNow = new Date('2026-01-01T00:00:00.000Z');
  bank = makeTestNode('bank', now);
  telco = makeTestNode('telco', now);
  bankUp = true;
  sends = 0;
});

/** The telco's deliverer, talking to the bank's real store in place of the gRPC transport. */
function telcoDeliverer(over: Partial<DelivererOptions> = {}) {
  return agreementDeliverer({
    db: telco.db,
    audit: telco.ctx.audit,
    logger: createLogger({ level: 'silent', name: 'telco' }),
    now,
    random: () => 0.5,
    send: async (row: OutboxRow) => {
      sends++;
      if (!bankUp) throw new MofangError('PEER_UNREACHABLE', 'peer bank: connect refused \u202Eby 13800138000');
      const a = getAgreement(telco.db, row.agreementId);
      const stored =
        row.action === 'accept'
          ? recordAcceptance(bank.ctx, a.id, a.acceptorSignature!, telco.identity.certPem)
          : recordRevocation(bank.ctx, a.id, a.revokedReason!, a.revocationSignature!, telco.identity.certPem);
      return stored.status;
    },
    probe: async () => bankUp,
    ...over,
  });
}

function proposeToTelco(): string {
  const terms = draftTerms(sampleDraft(bank.identity.nodeId, telco.identity.nodeId), clockNow);
  const signed = { terms, proposerSignature: signTerms(terms, bank.identity, clockNow) };
  saveProposal(bank.ctx, signed);
  receiveProposal(telco.ctx, signed, bank.identity.certPem);
  return terms.id;
}

describe('retryDelayMs', () => {
  it('doubles from the base, stays within [ceiling/2, ceiling], and never exceeds the cap', () => {
    expect(retryDelayMs(1, DEFAULT_BACKOFF, () => 0)).toBe(1_000);
    expect(retryDelayMs(1, DEFAULT_BACKOFF, () => 1)).toBe(2_000);
    expect(retryDelayMs(4, DEFAULT_BACKOFF, () => 1)).toBe(16_000);
    expect(retryDelayMs(40, DEFAULT_BACKOFF, () => 1)).toBe(5 * 60_000);
    expect(retryDelayMs(1_000, DEFAULT_BACKOFF, () => 0)).toBe(2.5 * 60_000);
  });
});

describe('the agreement outbox', () => {
  it('queues the acceptance in the same transaction as the state change', () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    expect(deliveryView(telco.db, id)).toMatchObject({ action: 'accept', state: 'pending', attempts: 0, nextAttemptAt: clockNow.toISOString() });
  });

  it('queues nothing when the acceptance is rolled back (audit append failed)', () => {
    const id = proposeToTelco();
    const failing = {
      ...telco.ctx,
      audit: {
        append: () => {
          throw new Error('disk full');
        },
      },
    };
    expect(() => acceptAgreement(failing, id, telco.identity)).toThrow('disk full');
    expect(getAgreement(telco.db, id).status).toBe('pending');
    expect(deliveryView(telco.db, id)).toBeUndefined();
  });

  it('an unreachable proposer leaves it pending with backoff; once reachable it is delivered and both sides agree', async () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    const deliverer = telcoDeliverer();
    bankUp = false;
    await deliverer.deliver(id, 'accept');
    expect(deliveryView(telco.db, id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastErrorCode: 'PEER_UNREACHABLE',
      nextAttemptAt: '2026-01-01T00:00:01.500Z',
    });
    expect(getAgreement(bank.db, id).status).toBe('proposed');
    const failed = telco.auditEntries().find((e) => e.action === 'agreement.delivery_failed')!;
    expect(failed.details).toMatchObject({ delivery: 'accept', attempts: 1, code: 'PEER_UNREACHABLE', nextAttemptAt: '2026-01-01T00:00:01.500Z' });
    // The peer's text is data: stripped of the bidi override and the phone number redacted.
    expect(JSON.stringify(failed)).not.toContain('13800138000');
    expect(JSON.stringify(failed)).not.toContain('\u202E');

    bankUp = true;
    deliverer.peerReachable(bank.identity.nodeId); // not started: only makes it due
    expect(deliveryView(telco.db, id)?.nextAttemptAt).toBe(clockNow.toISOString());
    await deliverer.deliver(id, 'accept');
    expect(deliveryView(telco.db, id)).toMatchObject({ state: 'delivered', attempts: 2, deliveredAt: clockNow.toISOString() });
    expect(getAgreement(bank.db, id).status).toBe('accepted');
    expect(telco.auditEntries().at(-1)).toMatchObject({
      action: 'agreement.delivered',
      subject: id,
      details: { delivery: 'accept', attempts: 2, peerStatus: 'accepted' },
    });
    await deliverer.deliver(id, 'accept'); // delivered: nothing more to send
    expect(sends).toBe(2);
  });

  it('a running deliverer retries on its own once the peer answers its probe', async () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    bankUp = false;
    // Real clock, a backoff far longer than the test: only the probe can bring the retry forward.
    const deliverer = telcoDeliverer({ now: () => new Date(), backoff: { baseMs: 60_000, maxMs: 60_000 }, pollMs: 20, probeMs: 20 });
    deliverer.start();
    try {
      await until(() => (deliveryView(telco.db, id)?.attempts ?? 0) >= 1);
      bankUp = true;
      await until(() => deliveryView(telco.db, id)?.state === 'delivered');
      expect(getAgreement(bank.db, id).status).toBe('accepted');
    } finally {
      await deliverer.stop();
    }
  });

  it('a revocation supersedes an undelivered acceptance, and reaches a proposer that never heard of the acceptance', async () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    revokeAgreement(telco.ctx, id, telco.identity, 'changed our mind');
    expect(deliveryView(telco.db, id)).toMatchObject({ action: 'revoke', state: 'pending' });
    const deliverer = telcoDeliverer();
    await deliverer.deliver(id, 'accept');
    expect(sends).toBe(0);
    await deliverer.deliver(id, 'revoke');
    expect(getAgreement(bank.db, id)).toMatchObject({ status: 'revoked', revokedBy: telco.identity.nodeId, revokedReason: 'changed our mind' });
    expect(deliveryView(telco.db, id)).toMatchObject({ action: 'revoke', state: 'delivered' });
  });

  it("a revocation whose reason carries a phone number still reaches the peer, redacted in the peer's audit", async () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    revokeAgreement(telco.ctx, id, telco.identity, 'customer 13800138000 complained');
    await telcoDeliverer().deliver(id, 'revoke');
    expect(getAgreement(bank.db, id)).toMatchObject({ status: 'revoked', revokedReason: 'customer 13800138000 complained' });
    const entry = bank.auditEntries().at(-1)!;
    expect(entry).toMatchObject({ action: 'agreement.revoked', subject: id });
    expect(JSON.stringify(entry)).not.toContain('13800138000');
  });

  it('a refusal that re-sending cannot change ends the retries as refused, audited', async () => {
    const id = proposeToTelco();
    acceptAgreement(telco.ctx, id, telco.identity);
    revokeAgreement(bank.ctx, id, bank.identity, 'withdrawn'); // the bank revoked before hearing of it
    const deliverer = telcoDeliverer();
    await deliverer.deliver(id, 'accept');
    expect(deliveryView(telco.db, id)).toMatchObject({ state: 'refused', attempts: 1, lastErrorCode: 'AGREEMENT_STATE', nextAttemptAt: null });
    expect(telco.auditEntries().at(-1)).toMatchObject({ action: 'agreement.delivery_refused', details: { code: 'AGREEMENT_STATE' } });
    await deliverer.deliver(id, 'accept');
    expect(sends).toBe(1);
  });

  it('revocations that crossed are both acknowledged; the first recorded stands on each side', async () => {
    const id = proposeToTelco();
    const sig = acceptAgreement(telco.ctx, id, telco.identity);
    recordAcceptance(bank.ctx, id, sig, telco.identity.certPem);
    const fromBank = revokeAgreement(bank.ctx, id, bank.identity, 'bank ended it');
    revokeAgreement(telco.ctx, id, telco.identity, 'telco ended it');
    await telcoDeliverer().deliver(id, 'revoke');
    expect(deliveryView(telco.db, id)).toMatchObject({ action: 'revoke', state: 'delivered' });
    expect(getAgreement(bank.db, id)).toMatchObject({ revokedBy: bank.identity.nodeId, revokedReason: 'bank ended it' });
    // A forged "revocation" of an already revoked agreement is still checked, not waved through.
    expect(() => recordRevocation(telco.ctx, id, 'bank ended it', { ...fromBank.revocationSignature!, signature: 'AAAA' }, bank.identity.certPem)).toThrow(
      expect.objectContaining({ code: 'PEER_SIGNATURE_INVALID' }),
    );
  });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

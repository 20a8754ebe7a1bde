import { beforeEach, describe, expect, it } from 'vitest';
import { type AgreementTerms, type TermsDraft, draftTerms } from './model.js';
import { type SignedAgreement, signTerms } from './signing.js';
import { acceptAgreement, getAgreement, listAgreements, receiveProposal, recordAcceptance, recordRevocation, revokeAgreement, saveProposal } from './store.js';
import { type TestNode, makeTestIdentity, makeTestNode, sampleDraft } from '../../test/support/agreements.js';

let clockNow: Date;
const now = () => clockNow;
let bank: TestNode;
let telco: TestNode;

beforeEach(() => {
  clockNow = new Date('2026-01-01T00:00:00.000Z');
  bank = makeTestNode('bank', now);
  telco = makeTestNode('telco', now);
});

const code = (c: string, message?: string) => expect.objectContaining({ code: c, ...(message ? { message: expect.stringContaining(message) } : {}) });

function propose(over: Partial<TermsDraft> = {}): SignedAgreement {
  const terms = draftTerms(sampleDraft(bank.identity.nodeId, telco.identity.nodeId, over), clockNow);
  const signed = { terms, proposerSignature: signTerms(terms, bank.identity, clockNow) };
  saveProposal(bank.ctx, signed);
  return signed;
}

/** Propose on the bank, deliver to the telco, accept there, deliver the acceptance back. */
function agree(): AgreementTerms {
  const signed = propose();
  receiveProposal(telco.ctx, signed, bank.identity.certPem);
  const acceptorSignature = acceptAgreement(telco.ctx, signed.terms.id, telco.identity);
  recordAcceptance(bank.ctx, signed.terms.id, acceptorSignature, telco.identity.certPem);
  return signed.terms;
}

describe('agreement lifecycle between two nodes', () => {
  it('propose → receive → accept → record acceptance leaves both nodes with the same signed agreement', () => {
    const signed = propose();
    const id = signed.terms.id;
    expect(getAgreement(bank.db, id)).toMatchObject({ status: 'proposed', localParty: 'proposer', peerNodeId: telco.identity.nodeId });

    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    expect(getAgreement(telco.db, id)).toMatchObject({ status: 'pending', localParty: 'acceptor', peerNodeId: bank.identity.nodeId });

    const acceptorSignature = acceptAgreement(telco.ctx, id, telco.identity);
    expect(acceptorSignature.signer).toBe(telco.identity.nodeId);
    recordAcceptance(bank.ctx, id, acceptorSignature, telco.identity.certPem);

    const [b, t] = [getAgreement(bank.db, id), getAgreement(telco.db, id)];
    expect(b.status).toBe('accepted');
    expect(t.status).toBe('accepted');
    expect(b.termsHash).toBe(t.termsHash);
    expect(b.terms).toEqual(t.terms);
    expect(b.proposerSignature).toEqual(t.proposerSignature);
    expect(b.acceptorSignature).toEqual(t.acceptorSignature);

    expect(bank.auditEntries().map((e) => e.action)).toEqual(['agreement.proposed', 'agreement.accepted']);
    expect(telco.auditEntries().map((e) => e.action)).toEqual(['agreement.received', 'agreement.accepted']);
    expect(telco.auditEntries()[1]).toMatchObject({
      actor: telco.identity.nodeId,
      subject: id,
      details: { termsHash: t.termsHash, from: 'pending', to: 'accepted' },
    });
  });

  it('treats an identical re-send as a no-op (even re-signed) and refuses different terms under the same id', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const resigned = { ...signed, proposerSignature: signTerms(signed.terms, bank.identity, clockNow) };
    expect(receiveProposal(telco.ctx, resigned, bank.identity.certPem).status).toBe('pending');
    expect(saveProposal(bank.ctx, signed).status).toBe('proposed');
    expect(telco.auditEntries()).toHaveLength(1);
    expect(bank.auditEntries()).toHaveLength(1);

    const changed = { ...signed.terms, minIntersection: 1 };
    const conflicting = { terms: changed, proposerSignature: signTerms(changed, bank.identity, clockNow) };
    expect(() => receiveProposal(telco.ctx, conflicting, bank.identity.certPem)).toThrow(code('AGREEMENT_CONFLICT'));
    expect(() => saveProposal(bank.ctx, conflicting)).toThrow(code('AGREEMENT_CONFLICT'));
    expect(getAgreement(telco.db, signed.terms.id).terms.minIntersection).toBe(100);
  });

  it('re-delivered acceptance is a no-op', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const sig = acceptAgreement(telco.ctx, signed.terms.id, telco.identity);
    recordAcceptance(bank.ctx, signed.terms.id, sig, telco.identity.certPem);
    recordAcceptance(bank.ctx, signed.terms.id, sig, telco.identity.certPem);
    expect(bank.auditEntries()).toHaveLength(2);
  });
});

describe('receiving a proposal checks who sent it and what it says', () => {
  it('refuses a proposal whose proposer is not the connected peer', () => {
    const signed = propose();
    const other = makeTestIdentity('other');
    expect(() => receiveProposal(telco.ctx, signed, other.certPem)).toThrow(code('AGREEMENT_INVALID', 'parties.proposer.nodeId'));
  });

  it('refuses a proposal naming another node as acceptor', () => {
    const signed = propose();
    const third = makeTestNode('third', now);
    expect(() => receiveProposal(third.ctx, signed, bank.identity.certPem)).toThrow(code('AGREEMENT_INVALID', 'parties.acceptor.nodeId'));
  });

  it('refuses terms changed after signing', () => {
    const signed = propose();
    const tampered = { ...signed, terms: { ...signed.terms, outputs: { overlap: ['proposer' as const], enrich: ['proposer' as const] } } };
    expect(() => receiveProposal(telco.ctx, tampered, bank.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID'));
    expect(listAgreements(telco.db)).toHaveLength(0);
    expect(telco.auditEntries()).toHaveLength(0);
  });

  it('refuses a proposal that has expired in transit', () => {
    const signed = propose({ expiresAt: '2026-01-01T00:01:00.000Z' });
    clockNow = new Date('2026-01-01T00:02:00.000Z');
    expect(() => receiveProposal(telco.ctx, signed, bank.identity.certPem)).toThrow(code('AGREEMENT_INVALID', 'expiresAt: must be in the future'));
  });

  it('refuses a proposal that claims to be accepted already', () => {
    const signed = propose();
    const forged = { ...signed, acceptorSignature: signed.proposerSignature };
    expect(() => receiveProposal(telco.ctx, forged, bank.identity.certPem)).toThrow(code('AGREEMENT_INVALID', 'acceptorSignature'));
  });
});

describe('illegal transitions are refused, name the state, and leave no audit entry', () => {
  it.each<[string, (id: string) => unknown, string]>([
    ['accept our own proposal', (id) => acceptAgreement(bank.ctx, id, bank.identity), 'it is proposed'],
    [
      'record an acceptance for a proposal we received',
      (id) => recordAcceptance(telco.ctx, id, signTerms(getAgreement(telco.db, id).terms, telco.identity), bank.identity.certPem),
      'it is pending',
    ],
  ])('%s', (_, act, expected) => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const before = [bank.auditEntries().length, telco.auditEntries().length];
    expect(() => act(signed.terms.id)).toThrow(code('AGREEMENT_STATE', expected));
    expect([bank.auditEntries().length, telco.auditEntries().length]).toEqual(before);
  });

  it('accepting twice, or after revocation, is refused', () => {
    const id = agree().id;
    expect(() => acceptAgreement(telco.ctx, id, telco.identity)).toThrow(code('AGREEMENT_STATE', 'it is accepted'));
    revokeAgreement(telco.ctx, id, telco.identity, 'ended');
    expect(() => acceptAgreement(telco.ctx, id, telco.identity)).toThrow(code('AGREEMENT_STATE', `it is revoked by ${telco.identity.nodeId}`));
    expect(() => revokeAgreement(telco.ctx, id, telco.identity, 'again')).toThrow(code('AGREEMENT_STATE', 'it is revoked'));
    expect(telco.auditEntries().map((e) => e.action)).toEqual(['agreement.received', 'agreement.accepted', 'agreement.revoked']);
  });

  it('an acceptance signed by the wrong key is refused', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const forged = signTerms(signed.terms, bank.identity); // the proposer "accepting" for the telco
    expect(() => recordAcceptance(bank.ctx, signed.terms.id, forged, bank.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID'));
    expect(() => recordAcceptance(bank.ctx, signed.terms.id, forged, telco.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID'));
    expect(getAgreement(bank.db, signed.terms.id).status).toBe('proposed');
  });

  it('an expired proposal cannot be accepted', () => {
    const signed = propose({ expiresAt: '2026-01-02T00:00:00.000Z' });
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    clockNow = new Date('2026-01-03T00:00:00.000Z');
    expect(() => acceptAgreement(telco.ctx, signed.terms.id, telco.identity)).toThrow(code('AGREEMENT_EXPIRED', '2026-01-02T00:00:00.000Z'));
  });

  it('only this node can sign for this node', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    expect(() => acceptAgreement(telco.ctx, signed.terms.id, bank.identity)).toThrow(code('OPERATION_NOT_ALLOWED'));
    expect(() => saveProposal(telco.ctx, signed)).toThrow(code('AGREEMENT_INVALID', 'parties.proposer.nodeId'));
  });

  it('unknown ids are AGREEMENT_NOT_FOUND', () => {
    expect(() => getAgreement(bank.db, '00000000-0000-4000-8000-000000000000')).toThrow(code('AGREEMENT_NOT_FOUND'));
  });
});

describe('revocation', () => {
  it('either side can revoke an accepted agreement; the peer records it after checking the signature', () => {
    const id = agree().id;
    const revoked = revokeAgreement(bank.ctx, id, bank.identity, '  campaign ended  ');
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: bank.identity.nodeId, revokedReason: 'campaign ended' });
    recordRevocation(telco.ctx, id, revoked.revokedReason!, revoked.revocationSignature!, bank.identity.certPem);
    recordRevocation(telco.ctx, id, revoked.revokedReason!, revoked.revocationSignature!, bank.identity.certPem); // re-sent
    expect(getAgreement(telco.db, id)).toMatchObject({ status: 'revoked', revokedBy: bank.identity.nodeId, revokedReason: 'campaign ended' });
    expect(telco.auditEntries().at(-1)).toMatchObject({
      actor: bank.identity.nodeId,
      action: 'agreement.revoked',
      details: { from: 'accepted', reason: 'campaign ended' },
    });
    expect(telco.auditEntries()).toHaveLength(3);
  });

  it('the acceptor can decline a pending proposal, and the proposer records it', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const r = revokeAgreement(telco.ctx, signed.terms.id, telco.identity, 'not this quarter');
    recordRevocation(bank.ctx, signed.terms.id, r.revokedReason!, r.revocationSignature!, telco.identity.certPem);
    expect(getAgreement(bank.db, signed.terms.id)).toMatchObject({ status: 'revoked', revokedBy: telco.identity.nodeId });
    expect(() => recordAcceptance(bank.ctx, signed.terms.id, signTerms(signed.terms, telco.identity), telco.identity.certPem)).toThrow(
      code('AGREEMENT_STATE', 'it is revoked'),
    );
  });

  it('refuses a relayed revocation with a changed reason, a forged signer, or our own signature', () => {
    const id = agree().id;
    const r = revokeAgreement(bank.ctx, id, bank.identity, 'campaign ended');
    expect(() => recordRevocation(telco.ctx, id, 'breach', r.revocationSignature!, bank.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID'));
    expect(() => recordRevocation(telco.ctx, id, 'campaign ended', r.revocationSignature!, telco.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID'));
    const own = revokeAgreement(makeTestNodeFor(telco).ctx, id, telco.identity, 'x').revocationSignature!;
    expect(() => recordRevocation(telco.ctx, id, 'x', own, telco.identity.certPem)).toThrow(code('PEER_SIGNATURE_INVALID', 'signed by this node'));
    expect(getAgreement(telco.db, id).status).toBe('accepted');
  });

  it('requires a reason', () => {
    const id = agree().id;
    expect(() => revokeAgreement(bank.ctx, id, bank.identity, '  ')).toThrow(code('AGREEMENT_INVALID', 'reason'));
  });
});

/** A second database for the same identity, holding a copy of `node`'s agreements. */
function makeTestNodeFor(node: TestNode): TestNode {
  const copy = makeTestNode('copy', now);
  const rows = node.db.prepare('SELECT * FROM agreements').all() as Record<string, unknown>[];
  for (const row of rows) {
    const cols = Object.keys(row);
    copy.db.prepare(`INSERT INTO agreements (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`).run(...Object.values(row));
  }
  return { ...copy, identity: node.identity, ctx: { ...copy.ctx, localNodeId: node.identity.nodeId } };
}

describe('state and audit cannot diverge', () => {
  it('a failing audit append rolls the transition back', () => {
    const signed = propose();
    receiveProposal(telco.ctx, signed, bank.identity.certPem);
    const failing = {
      ...telco.ctx,
      audit: {
        append: () => {
          throw new Error('disk full');
        },
      },
    };
    expect(() => acceptAgreement(failing, signed.terms.id, telco.identity)).toThrow('disk full');
    expect(getAgreement(telco.db, signed.terms.id).status).toBe('pending');
  });

  it('an asynchronous audit sink is refused (it would commit outside the transaction)', () => {
    const signed = propose();
    const asyncAudit = { ...telco.ctx, audit: { append: async () => undefined } };
    expect(() => receiveProposal(asyncAudit, signed, bank.identity.certPem)).toThrow(code('INTERNAL', 'synchronous'));
    expect(listAgreements(telco.db)).toHaveLength(0);
  });

  it('a row whose terms were edited in the database is refused on read', () => {
    const id = agree().id;
    bank.db.prepare(`UPDATE agreements SET terms = replace(terms, '"minIntersection":100', '"minIntersection":1') WHERE id = ?`).run(id);
    expect(() => getAgreement(bank.db, id)).toThrow(code('INTERNAL', 'do not match their hash'));
  });
});

describe('listAgreements', () => {
  it('filters by status, newest first', () => {
    const first = propose().terms.id;
    clockNow = new Date('2026-01-02T00:00:00.000Z');
    const second = propose().terms.id;
    revokeAgreement(bank.ctx, first, bank.identity, 'superseded');
    expect(listAgreements(bank.db).map((a) => a.id)).toEqual([second, first]);
    expect(listAgreements(bank.db, { status: 'proposed' }).map((a) => a.id)).toEqual([second]);
    expect(listAgreements(bank.db, { status: 'revoked' }).map((a) => a.id)).toEqual([first]);
  });
});

describe('with the node identity module', () => {
  it('signs and verifies agreements with node/identity keys and node ids', async () => {
    const { fingerprintOf, identityFromPem, verifySignature } = await import('../identity/identity.js');
    const [b, t] = [bank, telco].map((n) => identityFromPem(n.identity.keyPem, n.identity.certPem));
    expect([b.nodeId, t.nodeId]).toEqual([bank.identity.nodeId, fingerprintOf(telco.identity.certPem)]);
    const [bankCtx, telcoCtx] = [
      { ...bank.ctx, verify: verifySignature },
      { ...telco.ctx, verify: verifySignature },
    ];

    const terms = draftTerms(sampleDraft(b.nodeId, t.nodeId), clockNow);
    saveProposal(bankCtx, { terms, proposerSignature: signTerms(terms, b, clockNow) });
    receiveProposal(telcoCtx, getAgreement(bank.db, terms.id), b.certPem);
    recordAcceptance(bankCtx, terms.id, acceptAgreement(telcoCtx, terms.id, t), t.certPem);
    expect(getAgreement(bank.db, terms.id).status).toBe('accepted');
  });
});

describe('revocation by bare node id (caller verified the peer message itself)', () => {
  it('records an unsigned revocation by a party, and refuses a non-party', () => {
    const id = agree().id;
    const outsider = makeTestIdentity('outsider').nodeId;
    expect(() => revokeAgreement(telco.ctx, id, outsider, 'x')).toThrow(code('OPERATION_NOT_ALLOWED', 'is not a party'));
    const r = revokeAgreement(telco.ctx, id, bank.identity.nodeId, 'ended by the bank');
    expect(r).toMatchObject({ status: 'revoked', revokedBy: bank.identity.nodeId });
    expect(r.revocationSignature).toBeUndefined();
    expect(telco.auditEntries().at(-1)).toMatchObject({ actor: bank.identity.nodeId, details: { signed: false } });
  });
});

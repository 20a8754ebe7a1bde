import { beforeAll, describe, expect, it } from 'vitest';
import { type AgreementTerms, draftTerms } from './model.js';
import { signRevocation, signTerms, termsSignaturePayload, verifyRevocationSignature, verifyTermsSignature } from './signing.js';
import { type TestIdentity, makeTestIdentity, sampleDraft, verifySignature } from '../../test/support/agreements.js';

let bank: TestIdentity;
let telco: TestIdentity;
let outsider: TestIdentity;
let terms: AgreementTerms;
const NOW = new Date('2026-01-01T00:00:00.000Z');

beforeAll(() => {
  [bank, telco, outsider] = ['bank', 'telco', 'outsider'].map(makeTestIdentity);
  terms = draftTerms(sampleDraft(bank.nodeId, telco.nodeId), NOW);
});

describe('terms signatures', () => {
  it('each party signs as itself and verifies against its certificate', () => {
    const p = signTerms(terms, bank, NOW);
    const a = signTerms(terms, telco, NOW);
    expect(p).toMatchObject({ signer: bank.nodeId, at: NOW.toISOString() });
    expect(verifyTermsSignature(terms, p, bank.certPem, verifySignature)).toBe('proposer');
    expect(verifyTermsSignature(terms, a, telco.certPem, verifySignature)).toBe('acceptor');
  });

  it('signs the terms hash, the party and the time, under a context label', () => {
    const text = Buffer.from(termsSignaturePayload(terms, 'proposer', bank.nodeId, NOW.toISOString())).toString();
    expect(JSON.parse(text)).toMatchObject({ context: 'mofang/agreement-signature/v1', party: 'proposer' });
  });

  it('refuses to sign for a node that is not a party', () => {
    expect(() => signTerms(terms, outsider)).toThrow(expect.objectContaining({ code: 'OPERATION_NOT_ALLOWED' }));
  });

  it.each<[string, () => [AgreementTerms, ReturnType<typeof signTerms>, string], string]>([
    ['tampered terms', () => [{ ...terms, minIntersection: 1 }, signTerms(terms, bank), bank.certPem], 'does not verify'],
    ['tampered time', () => [terms, { ...signTerms(terms, bank), at: '2020-01-01T00:00:00.000Z' }, bank.certPem], 'does not verify'],
    ['another party’s certificate', () => [terms, signTerms(terms, bank), telco.certPem], 'certificate belongs to'],
    ['signer relabelled as the other party', () => [terms, { ...signTerms(terms, bank), signer: telco.nodeId }, telco.certPem], 'does not verify'],
    ['outsider signer', () => [terms, { ...signTerms(terms, bank), signer: outsider.nodeId }, outsider.certPem], 'is not a party'],
    ['non-base64 signature', () => [terms, { ...signTerms(terms, bank), signature: 'not base64!' }, bank.certPem], 'must be { signer'],
    ['garbage certificate', () => [terms, signTerms(terms, bank), 'not a pem'], 'not a readable X.509 PEM'],
  ])('rejects %s with PEER_SIGNATURE_INVALID', (_, make, expected) => {
    const [t, sig, cert] = make();
    expect(() => verifyTermsSignature(t, sig, cert, verifySignature)).toThrow(
      expect.objectContaining({ code: 'PEER_SIGNATURE_INVALID', message: expect.stringContaining(expected) }),
    );
  });

  it('treats a throwing verifier as an invalid signature', () => {
    const boom = () => {
      throw new Error('bad DER');
    };
    expect(() => verifyTermsSignature(terms, signTerms(terms, bank), bank.certPem, boom)).toThrow(expect.objectContaining({ code: 'PEER_SIGNATURE_INVALID' }));
  });
});

describe('revocation signatures', () => {
  it('verify for the same reason only', () => {
    const sig = signRevocation(terms, 'campaign ended', telco);
    expect(verifyRevocationSignature(terms, 'campaign ended', sig, telco.certPem, verifySignature)).toBe('acceptor');
    expect(() => verifyRevocationSignature(terms, 'other', sig, telco.certPem, verifySignature)).toThrow('does not verify');
  });

  it('are not interchangeable with acceptance signatures (domain separation)', () => {
    const acceptance = signTerms(terms, telco);
    expect(() => verifyRevocationSignature(terms, 'x', acceptance, telco.certPem, verifySignature)).toThrow('does not verify');
    const revocation = signRevocation(terms, 'x', telco);
    expect(() => verifyTermsSignature(terms, revocation, telco.certPem, verifySignature)).toThrow('does not verify');
  });
});

import { describe, expect, it } from 'vitest';
import { assertNoRawIdentifiers } from './privacy-guard.js';

const kindOf = (value: unknown): string | undefined => {
  try {
    assertNoRawIdentifiers(value);
    return undefined;
  } catch (err) {
    return (err as { details: { kind: string } }).details.kind;
  }
};

describe('assertNoRawIdentifiers', () => {
  it.each([
    [{ phone: '13800138000' }, 'mobile phone number'],
    [{ phone: '+8613912345678' }, 'mobile phone number'],
    [{ note: 'customer 15012345678 matched' }, 'mobile phone number'],
    [{ phone: 13800138000 }, 'mobile phone number'],
    [{ who: 'zhang.wei@example.com.cn' }, 'email address'],
    [{ id: '11010519491231002X' }, 'resident ID number'], // GB 11643 sample number, valid check character
    [{ card: '4111111111111111' }, 'card number'], // Luhn-valid test card
    [{ list: ['ok', { deep: '6222021234567890128' }] }, 'card number'],
    [{ '13800138000': true }, 'mobile phone number'],
    [{ sms: 13800138000 }, 'mobile phone number'], // 'sms' is not the measure word 'ms'
    [{ contact: [13800138000] }, 'mobile phone number'],
    [{ file: 'x.13800138000.csv' }, 'mobile phone number'], // punctuation does not hide a number
    [{ file: 'export_11010519491231002X-v2.csv' }, 'resident ID number'],
  ])('rejects %j as a %s', (value, kind) => {
    expect(kindOf(value)).toBe(kind);
  });

  it.each([
    { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    { nodeId: 'sha256:1234567890123456789012345678901234567890123456789012345678901234' },
    { agreementId: '123e4567-e89b-12d3-a456-426614174000', runId: '01890a5d-ac96-774b-bcce-b302099a8057' },
    { at: '2025-03-01T08:00:00.000Z', day: '2025-03-01', atMs: 1740816000000 },
    { rows: 120000, intersection: 13800, peer: '10.0.0.12:50051' },
    { id: '110105194912310021' }, // 18 digits, wrong check character
    { card: '4111111111111112' }, // fails Luhn
    { phone: '12800138000' }, // no mobile prefix 12x
    { reason: 'PEER_UNREACHABLE: deadline exceeded after 30000 ms' },
    // A 13 GB run: 11-digit byte counts that fit the mobile numbering plan are quantities.
    { bytesSent: 13800138000, bytesReceived: 15012345678, messagesSent: 13900000000, localSize: 13800138000, resultCount: 13800138000 },
    { groupSizes: [13800138000], phases: { psi: { ms: 13800138000, bytesSent: 13800138000 } }, local_rows: 13800138000 },
  ])('accepts %j', (value) => {
    expect(kindOf(value)).toBeUndefined();
  });

  it('names the path, never the value', () => {
    try {
      assertNoRawIdentifiers({ a: [{ b: 'x 13800138000' }] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'AUDIT_RAW_IDENTIFIER', details: { field: 'details.a[0].b' } });
      expect((err as Error).message).not.toContain('13800138000');
    }
  });
});

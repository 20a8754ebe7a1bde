import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { ID_KINDS, normaliseIdentifier, tryNormaliseIdentifier, type IdKind } from './normalise.js';

const reasonOf = (kind: IdKind, raw: string) => {
  const r = tryNormaliseIdentifier(kind, raw);
  if (!('reason' in r)) throw new Error(`expected ${kind} to reject`);
  return r.reason;
};

describe('phone', () => {
  it.each([
    '+86 138-0013-8000',
    '0086 13800138000',
    '13800138000',
    '8613800138000',
    '(+86) 138 0013 8000',
    '138.0013.8000',
    '+86 (138) 0013-8000',
    '１３８００１３８０００', // full-width digits, as typed with a Chinese IME
    '＋８６　１３８００１３８０００',
    ' 138 0013 8000 ',
  ])('%s → +8613800138000', (raw) => {
    expect(normaliseIdentifier('phone', raw)).toBe('+8613800138000');
  });

  it('keeps other countries in E.164 when written with + or 00', () => {
    expect(normaliseIdentifier('phone', '+44 20 7946 0958')).toBe('+442079460958');
    expect(normaliseIdentifier('phone', '0044 20 7946 0958')).toBe('+442079460958');
    expect(normaliseIdentifier('phone', '+1 (415) 555-0100')).toBe('+14155550100');
  });

  // Fixed vectors, checked against each country's numbering plan (libphonenumber-js 'max' metadata).
  it.each([
    ['+44 07911 123456', '+447911123456'], // UK mobile, trunk 0 written after the country code
    ['+44 7911 123456', '+447911123456'], // … and without it: the same number
    ['0044 (0)7911 123456', '+447911123456'],
    ['+44 020 7946 0958', '+442079460958'], // UK landline with trunk 0
    ['+1 202-555-0123', '+12025550123'], // US
    ['001 202 555 0123', '+12025550123'],
    ['+852 6123 4567', '+85261234567'], // Hong Kong mobile (8 digits, no trunk prefix)
    ['+852 2123 4567', '+85221234567'], // Hong Kong landline
    ['+86 10 1234 5678', '+861012345678'], // Beijing landline
    ['+86 010 1234 5678', '+861012345678'], // … with its trunk 0
    ['0086 20 7946 0958', '+862079460958'], // Guangzhou landline
    ['010-1234-5678', '+861012345678'], // national format: default region CN, trunk 0
    ['(021) 6123 4567', '+862161234567'], // Shanghai landline, national format
  ])('%s → %s', (raw, e164) => {
    expect(normaliseIdentifier('phone', raw)).toBe(e164);
  });

  it('reads a number without + or 00 in the default region, CN (a foreign national number is no exception)', () => {
    // 07911 123456 is a UK mobile in the UK's national format; without +44 it is not a valid
    // Chinese number, so it is refused rather than guessed.
    expect(reasonOf('phone', '07911 123456')).toContain('write other countries with + or 00');
  });

  it.each([
    ['+86 138-0013-800', '11 digits expected after country code 86'],
    ['+86 139 1234 56789', '11 digits expected after country code 86'],
    ['12800138000', 'write other countries with + or 00'],
    ['+0 123 456 789', 'a country code cannot start with 0'],
    ['+44 123', 'too short'],
    ['+44 1234 5678 9012 3456', 'too long'],
    ['+86 10 1234 567', 'not in the numbering plan'], // 'min' metadata (lengths only) would accept it
    ['+999 1234 5678', 'unknown country code'],
    ['+44 7700 900123', 'not in the numbering plan'], // Ofcom's range reserved for drama: never a customer
    ['+1 012 555 0123', 'not in the numbering plan'], // US area codes never start with 0
    ['138-0013-800O', 'only digits'],
    ['+44 7911 123456 ext 12', 'only digits'],
    ['', 'empty'],
    ['--', 'empty'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(reasonOf('phone', raw)).toContain(reason);
    expect(reasonOf('phone', raw)).toMatch(/^not a valid phone number \(/);
  });

  it('never puts the number into the reason', () => {
    for (const raw of ['+44 7700 900123', '+86 138-0013-800', '07911 123456', '+999 1234 5678']) {
      const digits = raw.replace(/\D/g, '');
      expect(reasonOf('phone', raw)).not.toContain(digits.slice(-6));
    }
  });

  it('equivalent spellings of one mobile number normalise to the same value (property)', () => {
    const digit = fc.integer({ min: 0, max: 9 }).map(String);
    const mobile = fc.tuple(fc.integer({ min: 3, max: 9 }), fc.array(digit, { minLength: 9, maxLength: 9 })).map(([d, rest]) => `1${d}${rest.join('')}`);
    const prefix = fc.constantFrom('', '+86', '0086', '86', '+86 ', '(+86) ', '0086-', '＋８６');
    const separator = fc.constantFrom('', '', '', ' ', '-', '.', '(', ')', '\u3000', '－');
    fc.assert(
      fc.property(mobile, prefix, fc.array(separator, { minLength: 11, maxLength: 11 }), (n, p, seps) => {
        const spelled = p + [...n].map((c, i) => c + seps[i]).join('');
        expect(normaliseIdentifier('phone', spelled)).toBe(`+86${n}`);
      }),
    );
  });

  it('+ and 00 spell the same international number (property)', () => {
    const cc = fc
      .integer({ min: 1, max: 999 })
      .map(String)
      .filter((c) => !c.startsWith('86'));
    const rest = fc.stringMatching(/^\d{7,12}$/);
    fc.assert(
      fc.property(cc, rest, (c, r) => {
        const plus = tryNormaliseIdentifier('phone', `+${c} ${r}`);
        expect(tryNormaliseIdentifier('phone', `00${c}-${r}`)).toEqual(plus);
      }),
    );
  });
});

describe('email', () => {
  it('trims and lower-cases, keeping dots and +tags', () => {
    expect(normaliseIdentifier('email', '  Alice.Smith+news@Example.COM ')).toBe('alice.smith+news@example.com');
    expect(normaliseIdentifier('email', 'a.b+c@gmail.com')).toBe('a.b+c@gmail.com');
  });

  it('folds Gmail dots and +tags only when asked', () => {
    expect(normaliseIdentifier('email', 'A.Lice+promo@GoogleMail.com', { gmailCanonical: true })).toBe('alice@gmail.com');
    expect(normaliseIdentifier('email', 'a.lice+promo@example.com', { gmailCanonical: true })).toBe('a.lice+promo@example.com');
  });

  it.each([
    ['alice@example', 'the domain needs a dot'],
    ['alice@@example.com', 'exactly one @'],
    ['alice@ex@ample.com', 'exactly one @'],
    ['@example.com', 'empty local part'],
    ['ali ce@example.com', 'whitespace'],
    ['alice@example..com', 'no empty labels'],
    ['alice@.example.com', 'no empty labels'],
    ['', 'empty'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(reasonOf('email', raw)).toContain(reason);
  });
});

describe('national-id', () => {
  // GB 11643-1999's example number; check character X.
  const VALID = '11010519491231002X';

  it('accepts a valid id and upper-cases a final x', () => {
    expect(normaliseIdentifier('national-id', VALID)).toBe(VALID);
    expect(normaliseIdentifier('national-id', ' 11010519491231002x ')).toBe(VALID);
    expect(normaliseIdentifier('national-id', '１１０１０５１９４９１２３１００２ｘ')).toBe(VALID);
  });

  it.each([
    ['110105194912310021', 'check digit does not match'],
    ['110105194902310027', 'date of birth'],
    ['110105180012310027', 'date of birth'],
    ['110105491231002', '15-digit ids'],
    ['11010519491231002', '18 characters expected'],
    ['1101051949123100XX', '18 characters expected'],
  ])('rejects %s: %s', (raw, reason) => {
    expect(reasonOf('national-id', raw)).toContain(reason);
  });

  it('accepts every id whose check character is computed by MOD 11-2 (property)', () => {
    const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const body = fc
      .tuple(
        fc.stringMatching(/^[1-8]\d{5}$/),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2020-12-31'), noInvalidDate: true }),
        fc.stringMatching(/^\d{3}$/),
      )
      .map(([region, birth, seq]) => region + birth.toISOString().slice(0, 10).replaceAll('-', '') + seq);
    fc.assert(
      fc.property(body, fc.boolean(), (b, lower) => {
        const sum = [...b].reduce((s, c, i) => s + Number(c) * weights[i], 0);
        const id = b + '10X98765432'[sum % 11];
        expect(normaliseIdentifier('national-id', lower ? id.toLowerCase() : id)).toBe(id);
      }),
    );
  });
});

describe('raw', () => {
  it('trims and NFC-normalises', () => {
    expect(normaliseIdentifier('raw', '  Cafe\u0301 ')).toBe('Caf\u00e9');
    expect(normaliseIdentifier('raw', 'Caf\u00e9')).toBe(normaliseIdentifier('raw', 'Cafe\u0301'));
  });

  it('rejects empty and over-long values', () => {
    expect(reasonOf('raw', '   ')).toContain('empty');
    expect(reasonOf('raw', '中'.repeat(86))).toContain('longer than 256 bytes'); // 258 bytes
    expect(normaliseIdentifier('raw', '中'.repeat(85))).toHaveLength(85); // 255 bytes
  });
});

describe('every kind', () => {
  it.each(ID_KINDS)('%s: normalising is idempotent (property)', (kind) => {
    const phoneish = fc.stringMatching(/^[+0(]?[\d ()\-.]{6,20}$/);
    const emailish = fc.tuple(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })).map(([a, b]) => `${a}@${b}.com`);
    const any = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), phoneish, emailish);
    fc.assert(
      fc.property(any, fc.boolean(), (raw, gmailCanonical) => {
        const once = tryNormaliseIdentifier(kind, raw, { gmailCanonical });
        if ('value' in once) expect(tryNormaliseIdentifier(kind, once.value, { gmailCanonical })).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('reasons never contain the rejected value (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ID_KINDS), fc.stringMatching(/^[\dA-Za-z@.+ ]{6,30}$/), (kind, raw) => {
        const r = tryNormaliseIdentifier(kind, raw);
        if ('reason' in r) expect(r.reason).not.toContain(raw.trim());
      }),
      { numRuns: 1000 },
    );
  });

  it('normaliseIdentifier throws IDENTIFIER_INVALID with the reason and without the value', () => {
    const err = (() => {
      try {
        normaliseIdentifier('phone', '+86 139 1234 567');
      } catch (e) {
        return e as MofangError;
      }
    })();
    expect(err).toBeInstanceOf(MofangError);
    expect(err?.code).toBe('IDENTIFIER_INVALID');
    expect(err?.message).toBe('not a valid phone number (11 digits expected after country code 86)');
    expect(JSON.stringify(err?.toJSON())).not.toMatch(/1391234567|139 1234 567/);
  });
});

import { describe, expect, it } from 'vitest';
import { assertNoRawIdentifiers } from '../audit/privacy-guard.js';
import { errorText, untrustedText, UNTRUSTED_TEXT_MAX } from './untrusted.js';

describe('untrustedText', () => {
  it('caps a megabyte of text to the limit and marks the cut', () => {
    const out = untrustedText('x'.repeat(1_000_000));
    expect(out.length).toBe(UNTRUSTED_TEXT_MAX);
    expect(out.endsWith('…')).toBe(true);
  });

  it('strips control and bidi-override characters', () => {
    expect(untrustedText('abc\u202Edef\u0000\nghi\u2066x\u200By')).toBe('abc def ghi x y');
  });

  it('redacts identifiers so the result passes the audit guard', () => {
    const out = untrustedText('customer 13800138000 and a@b.example and 11010519491231002X refused');
    expect(out).toBe('customer [redacted mobile phone number] and [redacted email address] and [redacted resident ID number] refused');
    expect(() => assertNoRawIdentifiers({ reason: out })).not.toThrow();
  });

  it('redacts an identifier inside a file name or joined by punctuation, not only a spaced one', () => {
    expect(untrustedText('x.13800138000.csv')).toBe('x.[redacted mobile phone number].csv');
    expect(untrustedText('id_13800138000-2 (+8613800138000)')).toBe('id_[redacted mobile phone number]-2 ([redacted mobile phone number])');
    expect(untrustedText('card=4111111111111111;')).toBe('card=[redacted card number];');
  });

  it('keeps a digit run inside a hex hash or a word', () => {
    const sha = 'ab13800138000cd9f0e1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a493827';
    expect(untrustedText(`file ${sha}`, 1000)).toBe(`file ${sha}`);
    expect(untrustedText('order13800138000')).toBe('order13800138000');
  });

  it('keeps ordinary text, hashes and ids', () => {
    expect(untrustedText('agreement 3f2a-77 expired after 90 days')).toBe('agreement 3f2a-77 expired after 90 days');
  });

  it('errorText: an error message with an identifier in it is redacted for the log', () => {
    expect(errorText(new Error("Could not convert '13800138000' to DATE"))).toBe("Could not convert '[redacted mobile phone number]' to DATE");
    expect(errorText('plain')).toBe('plain');
  });

  it('never throws on non-strings', () => {
    expect(untrustedText(undefined)).toBe('');
    expect(untrustedText({ a: 1 })).toBe('[object]');
  });
});

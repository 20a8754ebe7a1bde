import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from './template.js';

const name = fc.stringMatching(/^(profile|event)\.[a-z_]{1,12}$/);
/** Literal template text: anything without braces (braces in the template are syntax). */
const literal = fc.string({ maxLength: 20 }).map((s) => s.replace(/[{}]/g, ''));
/** A value may hold anything, template syntax included. */
const value = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('{{', '}}', '{{profile.x}}', '{', '}', '{{ event.y }}'));
const template = fc.array(fc.tuple(literal, name), { minLength: 1, maxLength: 6 }).map((parts) => ({
  text: parts.map(([lit, n]) => `${lit}{{ ${n} }}`).join(''),
  parts,
}));

describe('renderTemplate (properties)', () => {
  it('with every variable given, the output is the literals and the values in order: nothing from a value is rendered again', () => {
    fc.assert(
      fc.property(template, fc.dictionary(name, value), value, (t, given, fallback) => {
        const values: Record<string, string> = { ...given };
        for (const [, n] of t.parts) values[n] ??= fallback;
        const expected = t.parts.map(([lit, n]) => `${lit}${values[n]}`).join('');
        expect(renderTemplate(t.text, values)).toBe(expected);
      }),
    );
  });

  it('the output holds no unrendered {{ other than those the values themselves bring', () => {
    fc.assert(
      fc.property(template, fc.string({ maxLength: 20 }), (t, filler) => {
        const clean = filler.replace(/[{}]/g, '');
        const values = Object.fromEntries(t.parts.map(([, n]) => [n, clean]));
        expect(renderTemplate(t.text, values)).not.toMatch(/[{}]/);
      }),
    );
  });

  it('a missing variable always fails, naming it', () => {
    fc.assert(
      fc.property(template, fc.nat(), value, (t, pick, v) => {
        const missing = t.parts[pick % t.parts.length][1];
        const values = Object.fromEntries(t.parts.map(([, n]) => [n, v]).filter(([n]) => n !== missing));
        expect(() => renderTemplate(t.text, values)).toThrow(
          expect.objectContaining({ code: 'CHANNEL_VARIABLE_MISSING', details: { variables: expect.arrayContaining([missing]) } }),
        );
      }),
    );
  });
});

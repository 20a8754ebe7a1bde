import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, type CsvToken } from './csv-tokenizer.js';

/** Tokens of `chunks` fed one after the other. */
function tokenize(chunks: readonly string[], maxRecordBytes = 1 << 20): CsvToken[] {
  const out: CsvToken[] = [];
  const tokenizer = new CsvTokenizer((t) => out.push(t), maxRecordBytes);
  for (const chunk of chunks) tokenizer.push(chunk);
  tokenizer.finish();
  return out;
}

/** `text` cut at the given positions. */
const split = (text: string, cuts: readonly number[]) => {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => text.slice(from, at[i] ?? text.length));
};

// Fields mixing the characters that matter: separators, quotes, both line breaks, a lone CR, non-ASCII.
const field = fc.array(fc.constantFrom('a', 'Z', '7', ' ', ',', '"', '\n', '\r\n', '\r', '深', '😀'), { maxLength: 6 }).map((cs) => cs.join(''));
const needsQuotes = (f: string) => /[",\n\r]/.test(f) || f === '';
const encode = (f: string, quoteAnyway: boolean) => (needsQuotes(f) || quoteAnyway ? `"${f.replaceAll('"', '""')}"` : f);
const csvFile = fc.array(
  fc.record({ fields: fc.array(field, { minLength: 1, maxLength: 4 }), quote: fc.boolean(), blankBefore: fc.nat(2), crlf: fc.boolean() }),
  { maxLength: 12 },
);

describe('CsvTokenizer', () => {
  it('reads what an RFC 4180 writer wrote, with start lines, however the text is chunked', () => {
    fc.assert(
      fc.property(csvFile, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (records, cuts, finalBreak) => {
        let text = '';
        let line = 1;
        const expected: CsvToken[] = [];
        records.forEach((r, k) => {
          const eol = r.crlf ? '\r\n' : '\n';
          text += eol.repeat(r.blankBefore);
          line += r.blankBefore;
          // A record of one empty field would be a blank line: quote it.
          const encoded = r.fields.map((f) => encode(f, r.quote || r.fields.length === 1)).join(',');
          text += encoded + (k < records.length - 1 || finalBreak ? eol : '');
          expected.push({ line, fields: r.fields });
          line += 1 + r.fields.join('').split('\n').length - 1;
        });
        expect(tokenize(split(text, cuts))).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  const malformed = 'a,b,c\n1,2,3\n4,x"SECRET",6\n7,"SECRET"y,9\n\n10,11,12\n"multi\nline"x,2,3\n13,"SECRET,15\n16,17,18\n';
  const expectedMalformed = [
    { line: 1, fields: ['a', 'b', 'c'] },
    { line: 2, fields: ['1', '2', '3'] },
    { line: 3, error: 'quote-in-unquoted-field' },
    { line: 4, error: 'text-after-closing-quote' },
    { line: 6, fields: ['10', '11', '12'] },
    // The broken multi-line record: reported at its start, then its second line read as a record.
    { line: 7, error: 'text-after-closing-quote' },
    { line: 8, error: 'quote-in-unquoted-field' },
    // Unclosed: the quote runs to the end of the file; reading resumes on the next line.
    { line: 9, error: 'unclosed-quote' },
    { line: 10, fields: ['16', '17', '18'] },
  ];

  it('reports malformed records at the line they start on and resumes on the next line', () => {
    expect(tokenize([malformed])).toEqual(expectedMalformed);
  });

  it('gives the same tokens for every way of cutting the text in two, and one character at a time', () => {
    for (let cut = 0; cut <= malformed.length; cut++) expect(tokenize(split(malformed, [cut]))).toEqual(expectedMalformed);
    expect(tokenize([...malformed])).toEqual(expectedMalformed);
    const crlf = 'a,b\r\n"x\r\ny",2\r\n\r\n3,4\r\n';
    const expected = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\r\ny', '2'] },
      { line: 5, fields: ['3', '4'] },
    ];
    for (let cut = 0; cut <= crlf.length; cut++) expect(tokenize(split(crlf, [cut]))).toEqual(expected);
    expect(tokenize([...crlf])).toEqual(expected);
  });

  it('cuts off a record longer than the limit, counting UTF-8 bytes, and goes on', () => {
    const text = 'ok\n0123456789\n"runaway,\nmore\nok2\n深深深深\n';
    const expected = [
      { line: 1, fields: ['ok'] },
      { line: 2, error: 'record-too-long' },
      // The quote runs past the limit before the end of the input is seen.
      { line: 3, error: 'record-too-long' },
      { line: 4, fields: ['more'] },
      { line: 5, fields: ['ok2'] },
      { line: 6, error: 'record-too-long' }, // 4 characters, 12 bytes of UTF-8
    ];
    expect(tokenize([text], 10)).toEqual(expected);
    expect(tokenize([...text], 10)).toEqual(expected);
    // Within the limit, a quote still open at the end of the input is an unclosed quote.
    expect(tokenize(['a\n"bc\nd'], 10)).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, error: 'unclosed-quote' },
      { line: 3, fields: ['d'] },
    ]);
  });

  it('keeps a lone CR as data, trailing empty fields, and a final record without a line break', () => {
    expect(tokenize(['a\rb,c,\n,\n"",x'])).toEqual([
      { line: 1, fields: ['a\rb', 'c', ''] },
      { line: 2, fields: ['', ''] },
      { line: 3, fields: ['', 'x'] },
    ]);
  });
});

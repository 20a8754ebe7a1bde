/**
 * A streaming RFC 4180 tokenizer: text in (any chunking), records out, each with the line it starts
 * on. It replaces csv-parse on the import hot path, where csv-parse's per-record context objects
 * cost more than the parsing itself (≈ 3.8 µs a row against ≈ 1 µs here; docs/benchmarks.md).
 *
 * Rules (docs/import.md, "Formats"):
 * - Fields are separated by `,`, records end with LF or CRLF (a lone CR is an ordinary character).
 *   A field that starts with `"` is quoted: it may hold `,`, line breaks and `""` (one quote).
 * - Empty lines are skipped. A leading BOM is the caller's business (csv.ts strips it).
 * - A malformed record is reported with the line it starts on, and reading resumes on the line
 *   after that one (so a broken multi-line record may give a few bad records; a good record after
 *   it is never lost). Malformed: a quote inside an unquoted field, characters after a closing
 *   quote, a quote never closed, a record longer than `maxRecordBytes` bytes of UTF-8.
 *
 * Memory: only the record being read is kept between chunks, and it is cut off at the size limit.
 */

export type CsvError = 'quote-in-unquoted-field' | 'text-after-closing-quote' | 'unclosed-quote' | 'record-too-long';

export type CsvToken = { line: number; fields: string[]; error?: undefined } | { line: number; fields?: undefined; error: CsvError };

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

/** What parseRecord found at a position. */
enum Outcome {
  Record,
  /** The record may continue in text not yet received. */
  Incomplete,
  Error,
}

export class CsvTokenizer {
  /** Unparsed text: the start of a record that continues in the next chunk. */
  private tail = '';
  /** Line of the first character of `tail`. */
  private line = 1;
  /** After an error: the rest of the bad record's first line is being skipped. */
  private skipping = false;
  // Results of parseRecord, kept in fields to avoid an object per record.
  private fields: string[] = [];
  private end = 0;
  private newlines = 0;
  private error: CsvError | undefined;

  constructor(
    private readonly emit: (token: CsvToken) => void,
    private readonly maxRecordBytes: number,
  ) {}

  /** Parses every record `text` completes. */
  push(text: string): void {
    this.run(this.tail + text, false);
  }

  /** The end of the input: parses what is left. */
  finish(): void {
    this.run(this.tail, true);
    this.tail = '';
  }

  private run(text: string, final: boolean): void {
    let p = 0;
    let line = this.line;
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) {
        this.tail = '';
        return;
      }
      p = nl + 1;
      this.skipping = false;
    }
    const n = text.length;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === LF) {
        p++;
        line++;
        continue;
      }
      if (c === CR && p + 1 < n && text.charCodeAt(p + 1) === LF) {
        p += 2;
        line++;
        continue;
      }
      if (c === CR && p + 1 === n && !final) break; // CR LF split across chunks
      const outcome = this.parseRecord(text, p, final);
      if (outcome === Outcome.Record) {
        this.emit({ line, fields: this.fields });
        line += 1 + this.newlines;
        p = this.end;
        continue;
      }
      if (outcome === Outcome.Incomplete) {
        if (utf8Longer(text, p, n, this.maxRecordBytes)) this.error = 'record-too-long';
        else break;
      }
      // A bad record: report it, resume on the line after the one it starts on.
      this.emit({ line, error: this.error as CsvError });
      const nl = text.indexOf('\n', p);
      line++;
      if (nl < 0) {
        this.skipping = !final;
        p = n;
      } else p = nl + 1;
    }
    this.tail = p < n ? text.slice(p) : '';
    this.line = line;
  }

  /**
   * Reads the record starting at `start`. On Record: `fields`, `end` (after its line break) and
   * `newlines` (inside quoted fields). On Error: `error`.
   */
  private parseRecord(text: string, start: number, final: boolean): Outcome {
    const n = text.length;
    const fields: string[] = [];
    let newlines = 0;
    let p = start;
    for (;;) {
      let value: string;
      if (text.charCodeAt(p) === QUOTE) {
        value = '';
        let from = p + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0 || (q + 1 === n && !final)) {
            if (!final) return Outcome.Incomplete;
            this.error = 'unclosed-quote';
            return Outcome.Error;
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += text.slice(from, q);
          p = q + 1;
          break;
        }
        for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) newlines++;
        if (p < n) {
          const c = text.charCodeAt(p);
          if (c === CR && p + 1 === n && !final) return Outcome.Incomplete;
          if (c !== COMMA && c !== LF && !(c === CR && text.charCodeAt(p + 1) === LF)) {
            this.error = 'text-after-closing-quote';
            return Outcome.Error;
          }
        }
      } else {
        let j = p;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (c === COMMA || c === LF) break;
          if (c === QUOTE) {
            this.error = 'quote-in-unquoted-field';
            return Outcome.Error;
          }
          if (c === CR) {
            if (j + 1 === n && !final) return Outcome.Incomplete;
            if (text.charCodeAt(j + 1) === LF) break;
          }
        }
        if (j === n && !final) return Outcome.Incomplete;
        value = text.slice(p, j);
        p = j;
      }
      fields.push(value);
      // p is at the separator after the field, or at the end of the text.
      if (p === n) {
        this.end = n;
        break;
      }
      const c = text.charCodeAt(p);
      if (c === COMMA) {
        p++;
        continue;
      }
      this.end = c === LF ? p + 1 : p + 2; // LF or CR LF
      break;
    }
    if (utf8Longer(text, start, this.end, this.maxRecordBytes)) {
      this.error = 'record-too-long';
      return Outcome.Error;
    }
    this.fields = fields;
    this.newlines = newlines;
    return Outcome.Record;
  }
}

/** Whether text[start, end) is longer than `max` bytes of UTF-8 (cheap unless it is long). */
function utf8Longer(text: string, start: number, end: number, max: number): boolean {
  const chars = end - start;
  if (chars > max) return true;
  if (3 * chars <= max) return false; // a UTF-16 code unit is at most 3 bytes of UTF-8
  return Buffer.byteLength(text.slice(start, end)) > max;
}

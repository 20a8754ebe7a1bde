/**
 * Errors raised by the data sources. Their codes are the node's catalogue codes (`node/errors.ts`
 * checks that at compile time), and `node/datasets` turns them into the node's errors where it
 * opens a source, so adapters/ imports nothing from node/ — the way protocols/errors.ts works.
 *
 * Text from inside a file (a column name) is quoted by a function the caller chooses: the node
 * passes its outsider-text filter, so what a file says reaches a message only through it.
 */
export const SOURCE_ERROR_CODES = ['IMPORT_FILE_UNREADABLE', 'IMPORT_ENCODING_INVALID', 'IMPORT_PATH_FORBIDDEN', 'IMPORT_BAD_OPTION', 'INTERNAL'] as const;
export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

/** Makes a piece of a file's own text safe to put in a message. */
export type QuoteOutsider = (text: string) => string;

/** Without the node's filter: control and bidirectional-override characters become spaces. */
const quoteBare: QuoteOutsider = (text) => text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, ' ');

export class SourceError extends Error {
  readonly code: SourceErrorCode;
  /** Structured, non-sensitive specifics (file, line, field, option). */
  readonly details?: Record<string, unknown>;
  readonly #describe: (quote: QuoteOutsider) => string;

  /** `message` is a function when it quotes text from the file. */
  constructor(code: SourceErrorCode, message: string | ((quote: QuoteOutsider) => string), details?: Record<string, unknown>) {
    const describe = typeof message === 'string' ? () => message : message;
    super(describe(quoteBare));
    this.name = 'SourceError';
    this.code = code;
    this.details = details;
    this.#describe = describe;
  }

  /** The message with the file's own text quoted by `quote`. */
  describe(quote: QuoteOutsider): string {
    return this.#describe(quote);
  }
}

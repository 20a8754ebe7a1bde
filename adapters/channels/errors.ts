/**
 * Errors raised by the channel adapters and their pure helpers. Their codes are the node's
 * catalogue codes (`node/errors.ts` checks that at compile time, and `asMofangError` maps them), so
 * adapters/ imports nothing from node/ — the way adapters/sources/errors.ts works.
 *
 * A provider's refusal is not an error: `send` returns it as a `SendResult`. These are mistakes
 * found before anything is sent — a template that cannot be filled, a setting that cannot work.
 */
export const CHANNEL_ERROR_CODES = ['CHANNEL_TEMPLATE_INVALID', 'CHANNEL_VARIABLE_MISSING', 'CHANNEL_CONFIG_INVALID'] as const;
export type ChannelErrorCode = (typeof CHANNEL_ERROR_CODES)[number];

export class ChannelError extends Error {
  readonly code: ChannelErrorCode;
  /** Structured, non-sensitive specifics (variable, channel, field); never a value or a secret. */
  readonly details?: Record<string, unknown>;

  constructor(code: ChannelErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ChannelError';
    this.code = code;
    this.details = details;
  }
}

/**
 * Errors raised by the pure protocol code. The codes are part of the node's error catalogue
 * (`node/errors.ts`), which maps them to HTTP and gRPC statuses; protocols/ itself imports nothing
 * from node/.
 */
export const PROTOCOL_ERROR_CODES = [
  'PSI_INPUT_INVALID',
  'PSI_POINT_INVALID',
  'PSI_STATE',
  'HE_OVERFLOW',
  'HE_PARAMS_INVALID',
  'HE_INPUT_INVALID',
  'HE_MESSAGE_INVALID',
  'HE_STATE',
  'DP_INPUT_INVALID',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/**
 * The node's structured JSON logger (pino). Logs leave the node (SIEM, support tickets), so any
 * field that could carry a customer identifier or a secret is censored here, once, rather than
 * trusted to every call site. Request bodies are never logged: the API logs method, route,
 * status, duration and actor only.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level; 'silent' disables output. */
  level: Level | 'silent';
  /** Written as `name` on every line (e.g. the node name). */
  name: string;
  /** Where lines go; stdout when omitted. Tests pass `captureLogger()`'s sink. */
  destination?: DestinationStream;
  /** Lines to stderr: a one-shot CLI command keeps stdout for its output (`--json` stays parseable). */
  stderr?: boolean;
}

/**
 * Paths censored on every line. `*.x` matches one level down (e.g. `headers.authorization`,
 * `input.email`); deeper structures must not be logged at all.
 */
const REDACT_PATHS: readonly string[] = Object.freeze([
  // Secrets
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  // Identifiers of data subjects
  'id',
  'identifier',
  '*.identifier',
  'identifiers',
  '*.identifiers',
  'phone',
  '*.phone',
  'email',
  '*.email',
  // Bodies can hold any of the above
  'body',
  '*.body',
  'req.body',
  'request.body',
  'payload',
  '*.payload',
]);

export const REDACTED = '[redacted]';

/**
 * @example
 * const log = createLogger({ level: 'info', name: 'bank' });
 * log.info({ route: '/v1/runs', status: 200 }, 'request');
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level as a label ("info"), not a number: easier to grep and to map in log pipelines.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? (options.stderr ? pino.destination({ dest: 2, sync: true }) : pino.destination({ dest: 1, sync: false })),
  );
}

/** Test helper: a logger whose lines are kept in memory, parsed, for assertions. */
import { createLogger, type Logger, type LoggerOptions } from '../../node/log/logger.js';

export interface CapturedLogger {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line written so far, raw — to assert a value appears nowhere. */
  text(): string;
}

/**
 * @example
 * const { logger, lines } = captureLogger();
 * logger.info({ token: 'x' }, 'hi');
 * expect(lines()[0].token).toBe('[redacted]');
 */
export function captureLogger(options: Partial<Omit<LoggerOptions, 'destination'>> = {}): CapturedLogger {
  const raw: string[] = [];
  // A plain object with write() is a synchronous pino destination: lines are visible at once.
  const destination = { write: (line: string) => void raw.push(line) };
  const logger = createLogger({ level: options.level ?? 'trace', name: options.name ?? 'test', destination });
  return {
    logger,
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}

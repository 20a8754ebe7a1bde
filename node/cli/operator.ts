/** Who runs a CLI command: the name recorded (as `cli:<name>`) in the audit entries it makes. */
import { userInfo } from 'node:os';
import { MofangError } from '../errors.js';

const OPERATOR = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/**
 * `--as <name>` when given, else the OS user. The name lands in the signed audit log, so it is
 * checked (no spaces, control characters or anything that could pass for another field).
 * @example operatorName('alice') // → 'alice'
 */
export function operatorName(as: string | undefined): string {
  if (as !== undefined) {
    if (!OPERATOR.test(as))
      throw new MofangError(
        'REQUEST_INVALID',
        `--as: expected a name of letters, digits, _ . @ - (up to 64, e.g. alice), got ${JSON.stringify(as.slice(0, 80))}`,
        { field: '--as' },
      );
    return as;
  }
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER;
  }
  return user && OPERATOR.test(user) ? user : 'unknown';
}

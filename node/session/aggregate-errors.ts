/**
 * A homomorphic object from the peer that does not load or check (HE_MESSAGE_INVALID from
 * protocols/he) is a malformed peer message: reported as PEER_MESSAGE_INVALID with its reason.
 */
import { asMofangError, MofangError } from '../errors.js';

export function asPeerError(err: unknown): MofangError {
  const e = asMofangError(err);
  return e.code === 'HE_MESSAGE_INVALID' ? new MofangError('PEER_MESSAGE_INVALID', e.message, { cause: 'HE_MESSAGE_INVALID' }) : e;
}

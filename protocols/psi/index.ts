/**
 * DH-OPRF private set intersection, transport-free: each step takes and returns bytes, and the
 * caller (node/jobs over a Link) moves them. Roles, flow and leakage: docs/protocol-psi.md.
 */
export { PSI_PROTOCOL, lengthPrefixed } from './domain.js';
export { createReceiver, type PsiReceiver, type ReceiverOptions } from './receiver.js';
export { createSender, type PsiSender, type SenderOptions } from './sender.js';
export { FALSE_MATCH_BITS, MAX_DIGEST_BYTES, MIN_DIGEST_BYTES, digestLength, digestOrder, digests, sortDigests } from './digest.js';
export { matchCount, matchMembership } from './match.js';
export { randomPermutation, shuffle } from './shuffle.js';
export { createAsyncReceiver, createAsyncSender, type AsyncReceiver, type AsyncSender, type BatchMultiply } from './async.js';
export { gather, matchPairs, sortDigestsWithPayload, type MatchPairs } from './align.js';
export {
  LABEL_TYPES,
  MAX_CATEGORY_BYTES,
  MAX_LABEL_COLUMNS,
  createLabelCodec,
  decodeLabel,
  encodeLabel,
  encodeLabels,
  labelLength,
  type LabelCodec,
  type LabelColumn,
  type LabelType,
  type LabelValue,
} from './label-encoding.js';
export { LABEL_KEY_LABEL, LABEL_TAG_BYTES, MAX_LABEL_BYTES, assertDistinctF, decryptLabels, encryptLabels, labelContext, labelKey } from './labels.js';

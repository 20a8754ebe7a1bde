/**
 * The node's event intake contract, `POST {endpoint}/v1/events` (docs/events.md on the node side):
 * the request body, and the 200 response read defensively — it comes over the network, and a
 * malformed answer must not crash the host app or make the tracker resend a batch the node
 * acknowledged.
 */

export interface WireEvent {
  /** Generated once per event, so a resent batch is deduplicated by the node. */
  eventId: string;
  customerId: string;
  name: string;
  /** ISO 8601, the time the event happened. */
  time: string;
  properties: Record<string, unknown>;
}

export interface BatchRequest {
  events: WireEvent[];
  /** false: the node keeps the valid events of a batch and names the rejected ones. */
  atomic: false;
}

/** One event the node refused, by its index in the request. */
interface Rejection {
  index: number;
  field: string;
  reason: string;
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  quarantined: number;
  paused: number;
  rejected: Rejection[];
}

const count = (value: unknown): number => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0);
const short = (value: unknown, fallback: string): string => (typeof value === 'string' && value !== '' ? value.slice(0, 200) : fallback);

/** The node's 200 answer for a batch of `size` events; rejections that name no event of the batch are ignored. */
export function readBatchResult(body: unknown, size: number): BatchResult {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const seen = new Set<number>();
  const rejected = (Array.isArray(b.rejected) ? b.rejected : []).flatMap((r): Rejection[] => {
    const index = (r as Record<string, unknown>)?.index;
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= size || seen.has(index as number)) return [];
    seen.add(index as number);
    const { field, reason } = r as Record<string, unknown>;
    return [{ index: index as number, field: short(field, 'event'), reason: short(reason, 'rejected by the node') }];
  });
  return { accepted: count(b.accepted), duplicates: count(b.duplicates), quarantined: count(b.quarantined), paused: count(b.paused), rejected };
}

/** The node's error reply `{ error: { code, message } }`, or what can be read of another body. */
export function readErrorReply(body: unknown): { code?: string; message?: string } {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return {};
  return {
    ...(typeof error.code === 'string' ? { code: error.code.slice(0, 100) } : {}),
    ...(typeof error.message === 'string' ? { message: error.message.slice(0, 200) } : {}),
  };
}

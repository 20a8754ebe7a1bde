/** Who may enter: the re-entry rule of the entry node against the customer's latest entry. */
import type { ComponentParams } from '../components.js';
import type { EntryStatus } from './state.js';

type Reentry = ComponentParams['segment_entry']['reentry'];

const DAY_MS = 86_400_000;

/** Whether a customer whose latest entry is `latest` may enter now (one active entry per journey at a time). */
export function mayEnter(reentry: Reentry, latest: { status: EntryStatus; enteredAt: Date } | undefined, now: Date): boolean {
  if (!latest) return true;
  if (latest.status === 'active') return false;
  if (reentry.kind === 'never') return false;
  if (reentry.kind === 'after') return now.getTime() - latest.enteredAt.getTime() >= reentry.days * DAY_MS;
  return true;
}

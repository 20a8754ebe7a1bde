/**
 * What the three node-kept channels share: the ports their services take, how a caller names a
 * customer (the dataset's raw identifier, normalised as its import normalised it), paging, and the
 * reading of the reach node's parameters a delivery carries.
 */
import type { AuditLog } from '../audit/log.js';
import { normaliseIdentifier } from '../datasets/normalise.js';
import { getDataset } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { LocalDelivery } from './local-channel.js';
import type { ReachFeedback, ReachOutcome } from './feedback.js';

export interface LocalChannelPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  /** Where opens, replies and task outcomes go (the feedback ledger); absent: they stay in these tables only. */
  feedback?: ReachFeedback;
}

/** A customer as an outside caller names it: the dataset, and the identifier as the dataset's source holds it. */
export interface CustomerRef {
  dataset: string;
  customerId: string;
}

/** The customer id as stored: normalised like the dataset's identifiers. @throws DATASET_NOT_FOUND, IDENTIFIER_INVALID (never quoting the id) */
export function storedCustomer(db: Db, ref: CustomerRef): CustomerRef {
  const info = getDataset(db, ref.dataset);
  return { dataset: info.name, customerId: normaliseIdentifier(info.idKind, ref.customerId, info.idOptions) };
}

/** Page sizes of every list of these channels. */
export const PAGE = { default: 50, max: 500 } as const;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return PAGE.default;
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE.max) {
    throw new MofangError('REQUEST_INVALID', `limit: an integer from 1 to ${PAGE.max}`, { field: 'limit', max: PAGE.max });
  }
  return limit;
}

/** Longest rendered text a delivery may carry (a reach template body is at most 10,000 characters before variables). */
const TEXT_MAX = 20_000;

/** Why a delivery cannot be kept, or null; the reason names the field, never a value. */
export function deliveryProblem(d: LocalDelivery): string | null {
  if (typeof d.text !== 'string' || d.text.trim() === '') return 'text: empty';
  if (d.text.length > TEXT_MAX) return `text: longer than ${TEXT_MAX} characters`;
  if (d.subject !== undefined && d.subject.length > 1000) return 'subject: longer than 1000 characters';
  return null;
}

/** The reach node's `priority` (0–9, default 5), as the journey holds it. */
export function priorityOf(params: Record<string, unknown>): number {
  const p = params.priority;
  return typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 9 ? p : 5;
}

/** Reports outcomes to the feedback ledger when one is wired. */
export async function report(ports: LocalChannelPorts, outcomes: readonly ReachOutcome[]): Promise<void> {
  if (ports.feedback && outcomes.length > 0) await ports.feedback.record(outcomes);
}

/** A short outcome code as the feedback ledger's `detail` takes it. */
export const OUTCOME_CODE = /^[a-z][a-z0-9_]{0,31}$/;

/** A call agent's or relationship manager's id: no spaces, no @ (an e-mail address is personal data in the audit log). */
export const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A money value: finite and not negative. */
export function checkValue(value: number | undefined, field = 'value'): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= 1e12)) {
    throw new MofangError('REQUEST_INVALID', `${field}: a finite amount from 0 to 1e12`, { field });
  }
}

export function notFound(what: string, id: number): MofangError {
  return new MofangError('REACH_ITEM_NOT_FOUND', `no ${what} ${id}`, { [what]: id });
}

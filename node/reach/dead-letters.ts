/**
 * Dead messages: listed (by channel and journey, paged) and re-driven — back to pending, due now,
 * attempts counted from zero — one by key, by filter, or all. A re-drive is audited with its
 * count and filter; never a customer.
 */
import type { AuditLog } from '../audit/log.js';
import { MofangError } from '../errors.js';
import type { DeadLetter, DeadLetterFilter, OutboxReader } from '../journeys/outbox.js';
import type { Db } from '../store/db.js';
import { attemptStore } from './attempts.js';

interface RedriveRequest extends DeadLetterFilter {
  /** One message. */
  idempotencyKey?: string;
  /** Every dead message: needed when neither a key nor a filter is given, so an empty request re-drives nothing. */
  all?: boolean;
}

export interface DeadLettersApi {
  list(filter: DeadLetterFilter, page: { limit: number; offset: number }): { total: number; items: DeadLetter[] };
  redrive(request: RedriveRequest, actor: { id: string }): { redriven: number };
}

export interface DeadLetterPorts {
  db: Db;
  outbox: Pick<OutboxReader, 'deadLetters' | 'redrive'>;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
}

/** @example deadLetters({ db, outbox, audit, now }).redrive({ channel: 'sms' }, { id: 'alice' }) // { redriven: 12 } */
export function deadLetters(ports: DeadLetterPorts): DeadLettersApi {
  const { db, outbox, audit, now } = ports;
  const attempts = attemptStore(db);
  return {
    list: (filter, page) => outbox.deadLetters(filter, page),
    redrive(request, actor) {
      const { idempotencyKey, all, ...filter } = request;
      const filtered = filter.channel !== undefined || filter.journeyId !== undefined;
      if (idempotencyKey === undefined && !filtered && all !== true) {
        throw new MofangError('REACH_REDRIVE_INVALID', 'name a message (key), a filter (channel, journeyId) or all: true', { field: 'all' });
      }
      return db.transaction(() => {
        const keys = outbox.redrive({ ...filter, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) }, now());
        if (idempotencyKey !== undefined && keys.length === 0) {
          throw new MofangError('REACH_DEAD_LETTER_NOT_FOUND', `no dead message with key ${idempotencyKey}`, { key: idempotencyKey });
        }
        attempts.reset(keys);
        // The key holds no customer identifier (journey, version, node, entry number).
        audit.append({
          actor: actor.id,
          action: 'reach.redriven',
          subject: null,
          details: { redriven: keys.length, ...filter, ...(idempotencyKey === undefined ? {} : { key: idempotencyKey }), ...(all ? { all: true } : {}) },
        });
        return { redriven: keys.length };
      })();
    },
  };
}

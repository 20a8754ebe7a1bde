/**
 * The send ledger: how many messages each customer got on each channel on each local day. The
 * gate reads one customer's recent days in one query and adds a send with one upsert; weeks and
 * months are sums of days. Rows older than any period still counted are pruned by the running
 * node: the oldest counted period is the month or ISO week holding today, which begins at most 37
 * days back (a week that began in the previous month) — 40 days of margin covers every zone.
 */
import type { Db } from '../../store/db.js';
import { DAY_MS } from './calendar.js';
import { IN_LIST, selectIn } from './select-in.js';

/** Local days before today that are still counted: a ledger row older than this is pruned. */
const KEPT_DAYS = 40;

/** One customer's sends: day → channel → count. */
export type CustomerSends = Map<number, Map<string, number>>;

export interface Ledger {
  /** The customers' sends on days `fromDay` and later; a customer without any has an empty map. */
  read(dataset: string, customerIds: readonly string[], fromDay: number): Map<string, CustomerSends>;
  /** Counts one send. */
  add(dataset: string, customerId: string, channel: string, day: number): void;
}

/** @example const ledger = sendLedger(db); ledger.add('customers', id, 'sms', 20_794); */
export function sendLedger(db: Db): Ledger {
  const select = selectIn(db, `SELECT customer_id, day, channel, sends FROM frequency_ledger WHERE dataset = ? AND customer_id IN ${IN_LIST} AND day >= ?`);
  const upsert = db.prepare(
    'INSERT INTO frequency_ledger (dataset, customer_id, channel, day, sends) VALUES (?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET sends = sends + 1',
  );
  return {
    read(dataset, customerIds, fromDay) {
      const found = new Map<string, CustomerSends>(customerIds.map((id) => [id, new Map()]));
      for (const [id, day, channel, count] of select([dataset], customerIds, [fromDay]) as [string, number, string, number][]) {
        const sends = found.get(id)!;
        let byChannel = sends.get(day);
        if (!byChannel) sends.set(day, (byChannel = new Map()));
        byChannel.set(channel, count);
      }
      return found;
    },
    add(dataset, customerId, channel, day) {
      upsert.run(dataset, customerId, channel, day);
    },
  };
}

/** Deletes ledger rows no cap counts any more; returns how many. */
export function pruneLedger(db: Db, now: Date): number {
  const oldest = Math.floor(now.getTime() / DAY_MS) - KEPT_DAYS;
  return db.prepare('DELETE FROM frequency_ledger WHERE day < ?').run(oldest).changes;
}

/**
 * The in-app inbox: a reach message on channel `inbox` is a row the bank's app backend lists for
 * its customer. Reading one marks it read and reports `opened`; marking it unread again or
 * deleting it (soft: the row stays, the customer no longer sees it) are audited like every other
 * change, by message id — never by customer.
 *
 * Every call names the customer, and a message is found only with its own customer: an app that
 * passes the wrong customer gets "no such message", never another customer's text.
 */
import type { Actor } from '../../audit/actor.js';
import type { LocalChannel, LocalDelivery } from '../local-channel.js';
import { type CustomerRef, deliveryProblem, type LocalChannelPorts, notFound, pageSize, report, storedCustomer } from '../local-delivery.js';

/** @public (the API returns it) */
export interface InboxMessage {
  id: number;
  subject: string | null;
  text: string;
  createdAt: string;
  /** null: unread. */
  readAt: string | null;
}

/** @public (the API returns it) */
export interface InboxPage {
  messages: InboxMessage[];
  /** Unread messages of the customer in all (not only this page). */
  unread: number;
  /** Pass as `before` for the next (older) page; null on the last. */
  nextBefore: number | null;
}

/** @public (the API takes it) */
export interface InboxQuery extends CustomerRef {
  unreadOnly?: boolean;
  limit?: number;
  /** Only messages older than this id (the previous page's `nextBefore`). */
  before?: number;
}

export interface InboxApi {
  /** The customer's messages, newest first. */
  list(query: InboxQuery): InboxPage;
  /** One message; marks it read and reports `opened`. */
  read(id: number, customer: CustomerRef, actor: Actor): Promise<InboxMessage>;
  /** Marks read (reports `opened`) or unread again. */
  mark(id: number, customer: CustomerRef, read: boolean, actor: Actor): Promise<InboxMessage>;
  /** Hides the message from the customer for good. */
  remove(id: number, customer: CustomerRef, actor: Actor): { id: number; deleted: true };
}

interface Row {
  id: number;
  key: string;
  subject: string | null;
  body: string;
  created_at: string;
  read_at: string | null;
}
const view = (r: Row): InboxMessage => ({ id: r.id, subject: r.subject, text: r.body, createdAt: r.created_at, readAt: r.read_at });

/** @example const inbox = inboxChannel({ db, audit, now, feedback }); dispatcher.local.set('inbox', inbox.channel) */
export function inboxChannel(ports: LocalChannelPorts): { channel: LocalChannel; api: InboxApi } {
  const { db, audit, now } = ports;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO reach_inbox (key, dataset, customer_id, journey_id, journey_version, node_id, subject, body, created_at)
     VALUES (@key, @dataset, @customer, @journey, @version, @node, @subject, @body, @at)`,
  );
  const idOfKey = db.prepare('SELECT id FROM reach_inbox WHERE key = ?').pluck();
  const one = db.prepare('SELECT * FROM reach_inbox WHERE id = ? AND dataset = ? AND customer_id = ? AND deleted_at IS NULL');
  const unread = db.prepare('SELECT count(*) FROM reach_inbox WHERE dataset = ? AND customer_id = ? AND deleted_at IS NULL AND read_at IS NULL').pluck();
  const setRead = db.prepare('UPDATE reach_inbox SET read_at = ? WHERE id = ?');
  const setDeleted = db.prepare('UPDATE reach_inbox SET deleted_at = ? WHERE id = ?');

  const find = (id: number, customer: CustomerRef): Row => {
    const c = storedCustomer(db, customer);
    const row = one.get(id, c.dataset, c.customerId) as Row | undefined;
    if (!row) throw notFound('message', id);
    return row;
  };
  /** Changes the read mark in one transaction with its audit entry; the row as it is afterwards. */
  const changeRead = (id: number, customer: CustomerRef, read: boolean, actor: Actor): Row =>
    db.transaction(() => {
      const row = find(id, customer);
      if ((row.read_at !== null) === read) return row;
      const at = read ? now().toISOString() : null;
      setRead.run(at, id);
      audit.append({ actor: actor.id, action: read ? 'reach.inbox.read' : 'reach.inbox.unread', subject: String(id), details: { key: row.key } });
      return { ...row, read_at: at };
    })();
  const opened = async (row: Row) => {
    await report(ports, [{ key: row.key, outcome: 'opened', at: new Date(row.read_at ?? now().toISOString()) }]);
  };

  const channel: LocalChannel = {
    channel: 'inbox',
    deliver(d: LocalDelivery) {
      const existing = idOfKey.get(d.key) as number | undefined;
      if (existing !== undefined) return { status: 'sent', providerId: `inbox:${existing}` };
      const problem = deliveryProblem(d);
      if (problem) return { status: 'permanent', reason: problem };
      insert.run({
        key: d.key,
        dataset: d.customer.dataset,
        customer: d.customer.customerId,
        journey: d.journey.id,
        version: d.journey.version,
        node: d.journey.node,
        subject: d.subject ?? null,
        body: d.text,
        at: d.at.toISOString(),
      });
      return { status: 'sent', providerId: `inbox:${idOfKey.get(d.key) as number}` };
    },
  };

  const api: InboxApi = {
    list(query) {
      const limit = pageSize(query.limit);
      const c = storedCustomer(db, query);
      const rows = db
        .prepare(
          `SELECT * FROM reach_inbox WHERE dataset = ? AND customer_id = ? AND deleted_at IS NULL
           ${query.unreadOnly ? 'AND read_at IS NULL' : ''} ${query.before !== undefined ? 'AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
        )
        .all(c.dataset, c.customerId, ...(query.before !== undefined ? [query.before] : []), limit + 1) as Row[];
      const page = rows.slice(0, limit);
      return {
        messages: page.map(view),
        unread: unread.get(c.dataset, c.customerId) as number,
        nextBefore: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
    async read(id, customer, actor) {
      const row = changeRead(id, customer, true, actor);
      // Every read reports: the ledger keeps one row per message and counts the repeats, and a
      // report lost to a failure after the commit is made good by the app's next read.
      await opened(row);
      return view(row);
    },
    async mark(id, customer, read, actor) {
      const row = changeRead(id, customer, read, actor);
      if (read) await opened(row);
      return view(row);
    },
    remove(id, customer, actor) {
      db.transaction(() => {
        const row = find(id, customer);
        setDeleted.run(now().toISOString(), id);
        audit.append({ actor: actor.id, action: 'reach.inbox.deleted', subject: String(id), details: { key: row.key } });
      })();
      return { id, deleted: true };
    },
  };
  return { channel, api };
}

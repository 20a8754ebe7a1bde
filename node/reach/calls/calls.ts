/**
 * Outbound-call lists: a reach message on channel `call` puts the customer on a call list with the
 * rendered script. The call centre pulls a list, claims calls for an agent, and records how each
 * went; the outcome is reported as `task_outcome` (detail: the outcome code), and as `replied`
 * when the customer was on the line (outcomes.ts). A claim lapses after `CLAIM_HOURS`, so calls
 * an agent never finished go back to the list.
 *
 * The list is `j<journey>.n<node>` unless the reach node names one (`params.list`). The phone
 * number is read from the dataset column `reach.channels.call.contactColumn` when the list is
 * read, so a corrected number is the one dialled; without that setting no phone leaves the node.
 */
import type { Actor } from '../../audit/actor.js';
import { MofangError } from '../../errors.js';
import { stringAttributeValues } from '../../insight/profiles/string-values.js';
import type { LocalChannel, LocalDelivery } from '../local-channel.js';
import { checkValue, deliveryProblem, type LocalChannelPorts, notFound, pageSize, priorityOf, report, STAFF_ID } from '../local-delivery.js';
import type { ReachOutcome } from '../feedback.js';
import { CALL_AGAIN, CALL_OUTCOMES, type CallOutcome, REACHED } from './outcomes.js';
import { csvTable } from './csv.js';

const LIST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const CLAIM_HOURS = 8;
const STATUSES = ['open', 'claimed', 'done'] as const;
type CallStatus = (typeof STATUSES)[number];

export interface CallView {
  id: number;
  list: string;
  customer: { dataset: string; customerId: string };
  /** From the dataset's contact column; null when none is configured or the customer has none. */
  phone: string | null;
  subject: string | null;
  script: string;
  priority: number;
  status: CallStatus;
  attempts: number;
  claimedBy: string | null;
  outcome: string | null;
  value: number | null;
  createdAt: string;
}

/** @public (the API returns it) */
export interface CallListSummary {
  list: string;
  open: number;
  claimed: number;
  done: number;
}

export interface CallsApi {
  lists(): CallListSummary[];
  /** A list's calls, highest priority then oldest first; `after`: the previous page's `nextAfter`. */
  list(query: { list: string; status?: CallStatus; limit?: number; after?: number }): { calls: CallView[]; nextAfter: number | null };
  /** Claims up to `limit` open calls of the list for the agent (audited with the call ids). */
  claim(input: { list: string; agent: string; limit?: number }, actor: Actor): { calls: CallView[] };
  /** Records how a claimed call went. */
  outcome(id: number, input: { agent: string; outcome: string; value?: number }, actor: Actor): Promise<CallView>;
  /** The list as CSV, audited with its row count: a file of customers and phone numbers leaves the node. */
  exportCsv(query: { list: string; status?: CallStatus }, actor: Actor): { csv: string; rows: number };
}

interface Row {
  id: number;
  key: string;
  list: string;
  dataset: string;
  customer_id: string;
  subject: string | null;
  script: string;
  priority: number;
  status: CallStatus;
  attempts: number;
  claimed_by: string | null;
  outcome: string | null;
  value: number | null;
  outcome_by: string | null;
  created_at: string;
}

const ORDER = 'ORDER BY priority DESC, id';

/** @example const calls = callsChannel({ db, audit, now, feedback }, { contactColumn: 'mobile' }) */
export function callsChannel(ports: LocalChannelPorts, options: { contactColumn?: string }): { channel: LocalChannel; api: CallsApi } {
  const { db, audit, now } = ports;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO reach_calls (key, list, dataset, customer_id, journey_id, journey_version, node_id, subject, script, priority, status, created_at)
     VALUES (@key, @list, @dataset, @customer, @journey, @version, @node, @subject, @script, @priority, 'open', @at)`,
  );
  const idOfKey = db.prepare('SELECT id FROM reach_calls WHERE key = ?').pluck();
  const byId = db.prepare('SELECT * FROM reach_calls WHERE id = ?');

  /** The phone numbers of these rows' customers, by row id. */
  const phones = (rows: readonly Row[]): Map<number, string> => {
    const found = new Map<number, string>();
    const column = options.contactColumn;
    if (!column) return found;
    const byDataset = new Map<string, Row[]>();
    for (const r of rows) {
      const group = byDataset.get(r.dataset);
      if (group) group.push(r);
      else byDataset.set(r.dataset, [r]);
    }
    for (const [dataset, group] of byDataset) {
      const values = stringAttributeValues(db, dataset, column, [...new Set(group.map((r) => r.customer_id))]);
      for (const r of group) {
        const phone = values.get(r.customer_id);
        if (phone !== undefined) found.set(r.id, phone);
      }
    }
    return found;
  };
  const views = (rows: readonly Row[]): CallView[] => {
    const phone = phones(rows);
    return rows.map((r) => ({
      id: r.id,
      list: r.list,
      customer: { dataset: r.dataset, customerId: r.customer_id },
      phone: phone.get(r.id) ?? null,
      subject: r.subject,
      script: r.script,
      priority: r.priority,
      status: r.status,
      attempts: r.attempts,
      claimedBy: r.claimed_by,
      outcome: r.outcome,
      value: r.value,
      createdAt: r.created_at,
    }));
  };
  const checkList = (list: string) => {
    if (!LIST_NAME.test(list)) throw new MofangError('REQUEST_INVALID', `list: must match ${LIST_NAME.source}`, { field: 'list' });
  };
  const checkAgent = (agent: string) => {
    if (!STAFF_ID.test(agent)) throw new MofangError('REQUEST_INVALID', `agent: must match ${STAFF_ID.source}`, { field: 'agent' });
  };
  const checkStatus = (status: string | undefined) => {
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
      throw new MofangError('REQUEST_INVALID', `status: one of ${STATUSES.join(', ')}`, { field: 'status' });
    }
  };

  const channel: LocalChannel = {
    channel: 'call',
    deliver(d: LocalDelivery) {
      const existing = idOfKey.get(d.key) as number | undefined;
      if (existing !== undefined) return { status: 'sent', providerId: `call:${existing}` };
      const problem = deliveryProblem(d);
      if (problem) return { status: 'permanent', reason: problem };
      const named = d.params.list;
      if (named !== undefined && (typeof named !== 'string' || !LIST_NAME.test(named))) {
        return { status: 'permanent', reason: `params.list: must match ${LIST_NAME.source}` };
      }
      insert.run({
        key: d.key,
        list: named ?? `j${d.journey.id}.n${d.journey.node}`,
        dataset: d.customer.dataset,
        customer: d.customer.customerId,
        journey: d.journey.id,
        version: d.journey.version,
        node: d.journey.node,
        subject: d.subject ?? null,
        script: d.text,
        priority: priorityOf(d.params),
        at: d.at.toISOString(),
      });
      return { status: 'sent', providerId: `call:${idOfKey.get(d.key) as number}` };
    },
  };

  const api: CallsApi = {
    lists() {
      return db
        .prepare(
          `SELECT list, sum(status = 'open') AS open, sum(status = 'claimed') AS claimed, sum(status = 'done') AS done FROM reach_calls GROUP BY list ORDER BY list`,
        )
        .all() as CallListSummary[];
    },
    list(query) {
      checkList(query.list);
      checkStatus(query.status);
      const limit = pageSize(query.limit);
      // Paged by id, not by the claim order, so a page boundary is stable while calls are claimed.
      const rows = db
        .prepare(`SELECT * FROM reach_calls WHERE list = ? ${query.status ? 'AND status = ?' : ''} AND id > ? ORDER BY id LIMIT ?`)
        .all(query.list, ...(query.status ? [query.status] : []), query.after ?? 0, limit + 1) as Row[];
      const page = rows.slice(0, limit);
      return { calls: views(page), nextAfter: rows.length > limit ? page[page.length - 1]!.id : null };
    },
    claim(input, actor) {
      checkList(input.list);
      checkAgent(input.agent);
      const limit = pageSize(input.limit ?? 10);
      const at = now();
      const lapsed = new Date(at.getTime() - CLAIM_HOURS * 3_600_000).toISOString();
      const rows = db.transaction(() => {
        const due = db
          .prepare(`SELECT * FROM reach_calls WHERE list = ? AND (status = 'open' OR (status = 'claimed' AND claimed_at < ?)) ${ORDER} LIMIT ?`)
          .all(input.list, lapsed, limit) as Row[];
        if (due.length === 0) return due;
        const claim = db.prepare(`UPDATE reach_calls SET status = 'claimed', claimed_by = ?, claimed_at = ? WHERE id = ?`);
        for (const r of due) claim.run(input.agent, at.toISOString(), r.id);
        audit.append({
          actor: actor.id,
          action: 'reach.calls.claimed',
          subject: input.list,
          details: { agent: input.agent, count: due.length, calls: due.map((r) => r.id) },
        });
        return due.map((r) => ({ ...r, status: 'claimed' as const, claimed_by: input.agent }));
      })();
      return { calls: views(rows) };
    },
    async outcome(id, input, actor) {
      checkAgent(input.agent);
      if (!(CALL_OUTCOMES as readonly string[]).includes(input.outcome)) {
        throw new MofangError('REQUEST_INVALID', `outcome: one of ${CALL_OUTCOMES.join(', ')}`, { field: 'outcome' });
      }
      checkValue(input.value);
      const outcome = input.outcome as CallOutcome;
      const at = now();
      const row = db.transaction(() => {
        const r = byId.get(id) as Row | undefined;
        if (!r) throw notFound('call', id);
        // The same closing outcome again is a retry (its report may have been lost after the commit): report it again.
        if (r.status === 'done' && r.outcome === outcome && r.outcome_by === input.agent && r.value === (input.value ?? null)) return r;
        if (r.status !== 'claimed' || r.claimed_by !== input.agent) {
          const state = r.status === 'claimed' ? `claimed by agent ${r.claimed_by}` : r.status;
          throw new MofangError('REACH_ITEM_CONFLICT', `call ${id} is ${state}; only the agent holding its claim records its outcome`, {
            call: id,
            status: r.status,
          });
        }
        const status: CallStatus = CALL_AGAIN.has(outcome) ? 'open' : 'done';
        db.prepare(
          `UPDATE reach_calls SET status = ?, attempts = attempts + 1, outcome = ?, value = ?, outcome_by = ?, outcome_at = ?,
             claimed_by = CASE WHEN ? = 'open' THEN NULL ELSE claimed_by END, claimed_at = CASE WHEN ? = 'open' THEN NULL ELSE claimed_at END
           WHERE id = ?`,
        ).run(status, outcome, input.value ?? null, input.agent, at.toISOString(), status, status, id);
        audit.append({
          actor: actor.id,
          action: 'reach.call.outcome',
          subject: String(id),
          details: { key: r.key, agent: input.agent, outcome, status, ...(input.value !== undefined ? { value: input.value } : {}) },
        });
        return byId.get(id) as Row;
      })();
      const outcomes: ReachOutcome[] = [
        { key: row.key, outcome: 'task_outcome', at, detail: outcome, ...(input.value !== undefined ? { value: input.value } : {}) },
      ];
      if (REACHED.has(outcome)) outcomes.push({ key: row.key, outcome: 'replied', at, detail: 'call' });
      await report(ports, outcomes);
      return views([row])[0]!;
    },
    exportCsv(query, actor) {
      checkList(query.list);
      checkStatus(query.status);
      const rows = db
        .prepare(`SELECT * FROM reach_calls WHERE list = ? ${query.status ? 'AND status = ?' : ''} ${ORDER}`)
        .all(query.list, ...(query.status ? [query.status] : [])) as Row[];
      const phone = phones(rows);
      const withPhone = options.contactColumn !== undefined;
      const header = [
        'call_id',
        'list',
        'dataset',
        'customer_id',
        ...(withPhone ? ['phone'] : []),
        'priority',
        'status',
        'attempts',
        'outcome',
        'subject',
        'script',
        'created_at',
      ];
      const csv = csvTable(
        header,
        rows.map((r) => [
          r.id,
          r.list,
          r.dataset,
          r.customer_id,
          ...(withPhone ? [phone.get(r.id) ?? ''] : []),
          r.priority,
          r.status,
          r.attempts,
          r.outcome,
          r.subject,
          r.script,
          r.created_at,
        ]),
      );
      audit.append({
        actor: actor.id,
        action: 'reach.calls.exported',
        subject: query.list,
        details: { rows: rows.length, withPhones: phone.size, ...(query.status ? { status: query.status } : {}) },
      });
      return { csv, rows: rows.length };
    },
  };
  return { channel, api };
}

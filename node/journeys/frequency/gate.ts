/**
 * The frequency gate: the one place that decides whether a journey's message may go to a customer
 * now, later, or not at all, across every journey and channel (docs/frequency.md). The engine
 * hands it a batch of send attempts inside its own SQLite transaction; the gate
 *
 * 1. decides them in priority order (higher first, then as given), so when journeys compete for a
 *    customer's last slot the higher priority gets it;
 * 2. suppresses a message the customer opted out of, or one on an opt-in channel without their
 *    consent — transactional messages included;
 * 3. lets a transactional message through at once otherwise (not counted against the caps);
 * 4. holds a message in quiet hours or on a holiday (in the customer's zone) until the window
 *    ends (`onQuiet: 'postpone'`), or suppresses it (`'drop'`);
 * 5. holds a message over a cap until the customer's next local period with a free slot
 *    (`onCap: 'wait'`), or suppresses it (`'skip'`);
 * 6. counts a send in the ledger (customer × channel × local day), and records every suppression
 *    and wait with its reason (suppressions.ts).
 *
 * Everything runs in a savepoint of the caller's transaction: a batch is decided whole or not at all.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { CHANNELS, type Channel } from '../components.js';
import { localDay } from './calendar.js';
import type { FrequencyRules } from './rules.js';
import { consentRefusal } from './consent-refusal.js';
import { consentBatchReader, type ConsentStatus } from './consent-store.js';
import { type CustomerSends, sendLedger } from './ledger.js';
import { type Block, capAt, countedFrom, nextFree, windowAt } from './slots.js';
import { suppressionWriter } from './suppressions.js';
import { customerZones, type ZoneSource } from './zones.js';

export type SuppressionReason = 'cap' | 'quiet_hours' | 'holiday' | 'no_consent' | 'opted_out';

export interface SendAttempt {
  /** The dataset whose customer this is; `customerId` is normalised like its identifiers. */
  dataset: string;
  customerId: string;
  channel: Channel;
  journeyId: number;
  journeyVersion: number;
  nodeId: string;
  entryId: number;
  /** 0–9, higher wins a contested slot. */
  priority: number;
  /** Exempt from caps, quiet hours and holidays (not from opt-out or missing consent). */
  transactional: boolean;
  /** When the engine wants to send. */
  at: Date;
  /** The journey's setting: a capped customer moves on (suppressed) or waits for the next free slot. */
  onCap: 'skip' | 'wait';
  /** The journey's setting for quiet hours and holidays. */
  onQuiet: 'postpone' | 'drop';
}

export type GateDecision =
  /** Counted against the caps (in the caller's transaction). */
  | { kind: 'send'; at: Date }
  /** Nothing counted; the engine asks again at `until`. */
  | { kind: 'wait'; until: Date; reason: SuppressionReason; detail: string }
  /** Recorded; the customer moves on. */
  | { kind: 'suppress'; reason: SuppressionReason; detail: string };

export interface FrequencyGate {
  /** Decides a batch in priority order (higher first, then as given), records every suppression and wait with its reason, and counts the sends — all inside the caller's SQLite transaction (better-sqlite3, synchronous). */
  decide(attempts: readonly SendAttempt[]): GateDecision[];
}

export interface FrequencyGatePorts {
  db: Db;
  rules: FrequencyRules;
  /** Customers' own time zones, when `rules.zoneAttribute` names the profile attribute holding them. */
  zones?: ZoneSource;
}

/** One customer's calendar for the batch: their zone, and their counted sends from the batch's earliest counted day on. */
interface CustomerState {
  zone: string;
  sends: CustomerSends;
}

/**
 * @example
 * const gate = frequencyGate({ db, rules: frequencyRules(config.journeys.frequency, config.events.timeZone) });
 * db.transaction(() => gate.decide([{ dataset: 'customers', customerId, channel: 'sms', …, at: now, onCap: 'wait', onQuiet: 'postpone' }]))();
 */
export function frequencyGate(ports: FrequencyGatePorts): FrequencyGate {
  const { db, rules } = ports;
  const ledger = sendLedger(db);
  const consentOf = consentBatchReader(db);
  const record = suppressionWriter(db);

  const consentBlock = (a: SendAttempt, consent: ReadonlyMap<string, ConsentStatus>): GateDecision | null => {
    const refused = consentRefusal(rules, a.channel, consent.get(`${a.dataset}\u0000${a.customerId}\u0000${a.channel}`));
    return refused && { kind: 'suppress', ...refused };
  };

  const held = (a: SendAttempt, block: Block, state: CustomerState, postpone: boolean): GateDecision => {
    if (!postpone) return { kind: 'suppress', reason: block.reason, detail: block.detail };
    const until = nextFree(rules, state.zone, state.sends, a.channel, block.end, a.onCap === 'wait');
    if (until === null) return { kind: 'suppress', reason: block.reason, detail: `${block.detail}; no free slot within the search bound` };
    return { kind: 'wait', until: new Date(until), reason: block.reason, detail: block.detail };
  };

  const decideOne = (a: SendAttempt, s: CustomerState, consent: ReadonlyMap<string, ConsentStatus>): GateDecision => {
    const refused = consentBlock(a, consent);
    if (refused) return refused;
    if (a.transactional) return { kind: 'send', at: a.at };
    const t = a.at.getTime();
    const window = windowAt(rules, s.zone, t);
    if (window) return held(a, window, s, a.onQuiet === 'postpone');
    const cap = capAt(rules, s.zone, s.sends, a.channel, t);
    if (cap) return held(a, cap, s, a.onCap === 'wait');
    const day = localDay(s.zone, t);
    ledger.add(a.dataset, a.customerId, a.channel, day);
    const byChannel = s.sends.get(day) ?? new Map<string, number>();
    byChannel.set(a.channel, (byChannel.get(a.channel) ?? 0) + 1);
    s.sends.set(day, byChannel);
    return { kind: 'send', at: a.at };
  };

  const decideAll = db.transaction((attempts: readonly SendAttempt[]): GateDecision[] => {
    attempts.forEach(checkAttempt);
    const zoneOf = customerZones(rules, ports.zones, attempts);
    // One read per dataset for the whole batch: its customers' consent, and (with caps) their
    // sends from the earliest day any attempt's week or month begins.
    const states = new Map<string, CustomerState>();
    const consent = new Map<string, ConsentStatus>();
    const byDataset = new Map<string, SendAttempt[]>();
    for (const a of attempts) {
      const list = byDataset.get(a.dataset);
      if (list) list.push(a);
      else byDataset.set(a.dataset, [a]);
    }
    for (const [dataset, batch] of byDataset) {
      const ids = [...new Set(batch.map((a) => a.customerId))];
      for (const [key, status] of consentOf(dataset, ids)) consent.set(`${dataset}\u0000${key}`, status);
      const from = Math.min(...batch.map((a) => countedFrom(localDay(zoneOf(a), a.at.getTime()))));
      const sends = rules.capped ? ledger.read(dataset, ids, from) : new Map<string, CustomerSends>();
      for (const a of batch) {
        const key = `${dataset}\u0000${a.customerId}`;
        if (!states.has(key)) states.set(key, { zone: zoneOf(a), sends: sends.get(a.customerId) ?? new Map() });
      }
    }
    const order = attempts.map((_, i) => i).sort((x, y) => attempts[y].priority - attempts[x].priority || x - y);
    const decisions = new Array<GateDecision>(attempts.length);
    for (const i of order) {
      const a = attempts[i];
      const d = decideOne(a, states.get(`${a.dataset}\u0000${a.customerId}`)!, consent);
      if (d.kind !== 'send') {
        record({
          journeyId: a.journeyId,
          journeyVersion: a.journeyVersion,
          nodeId: a.nodeId,
          entryId: a.entryId,
          channel: a.channel,
          outcome: d.kind,
          reason: d.reason,
          detail: d.detail,
          at: a.at,
          until: d.kind === 'wait' ? d.until : null,
        });
      }
      decisions[i] = d;
    }
    return decisions;
  });

  return { decide: (attempts) => (attempts.length === 0 ? [] : decideAll(attempts)) };
}

/** The engine's attempts are trusted code's, but a bad one must fail the batch with its field named, not decide on NaN. */
function checkAttempt(a: SendAttempt, i: number): void {
  const bad = (field: string, why: string) => new MofangError('INTERNAL', `attempts[${i}].${field}: ${why}`, { field: `attempts[${i}].${field}` });
  if (!(a.at instanceof Date) || Number.isNaN(a.at.getTime())) throw bad('at', 'not a valid time');
  if (!(CHANNELS as readonly string[]).includes(a.channel)) throw bad('channel', `not a channel; one of ${CHANNELS.join(', ')}`);
  if (!Number.isInteger(a.priority) || a.priority < 0 || a.priority > 9) throw bad('priority', 'must be an integer 0–9');
  if (a.dataset === '' || a.customerId === '') throw bad(a.dataset === '' ? 'dataset' : 'customerId', 'must not be empty');
}

/**
 * The executor's reading half: moves one entry through the journey's nodes from where it stands
 * until it must wait (a delay, a wait for an event, a closed window, a send result not yet known),
 * ends, or reaches a message that the frequency gate must decide. It reads the customer's data
 * through ports and writes nothing: the result is an `Advance` that commit.ts applies in one
 * transaction (or the dry run in memory), so the real run and the dry run share every rule.
 */
import { durationMinutes, type ComponentParams, type ComponentType, type Channel } from '../components.js';
import type { JourneyNode } from '../graph.js';
import { idempotencyKey, type OutboxMessage } from '../outbox.js';
import { templateVariables } from '../template.js';
import { minuteOf, nextOpening, nextTimeOfDay, windowOpen } from './clock.js';
import { TAG_PREFIX, attributeBranch, eventMatches, scoreBand } from './match.js';
import type { AssignVariant, EngineData, EngineEvent, ProfileScalar, ProfileValues, SendAttempt } from './ports.js';
import type { EntryState, RunnableJourney } from './state.js';

/** What woke the entry. */
export type Cause = { kind: 'due' } | { kind: 'timer' } | { kind: 'event'; event: EngineEvent };

export interface Visit {
  node: string;
  /** `entered`, `out:<outlet>`, `sent`, `suppressed:<reason>`, `waiting:<reason>`, `failed:<reason>`, `converted`, `exited`. */
  outcome: string;
}

export interface Advance {
  /** The entry's `steps` the advance was planned on. */
  basedOn: number;
  next: EntryState;
  visits: Visit[];
  /** A message for the gate to decide; the entry stands at its reach node. */
  send?: { attempt: SendAttempt; message: OutboxMessage };
  /** Profile attributes and tags written by update_attribute nodes (`attr:<name>`, `tag:<name>`). */
  updates: { name: string; value: ProfileScalar }[];
}

export interface WalkPorts {
  data: EngineData;
  assign: AssignVariant;
  /** The customer's profile with the journeys' own updates over it. */
  profile(dataset: string, customerId: string): Promise<ProfileValues | null>;
  inSegment(segment: string, customerId: string): Promise<boolean>;
  /** What became of an earlier message of this entry (outbox status and furthest receipt). */
  sendResult(key: string): { status: string; result: string | null } | null;
  /** A number in [0, 1) fixed for the entry and node (random delays), so a replayed advance waits as long. */
  random(entryId: number, node: string): number;
}

/** More arrivals than this in one advance is a loop through waits that never wait (a delay into the past). */
const MAX_ARRIVALS = 1000;

type Move =
  | { outlet: string }
  | { goto: string }
  | { wait: Date | null; waitingFor?: string | null }
  | { end: EntryState['status']; reason: string }
  | { send: true }
  | 'none';

const FINAL_RESULTS = ['clicked', 'failed'];

/** The advance of one entry woken by `cause` at `now`; null when the cause does not concern it (an event its wait does not match). */
export async function walk(j: RunnableJourney, entry: EntryState, cause: Cause, now: Date, ports: WalkPorts): Promise<Advance | null> {
  const s: EntryState = { ...entry, resume: null };
  const visits: Visit[] = [];
  const updates: Advance['updates'] = [];
  let profile: Map<string, ProfileScalar> | null | undefined;
  let send: Advance['send'];
  const profileOf = async () => {
    if (profile === undefined) {
      const p = await ports.profile(s.dataset, s.customerId);
      profile = p && new Map(p);
    }
    return profile;
  };
  const zoneOf = async (tz: string | undefined) => tz ?? ports.data.timeZoneOf(s.dataset, s.customerId, (await profileOf()) ?? null);
  const nodeOf = (id: string) => j.nodes.get(id)!;

  /** What arriving at `n` does. */
  const arrive = async (n: JourneyNode): Promise<Move> => {
    const type = n.type as ComponentType;
    switch (type) {
      case 'segment_entry':
      case 'event_entry':
      case 'change_entry':
        return { outlet: 'out' };
      case 'attribute_split':
        return { outlet: attributeBranch(n.params as ComponentParams['attribute_split'], (await profileOf()) ?? new Map()) };
      case 'score_split':
        return { outlet: scoreBand(n.params as ComponentParams['score_split'], (await profileOf()) ?? new Map()) };
      case 'segment_check':
        return { outlet: (await ports.inSegment((n.params as ComponentParams['segment_check']).segment, s.customerId)) ? 'in' : 'out' };
      case 'behaviour_split': {
        const p = n.params as ComponentParams['behaviour_split'];
        const from = new Date(now.getTime() - durationMinutes(p.within) * 60_000);
        const count = await ports.data.countEvents(s.customerId, p.event, from, now);
        return { outlet: count >= (p.atLeast ?? 1) && (p.atMost === undefined || count <= p.atMost) ? 'yes' : 'no' };
      }
      case 'send_result_split': {
        const p = n.params as ComponentParams['send_result_split'];
        const r = resultOf(p.action);
        if (!p.waitUpTo || FINAL_RESULTS.includes(r)) return { outlet: r };
        return { wait: new Date(now.getTime() + durationMinutes(p.waitUpTo) * 60_000) };
      }
      case 'wait_event': {
        const p = n.params as ComponentParams['wait_event'];
        return { wait: new Date(now.getTime() + durationMinutes(p.timeout) * 60_000), waitingFor: p.event.event };
      }
      case 'delay': {
        const until = await delayEnd(n.params as ComponentParams['delay'], n.id);
        return until && until > now ? { wait: until } : { outlet: 'out' };
      }
      case 'time_window':
        return windowMove(n.params as ComponentParams['time_window'], await zoneOf((n.params as ComponentParams['time_window']).timeZone));
      case 'random_split': {
        const p = n.params as ComponentParams['random_split'];
        const groups = [...p.branches.map((b) => ({ key: b.key, percent: b.percent })), ...(p.control ? [{ key: 'control', percent: p.control }] : [])];
        // Keyed by the customer, never the entry: a customer stays in one group across entries and
        // versions, and a dry run assigns exactly as the real run.
        const group = ports.assign(p.experiment?.name ?? `j${j.id}.${n.id}`, `${s.dataset}:${s.customerId}`, groups);
        s.variant = group;
        return group === 'control' ? { end: 'exited', reason: 'control' } : { outlet: group };
      }
      case 'exit':
        return { end: 'exited', reason: (n.params as ComponentParams['exit']).reason ?? 'exit' };
      case 'goal':
        return { end: 'converted', reason: 'goal' };
      case 'jump':
        return { goto: (n.params as ComponentParams['jump']).target };
      case 'update_attribute': {
        const p = n.params as ComponentParams['update_attribute'];
        const [name, value] = p.op === 'set' ? [p.attribute, p.value] : [`${TAG_PREFIX}${p.tag}`, p.op === 'add_tag' ? true : null];
        updates.push({ name: p.op === 'set' ? `attr:${name}` : name, value });
        (await profileOf())?.set(name, value);
        return { outlet: 'out' };
      }
      case 'reach':
        return reachMove(n);
    }
  };

  const resultOf = (action: string): string => {
    const r = ports.sendResult(idempotencyKey({ journeyId: j.id, journeyVersion: s.version, nodeId: action, entryId: s.id }));
    // Only a final failure is `failed`: a message waiting for a retry (outbox `failed`) may still go out, so it has no result yet.
    if (!r || r.status === 'suppressed' || r.status === 'dead') return r?.status === 'dead' ? 'failed' : 'no_result';
    if (r.result) return r.result;
    return r.status === 'sent' ? 'delivered' : 'no_result';
  };

  const delayEnd = async (p: ComponentParams['delay'], node: string): Promise<Date | null> => {
    switch (p.kind) {
      case 'duration':
        return new Date(now.getTime() + durationMinutes(p.duration) * 60_000);
      case 'until_date':
        return new Date(p.at);
      case 'until_time':
        return nextTimeOfDay(now, minuteOf(p.time), await zoneOf(p.timeZone));
      case 'until_attribute': {
        const v = (await profileOf())?.get(p.attribute);
        const at = typeof v === 'string' ? Date.parse(v) : Number.NaN;
        if (!Number.isFinite(at)) return null; // no date held: nothing to wait for
        const shift = p.offset ? durationMinutes(p.offset.duration) * 60_000 * (p.offset.before ? -1 : 1) : 0;
        return new Date(at + shift);
      }
      case 'random': {
        const min = durationMinutes(p.min) * 60_000;
        const max = durationMinutes(p.max) * 60_000;
        return new Date(now.getTime() + min + Math.floor(ports.random(s.id, node) * (max - min)));
      }
      case 'active_hour': {
        const zone = await zoneOf(p.timeZone);
        const hour = await ports.data.activeHour(s.customerId, p.lookbackDays, zone, now);
        return nextTimeOfDay(now, hour === null ? minuteOf(p.fallback) : hour * 60, zone);
      }
    }
  };

  const windowMove = (p: ComponentParams['time_window'], zone: string): Move => {
    if (windowOpen(p, now, zone)) return { outlet: 'out' };
    if (p.outside === 'skip') return { outlet: 'skipped' };
    return { wait: nextOpening(p, now, zone) };
  };

  const reachMove = async (n: JourneyNode): Promise<Move> => {
    const p = n.params as ComponentParams['reach'];
    const key = { journeyId: j.id, journeyVersion: s.version, nodeId: n.id, entryId: s.id };
    // One message per customer × node × version × entry: a loop back through this node sends nothing again.
    if (ports.sendResult(idempotencyKey(key))) return { outlet: 'out' };
    const texts = [p.template.body, p.template.subject ?? ''];
    const variables: Record<string, string> = {};
    for (const t of texts) {
      const parsed = templateVariables(t);
      if ('error' in parsed) return { end: 'failed', reason: 'template_invalid' };
      for (const v of parsed.variables) {
        const value =
          v.source === 'profile'
            ? (await profileOf())?.get(v.name)
            : v.source === 'journey'
              ? v.name === 'name'
                ? j.name
                : v.name === 'version'
                  ? s.version
                  : undefined
              : s.context[v.name];
        // A missing value fails the message whole: a customer never gets a half-filled text.
        if (value === undefined || value === null) return { end: 'failed', reason: `variable_missing:${v.text}` };
        variables[v.text] = typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    const priority = p.priority ?? 5;
    const transactional = p.transactional ?? false;
    const message: OutboxMessage = {
      idempotencyKey: idempotencyKey(key),
      ...key,
      customer: { dataset: s.dataset, customerId: s.customerId },
      channel: p.channel as Channel,
      template: p.template,
      variables,
      scheduledAt: now.toISOString(),
      priority,
      transactional,
      createdAt: now.toISOString(),
    };
    const attempt: SendAttempt = {
      dataset: s.dataset,
      customerId: s.customerId,
      channel: p.channel as Channel,
      ...key,
      priority,
      transactional,
      at: now,
      onCap: j.onCap,
      onQuiet: j.onQuiet,
    };
    send = { attempt, message };
    s.priority = priority;
    return { send: true };
  };

  /** What a timer or an event does at the node the entry waits at. */
  const wake = async (n: JourneyNode): Promise<Move> => {
    const type = n.type as ComponentType;
    // Nothing is due at a node the entry waits at until its timer or its event.
    if (cause.kind === 'due') return 'none';
    if (cause.kind === 'event') {
      const ev = cause.event;
      if (ev.time < s.since && ev.receivedAt < s.since) return 'none';
      if (type === 'wait_event') return eventMatches((n.params as ComponentParams['wait_event']).event, ev) ? { outlet: 'event' } : 'none';
      const nf = type === 'event_entry' ? (n.params as ComponentParams['event_entry']).notFollowedBy : undefined;
      return nf && eventMatches(nf.event, ev) ? { end: 'exited', reason: 'followed' } : 'none';
    }
    switch (type) {
      case 'event_entry':
      case 'delay':
        return { outlet: 'out' };
      case 'wait_event':
        return { outlet: 'timeout' };
      case 'time_window':
        return windowMove(n.params as ComponentParams['time_window'], await zoneOf((n.params as ComponentParams['time_window']).timeZone));
      case 'send_result_split':
        return { outlet: resultOf((n.params as ComponentParams['send_result_split']).action) };
      case 'reach':
        return reachMove(n);
      default:
        return arrive(n);
    }
  };

  let node = nodeOf(s.node);
  let move: Move;
  if (entry.resume?.startsWith('out:')) move = { outlet: entry.resume.slice(4) };
  else if (entry.resume === 'arrive') {
    visits.push({ node: node.id, outcome: 'entered' });
    move = await arrive(node);
  } else move = await wake(node);
  if (move === 'none') return null;

  for (let arrivals = 0; ; arrivals++) {
    if (arrivals > MAX_ARRIVALS) {
      move = { end: 'failed', reason: 'loop' };
    }
    if ('wait' in move) {
      s.wakeAt = move.wait;
      s.waitingFor = move.waitingFor ?? null;
      break;
    }
    if ('end' in move) {
      s.status = move.end;
      s.exitReason = move.reason;
      s.wakeAt = null;
      s.waitingFor = null;
      visits.push({ node: node.id, outcome: move.end === 'failed' ? `failed:${move.reason.split(':')[0]}` : move.end });
      break;
    }
    if ('send' in move) {
      s.wakeAt = null;
      s.waitingFor = null;
      break;
    }
    let to: string | undefined;
    if ('goto' in move) to = move.goto;
    else {
      visits.push({ node: node.id, outcome: `out:${move.outlet}` });
      to = node.next?.[move.outlet];
    }
    if (!to) {
      // An action's open `out`: the path ends after it.
      s.status = 'exited';
      s.exitReason = 'end';
      s.wakeAt = null;
      s.waitingFor = null;
      break;
    }
    node = nodeOf(to);
    s.node = to;
    s.since = now;
    visits.push({ node: to, outcome: 'entered' });
    move = await arrive(node);
    if (move === 'none') throw new Error(`node ${to} cannot be arrived at`);
  }
  return { basedOn: entry.steps, next: s, visits, send, updates };
}

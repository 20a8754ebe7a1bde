/**
 * The journey engine: enters customers into published journeys (segment runs, events, API
 * calls), moves each entry through its nodes (run.ts, walk.ts) with one SQLite transaction per
 * advance (state, outbox row and frequency counts commit together), fires due timers on a
 * scheduler tick, matches real-time events to triggers, waits and goals, and acts on publish
 * (segment runs, migrations) and stop (everyone leaves). docs/journeys.md (The engine).
 *
 * Audit: journey-level actions only — entries started (with a count), entries ended by a stop,
 * migrations, API entries — never one entry per customer step and never a customer identifier.
 */
import { errorText } from '../../text/untrusted.js';
import { randomUUID, createHash } from 'node:crypto';
import type { AuditLog } from '../../audit/log.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { durationMinutes, type ComponentParams } from '../components.js';
import type { JourneyNode } from '../graph.js';
import * as journeyStore from '../store.js';
import type { JourneyView } from '../store.js';
import { dryRun, type DryRunReport } from './dry-run.js';
import * as entries from './entries.js';
import { mayEnter } from './entering.js';
import { eventMatches } from './match.js';
import { outboxStore, type OutboxStore } from './outbox-store.js';
import { advancing } from './advancing.js';
import type { AssignVariant, EngineData, EngineEvent, FrequencyGate, ProfileReader, ProfileValues } from './ports.js';
import { WAITABLE_TYPES, runnable, type EntryState, type RunnableJourney } from './state.js';
import type { Cause, WalkPorts } from './walk.js';

export interface EnginePorts {
  db: Db;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
  data: EngineData;
  gate: FrequencyGate;
  assign: AssignVariant;
  logger?: { warn(obj: object, msg: string): void };
  /** Entries advanced per batch of a tick. */
  batch?: number;
  /** When customers may enter a journey (a campaign template instance's start and end), or null for always. */
  entryWindow?(journey: number): { startsAt: string | null; endsAt: string | null } | null;
}

export interface ApiEntryReport {
  entered: number;
  /** Already in the journey (or not allowed back in by its re-entry rule). */
  skipped: number;
  /** Indexes of the identifiers that name no customer of the dataset (never the identifiers). */
  unknown: number[];
}

export interface JourneyReport {
  journey: number;
  statuses: { status: string; count: number }[];
  nodes: entries.NodeCount[];
}

export interface EntryView {
  id: number;
  journey: number;
  version: number;
  status: string;
  node: string;
  enteredAt: string;
  wakeAt: string | null;
  waitingFor: string | null;
  variant: string | null;
  exitReason: string | null;
  steps: { seq: number; node: string; outcome: string; at: string }[];
}

export interface JourneyEngine {
  /** Due segment runs, then the event catch-up, then due entries; returns how many entries advanced. */
  tick(): Promise<number>;
  /** Events stored durably: triggers, waits and goals for their customers. */
  onEvents(events: readonly EngineEvent[]): Promise<void>;
  /** Called in the transaction of a state change (journeys/service.ts). */
  transitioned(j: JourneyView, change: 'publish' | 'pause' | 'resume' | 'stop', options: { migrate?: unknown }, actor: string): void;
  enterByApi(j: JourneyView, input: { customers: unknown; requestId?: unknown; name?: unknown }, actor: string): Promise<ApiEntryReport>;
  dryRun(j: JourneyView): Promise<DryRunReport>;
  report(j: JourneyView): JourneyReport;
  /** A journey's totals: customers who entered, are still in, converted; messages put in the outbox. */
  results(journey: number): { entered: number; active: number; converted: number; sent: number };
  entry(j: JourneyView, entryId: number): EntryView;
  outbox: OutboxStore;
  startScheduler(everyMs: number): void;
  stopScheduler(): Promise<void>;
}

/** Most customers one API call may enter. */
export const API_ENTRY_MAX = 1000;
/** Most batches of due entries one tick advances; the rest wait for the next tick. */
const BATCHES_PER_TICK = 20;
/** Segment members inserted per transaction. */
const ENTER_CHUNK = 500;
/** Events read per page of a catch-up. */
const CATCH_UP_PAGE = 5000;
/**
 * A catch-up starts this long before the cursor: concurrent batches may become durable out of the
 * order of their arrival times, so one that committed late may lie just before the cursor.
 */
const CATCH_UP_OVERLAP_MS = 5000;
/** How often a segment change entry looks at its segment's members (insight re-materialises them on its own schedule). */
const SEGMENT_LOOK_MS = 60_000;
/** The run key of a segment change entry's first look, which only notes the members. */
const SEGMENT_BASELINE = 'baseline';
/** A segment's members are read again after this long (segment_check). */
const MEMBERS_TTL_MS = 60_000;

export function journeyEngine(ports: EnginePorts): JourneyEngine {
  const { db, audit, now, data, gate } = ports;
  const batch = ports.batch ?? 500;
  const outbox = outboxStore(db, now);
  const versions = new Map<string, RunnableJourney>();
  const members = new Map<string, { at: number; set: ReadonlySet<string> }>();

  const journeyAt = (id: number, version: number): RunnableJourney => {
    const key = `${id}.${version}`;
    let r = versions.get(key);
    if (!r) {
      const j = journeyStore.findJourney(db, id)!;
      const v = journeyStore.getVersion(db, j, version)!;
      r = runnable({ id, name: j.name, version, graph: v.graph });
      versions.set(key, r);
    }
    return r;
  };

  const membersOf = async (segment: string): Promise<ReadonlySet<string>> => {
    const cached = members.get(segment);
    if (cached && now().getTime() - cached.at < MEMBERS_TTL_MS) return cached.set;
    const set = new Set(await data.segmentMembers(segment));
    members.set(segment, { at: now().getTime(), set });
    return set;
  };

  /**
   * The walk's ports for one batch: profiles read through one reader per dataset, made for the
   * batch and dropped after it, so what an agreement allows is read again on every tick.
   */
  const walkPorts = (): WalkPorts => {
    const readers = new Map<string, Promise<ProfileReader>>();
    // The batch walks an entry once per advance; its customer's profile is read once.
    const read = new Map<string, ProfileValues | null>();
    const profile = async (dataset: string, customerId: string): Promise<ProfileValues | null> => {
      let reader = readers.get(dataset);
      if (!reader) readers.set(dataset, (reader = data.profiles(dataset)));
      const key = `${dataset}\u0000${customerId}`;
      let p = read.get(key);
      if (p === undefined) read.set(key, (p = (await reader)(customerId)));
      if (!p) return null;
      const merged = new Map(p);
      for (const [k, v] of entries.profileUpdates(db, dataset, customerId)) merged.set(k, v);
      return merged;
    };
    return {
      data,
      assign: ports.assign,
      profile,
      inSegment: async (segment, id) => (await membersOf(segment)).has(id),
      sendResult: (key) => outbox.resultOf(key),
      random: (entryId, node) => createHash('sha256').update(`${entryId}.${node}`).digest().readUInt32BE(0) / 2 ** 32,
    };
  };

  const advanceAll = advancing({ db, gate, outbox, now, journeyAt, logger: ports.logger });
  const advance = (ids: readonly number[], cause: Cause) =>
    advanceAll(
      ids.map((id) => ({ id, cause })),
      walkPorts(),
    );

  /** Before the journey's start nobody enters (its segment runs wait); after its end nobody enters and those in flight finish. */
  const entryOpen = (journey: number, at: Date): 'before' | 'open' | 'after' => {
    const w = ports.entryWindow?.(journey);
    if (w?.startsAt && at.getTime() < Date.parse(w.startsAt)) return 'before';
    if (w?.endsAt && at.getTime() >= Date.parse(w.endsAt)) return 'after';
    return 'open';
  };

  type Entering = { id: string; context?: Record<string, unknown>; at?: Date };

  /** One chunk of `enter`, in one transaction (made once: better-sqlite3 prepares its statements when a transaction function is made). */
  const enterChunk = db.transaction((j: RunnableJourney, node: JourneyNode, chunk: readonly Entering[], key: (k: number) => string, at: Date): number[] => {
    const reentry = (node.params as ComponentParams['segment_entry']).reentry;
    const nf = node.type === 'event_entry' ? (node.params as ComponentParams['event_entry']).notFollowedBy : undefined;
    const latest = entries.latestEntries(
      db,
      j.id,
      chunk.map((c) => c.id),
    );
    const ids: number[] = [];
    chunk.forEach((c, k) => {
      if (!mayEnter(reentry, latest.get(c.id), at)) return;
      // Did A but not B: the customer waits at the entry until B follows or the window closes.
      const pending = nf ? { wakeAt: new Date((c.at ?? at).getTime() + nf.withinMinutes * 60_000), waitingFor: nf.event.event, resume: null } : null;
      const id = entries.insertEntry(db, {
        journeyId: j.id,
        version: j.version,
        dataset: j.graph.dataset,
        customerId: c.id,
        triggerKey: key(k),
        node: node.id,
        context: c.context ?? {},
        at,
        ...(pending ?? { wakeAt: at, waitingFor: null, resume: 'out:out' }),
      });
      if (id === null) return;
      // A chunk may name a customer twice (an API call): the second is no longer free to enter.
      latest.set(c.id, { status: 'active', enteredAt: at });
      ids.push(id);
    });
    const entered = [{ node: node.id, outcome: 'entered' }];
    entries.recordPaths(
      db,
      ids.map((id) => ({ id, visits: entered, fresh: true })),
      at,
    );
    const tally = entries.visitTally();
    tally.add({ journeyId: j.id, version: j.version }, entered, ids.length);
    tally.write(db);
    return ids;
  });

  /** Inserts entries for the customers the trigger lets in; returns the new entry ids. */
  const enter = (j: RunnableJourney, node: JourneyNode, customers: readonly Entering[], triggerKey: (i: number) => string): number[] => {
    const at = now();
    if (entryOpen(j.id, at) !== 'open') return [];
    const ids: number[] = [];
    for (let from = 0; from < customers.length; from += ENTER_CHUNK)
      ids.push(...enterChunk.immediate(j, node, customers.slice(from, from + ENTER_CHUNK), (k) => triggerKey(from + k), at));
    return ids;
  };

  const runDueSegmentEntries = async (): Promise<void> => {
    for (const run of entries.dueRuns(db, now())) {
      if (entryOpen(run.journey, now()) === 'before') continue; // still due when the start comes
      const j = journeyAt(run.journey, run.version);
      const node = j.nodes.get(run.node)!;
      try {
        if (node.type === 'segment_entry') await segmentRun(j, node, run);
        else await segmentChange(j, node, run);
      } catch (err) {
        ports.logger?.warn({ journey: j.id, err: errorText(err) }, 'segment entry run failed; the next tick retries');
      }
    }
  };

  const audited = (j: RunnableJourney, node: JourneyNode, trigger: string, entered: number) =>
    audit.append({
      actor: 'system:journeys',
      action: 'journey.entries_started',
      subject: j.name,
      details: { journey: j.id, version: j.version, node: node.id, trigger, entered },
    });

  const segmentRun = async (j: RunnableJourney, node: JourneyNode, run: entries.SegmentRun) => {
    const p = node.params as ComponentParams['segment_entry'];
    const ids = enter(
      j,
      node,
      (await data.segmentMembers(p.segment)).map((id) => ({ id })),
      () => run.runKey,
    );
    db.transaction(() => {
      const next = p.schedule.kind === 'recurring' ? new Date(run.nextRunAt.getTime() + durationMinutes(p.schedule.every) * 60_000) : null;
      entries.finishRun(db, run, next && { at: next, runKey: `run:${next.toISOString()}` });
      audited(j, node, run.runKey.startsWith('publish:') ? 'publish' : 'schedule', ids.length);
    })();
  };

  /** Who joined (or left) the segment since the last look enters; the first look only notes the members. */
  const segmentChange = async (j: RunnableJourney, node: JourneyNode, run: entries.SegmentRun) => {
    const on = (node.params as ComponentParams['change_entry']).on as { kind: 'segment_joined' | 'segment_left'; segment: string };
    const current = new Set(await data.segmentMembers(on.segment));
    const first = run.runKey === SEGMENT_BASELINE;
    const before = entries.lastMembers(db, j.id, node.id);
    const changed = first ? [] : on.kind === 'segment_joined' ? [...current].filter((id) => !before.has(id)) : [...before].filter((id) => !current.has(id));
    const ids = enter(
      j,
      node,
      changed.map((id) => ({ id })),
      () => run.runKey,
    );
    db.transaction(() => {
      entries.replaceMembers(db, j.id, node.id, current);
      const next = new Date(now().getTime() + SEGMENT_LOOK_MS);
      entries.finishRun(db, run, { at: next, runKey: `change:${next.toISOString()}` });
      if (ids.length > 0) audited(j, node, on.kind, ids.length);
    })();
  };

  /** Running journeys' nodes of a type, by event name (the index events are matched through). */
  type EventNodes = Map<string, { j: RunnableJourney; node: JourneyNode }[]>;
  const byEvent = (type: 'event_entry' | 'goal'): EventNodes => {
    const index = new Map<string, { j: RunnableJourney; node: JourneyNode }[]>();
    for (const r of entries.runningJourneys(db)) {
      const j = journeyAt(r.id, r.version);
      for (const node of j.graph.nodes) {
        if (node.type !== type) continue;
        const name = (node.params as { event: { event: string } }).event.event;
        index.set(name, [...(index.get(name) ?? []), { j, node }]);
      }
    }
    return index;
  };

  /**
   * From event `from` on: enters the customers the triggers let in and collects the entries the
   * events wake, up to a second event of a customer already taken or an event that reaches a goal.
   */
  const take = db.transaction(
    (sorted: readonly EngineEvent[], triggers: EventNodes, goals: EventNodes, from: number, woken: { id: number; cause: Cause }[]) => {
      const customers = new Set<string>();
      for (let k = from; k < sorted.length; k++) {
        const ev = sorted[k];
        if (customers.has(ev.customerId)) return { next: k, goal: null };
        customers.add(ev.customerId);
        for (const { j, node } of triggers.get(ev.name) ?? []) {
          if (!eventMatches((node.params as ComponentParams['event_entry']).event, ev)) continue;
          for (const id of enter(j, node, [{ id: ev.customerId, context: ev.properties, at: ev.time }], () => `event:${ev.eventId}`))
            woken.push({ id, cause: { kind: 'due' } });
        }
        for (const id of entries.waitingFor(db, ev.customerId, ev.name)) woken.push({ id, cause: { kind: 'event', event: ev } });
        const reached = (goals.get(ev.name) ?? []).filter(({ node }) => eventMatches((node.params as ComponentParams['goal']).event, ev));
        if (reached.length > 0) return { next: k + 1, goal: { ev, reached } };
      }
      return { next: sorted.length, goal: null };
    },
  );

  let eventsRunning: Promise<void> = Promise.resolve();
  const handleEvents = async (events: readonly EngineEvent[]): Promise<void> => {
    if (events.length === 0) return;
    const triggers = byEvent('event_entry');
    const goals = byEvent('goal');
    const sorted = [...events].sort((a, b) => a.time.getTime() - b.time.getTime());
    // The events' entries are written in one transaction and the entries they wake are advanced
    // together. Different customers' entries never touch the same rows, but one customer's events
    // act in their order: before an event of a customer already in the batch, and before a goal
    // converts, the batch is applied.
    for (let i = 0; i < sorted.length; ) {
      const woken: { id: number; cause: Cause }[] = [];
      const { next, goal } = take.immediate(sorted, triggers, goals, i, woken);
      i = next;
      if (woken.length > 0) await advanceAll(woken, walkPorts());
      for (const { j, node } of goal?.reached ?? []) {
        for (const e of entries.goalCandidates(db, j.id, goal!.ev.customerId)) {
          if (goal!.ev.time < e.enteredAt) continue;
          db.transaction(() => {
            const converted: EntryState = { ...e, status: 'converted', node: node.id, exitReason: 'goal', since: now() };
            if (entries.saveEntry(db, converted, e.steps, now())) entries.recordVisits(db, e, [{ node: node.id, outcome: 'converted' }], now());
          })();
        }
      }
    }
    const last = new Date(Math.max(...events.map((e) => e.receivedAt.getTime())));
    entries.setEventCursor(db, last);
  };
  // One batch at a time: the listener and the catch-up must not interleave on the same customer.
  // A batch that failed leaves the cursor behind it, and the next tick catches up from there.
  let caughtUp = false;
  const onEvents = (events: readonly EngineEvent[]) => {
    const next = eventsRunning.then(() => handleEvents(events));
    eventsRunning = next.catch(() => {
      caughtUp = false;
    });
    return next;
  };

  /** After a start (or a failed batch): the events stored since the cursor, a page at a time; live batches come through the listener. */
  const catchUp = async (): Promise<void> => {
    if (caughtUp) return;
    const cursor = entries.eventCursor(db);
    if (!cursor) entries.setEventCursor(db, now());
    else {
      // Entering again on an event of the overlap is a no-op (the trigger key is the event id).
      let after = { at: new Date(cursor.getTime() - CATCH_UP_OVERLAP_MS), eventId: '' };
      for (;;) {
        const page = await data.eventsReceivedAfter(after, CATCH_UP_PAGE);
        await onEvents(page);
        if (page.length < CATCH_UP_PAGE) break;
        const last = page[page.length - 1];
        after = { at: last.receivedAt, eventId: last.eventId };
      }
    }
    caughtUp = true;
  };

  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<unknown> | null = null;

  const engine: JourneyEngine = {
    outbox,
    async tick() {
      await runDueSegmentEntries();
      await catchUp();
      // One read of the due entries per tick, advanced a batch at a time: the read sorts every due
      // entry by priority, so reading it per batch cost a sort of the whole backlog each time.
      const due = entries.dueEntries(db, now(), batch * BATCHES_PER_TICK);
      for (let from = 0; from < due.length; from += batch) await advance(due.slice(from, from + batch), { kind: 'timer' });
      return due.length;
    },

    onEvents,

    transitioned(j, change, options, actor) {
      const at = now();
      if (change === 'stop') {
        const ended = entries.endAll(db, j.id, 'journey_stopped', at);
        audit.append({ actor, action: 'journey.entries_ended', subject: j.name, details: { journey: j.id, reason: 'journey_stopped', entries: ended } });
        return;
      }
      if (change !== 'publish' || j.liveVersion === null) return;
      const live = journeyAt(j.id, j.liveVersion);
      for (const node of live.graph.nodes) {
        const on = node.type === 'change_entry' ? (node.params as ComponentParams['change_entry']).on.kind : null;
        if (node.type === 'segment_entry' || on === 'segment_joined' || on === 'segment_left')
          entries.scheduleRun(db, {
            journey: j.id,
            version: live.version,
            node: node.id,
            runKey: on ? SEGMENT_BASELINE : `publish:v${live.version}`,
            nextRunAt: at,
          });
      }
      if (options.migrate !== undefined) migrate(live, mappingOf(options.migrate), actor, at);
    },

    async enterByApi(j, input, actor) {
      if (j.status !== 'published' || j.liveVersion === null)
        throw new MofangError('JOURNEY_STATE_INVALID', `journey ${j.name} is ${j.status}; customers enter a published journey only`, { status: j.status });
      const live = journeyAt(j.id, j.liveVersion);
      const name = input.name;
      const node = live.graph.nodes.find(
        (n) =>
          n.type === 'change_entry' &&
          (n.params as ComponentParams['change_entry']).on.kind === 'api' &&
          (name === undefined || (n.params as { on: { name: string } }).on.name === name),
      );
      if (!node)
        throw new MofangError(
          'JOURNEY_ENTRY_UNAVAILABLE',
          `journey ${j.name} (version ${live.version}) has no API entry${name === undefined ? '' : ` named ${String(name)}`}`,
          {
            journey: j.id,
          },
        );
      const ids = input.customers;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > API_ENTRY_MAX)
        throw new MofangError('REQUEST_INVALID', `customers: a list of 1 to ${API_ENTRY_MAX} customer identifiers`, {
          field: 'customers',
          limit: API_ENTRY_MAX,
        });
      if (input.requestId !== undefined && (typeof input.requestId !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(input.requestId)))
        throw new MofangError('REQUEST_INVALID', 'requestId: 1 to 100 letters, digits, _ . : or -', { field: 'requestId' });
      const request = (input.requestId as string | undefined) ?? randomUUID();
      const known: { id: string }[] = [];
      const unknown: number[] = [];
      const profileOf = await data.profiles(live.graph.dataset);
      for (const [i, raw] of ids.entries()) {
        let id: string | null = null;
        try {
          id = typeof raw === 'string' ? data.normalise(live.graph.dataset, raw) : null;
        } catch {
          id = null;
        }
        if (id !== null && profileOf(id)) known.push({ id });
        else unknown.push(i);
      }
      const entered = enter(live, node, known, () => `api:${request}`);
      audit.append({
        actor,
        action: 'journey.entries_started',
        subject: j.name,
        details: { journey: j.id, version: live.version, node: node.id, trigger: 'api', entered: entered.length, unknown: unknown.length },
      });
      await advance(entered, { kind: 'due' });
      return { entered: entered.length, skipped: known.length - entered.length, unknown };
    },

    dryRun: (j) =>
      dryRun({
        db,
        gate,
        journey: journeyAt(j.id, j.liveVersion ?? j.latestVersion),
        walk: walkPorts(),
        now: now(),
        members: async (segment) => data.segmentMembers(segment),
      }),

    report: (j) => ({ journey: j.id, statuses: entries.statusCounts(db, j.id), nodes: entries.nodeCounts(db, j.id) }),

    results(journey) {
      const statuses = entries.statusCounts(db, journey);
      const of = (status: string) => statuses.find((s) => s.status === status)?.count ?? 0;
      const sent = entries.nodeCounts(db, journey).reduce((n, c) => n + (c.outcome === 'sent' ? c.count : 0), 0);
      return { entered: statuses.reduce((n, s) => n + s.count, 0), active: of('active'), converted: of('converted'), sent };
    },

    entry(j, entryId) {
      const e = entries.loadEntry(db, entryId);
      if (!e || e.journeyId !== j.id)
        throw new MofangError('JOURNEY_ENTRY_NOT_FOUND', `journey ${j.name} has no entry ${entryId}`, { journey: j.id, entry: entryId });
      return {
        id: e.id,
        journey: e.journeyId,
        version: e.version,
        status: e.status,
        node: e.node,
        enteredAt: e.enteredAt.toISOString(),
        wakeAt: e.wakeAt?.toISOString() ?? null,
        waitingFor: e.waitingFor,
        variant: e.variant,
        exitReason: e.exitReason,
        steps: entries.entrySteps(db, e.id),
      };
    },

    startScheduler(everyMs) {
      if (timer) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = engine
          .tick()
          .catch((err: unknown) => ports.logger?.warn({ err: errorText(err) }, 'journey engine tick failed; the next tick retries'))
          .finally(() => (ticking = null));
      }, everyMs);
      timer.unref();
    },
    async stopScheduler() {
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
      await eventsRunning;
    },
  };

  /** Moves entries of older versions to the live one by `mapping`; every occupied node must be mapped to a node an entry can stand at. */
  function migrate(live: RunnableJourney, mapping: Record<string, string>, actor: string, at: Date): void {
    const occupied = entries.occupiedNodes(db, live.id, live.version);
    const problems: string[] = [];
    for (const o of occupied) {
      const to = mapping[o.node];
      const target = to === undefined ? undefined : live.nodes.get(to);
      if (to === undefined) problems.push(`${o.node} (version ${o.version}, ${o.count} entries) is not mapped`);
      else if (!target) problems.push(`${o.node} → ${to}: version ${live.version} has no node ${to}`);
      else if (!WAITABLE_TYPES.has(target.type)) problems.push(`${o.node} → ${to}: a ${target.type} is not a node an entry can wait at`);
    }
    if (problems.length > 0) throw new MofangError('JOURNEY_MIGRATION_INVALID', `migrate: ${problems.join('; ')}`, { field: 'migrate', problems });
    let moved = 0;
    for (const from of new Set(occupied.map((o) => o.node))) moved += entries.migrateEntries(db, live.id, live.version, from, mapping[from], at);
    audit.append({ actor, action: 'journey.entries_migrated', subject: live.name, details: { journey: live.id, to: live.version, mapping, entries: moved } });
  }

  return engine;
}

/** A migration's mapping, old node id → new node id, as the API or the CLI passed it. */
function mappingOf(m: unknown): Record<string, string> {
  if (typeof m !== 'object' || m === null || Array.isArray(m) || !Object.values(m).every((v) => typeof v === 'string'))
    throw new MofangError('REQUEST_INVALID', 'migrate: an object mapping node ids of the old versions to node ids of the new one', { field: 'migrate' });
  return m as Record<string, string>;
}

/**
 * The tracking plan as the HTTP API, the CLI and ingestion use it. Every change — apply a whole
 * plan, declare, modify or remove an event, change the policy — goes through one path: build the
 * next plan, check it (model.ts), and if it differs from the current one store it as the next
 * version and audit `tracking_plan.changed`, in one write transaction. The same content again
 * makes no version. Pause and resume are not plan changes: they flip a flag, audited on their own.
 */
import type { Actor } from '../../audit/actor.js';
import type { AuditLog } from '../../audit/log.js';
import { canonicalJson } from '../../encoding/canonical-json.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { compilePlan, type PlanValidator } from './compile.js';
import { checkEvent, checkNotReserved, checkPlan, EVENT_NAME, type EventDeclaration, type TrackingPlan, type UndeclaredPolicy } from './model.js';
import {
  addPausedDrops,
  insertVersion,
  latestVersion,
  latestVersionNumber,
  pausedCounts,
  pausedEvents,
  planHistory,
  planVersion,
  setPaused,
  type PausedCount,
  type PlanChange,
  type PlanVersion,
} from './store.js';

/** The current plan with the events paused now. */
export interface CurrentPlan extends PlanVersion {
  paused: string[];
}

/** The version a change left the plan at; `changed` false when it was already so. */
interface PlanChangeResult {
  version: number;
  changed: boolean;
}

interface PauseResult {
  event: string;
  paused: boolean;
  changed: boolean;
}

export interface TrackingPlanApi {
  current(): CurrentPlan;
  /** Throws TRACKING_PLAN_VERSION_UNKNOWN. */
  version(version: number): PlanVersion;
  /** Newest first, without the plans. */
  history(): Omit<PlanVersion, 'plan'>[];
  /** Replaces the whole plan (the CLI's `plan apply`). */
  apply(plan: unknown, actor: Actor): PlanChangeResult;
  /** Declares `event`, or replaces its declaration. */
  putEvent(event: string, declaration: unknown, actor: Actor): PlanChangeResult;
  /** Changes a declared event by a JSON merge patch (RFC 7396: `null` removes a member). */
  patchEvent(event: string, patch: unknown, actor: Actor): PlanChangeResult;
  removeEvent(event: string, actor: Actor): PlanChangeResult;
  /** The plan-wide policy for undeclared events and properties. */
  setPolicy(undeclared: UndeclaredPolicy, actor: Actor): PlanChangeResult;
  pause(event: string, actor: Actor): PauseResult;
  resume(event: string, actor: Actor): PauseResult;
  pausedCounts(): PausedCount[];
  /**
   * The validator for the plan and paused events as they are now in the database — also when
   * another process (the CLI) changed them — compiled again only when they changed. Call it once
   * per batch.
   */
  validator(): PlanValidator;
  /** Adds the paused events a batch dropped to their durable counters (in the caller's transaction, if any). */
  countPaused(counts: ReadonlyMap<string, number>): void;
}

export interface TrackingPlanPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
}

/** Names an audit entry lists per kind of change; more are counted, not named (entries are bounded). */
const AUDIT_NAMES = 40;

/**
 * @example
 * const plan = trackingPlanService({ db, audit, now });
 * plan.putEvent('card.paid', { properties: { amount: { type: 'number', required: true } } }, actor);
 * const verdict = plan.validator()('card.paid', { amount: 12 });
 */
export function trackingPlanService(ports: TrackingPlanPorts): TrackingPlanApi {
  const { db, audit, now } = ports;
  let compiled: { key: string; validate: PlanValidator } | null = null;

  /** Builds the next plan from the current one and stores it if it differs, all in one transaction. */
  const change = (actor: Actor, next: (current: TrackingPlan) => unknown): PlanChangeResult =>
    db
      .transaction(() => {
        const current = latestVersion(db);
        const plan = checkPlan(next(current.plan));
        const json = canonicalJson(plan);
        if (json === canonicalJson(current.plan)) return { version: current.version, changed: false };
        const version = current.version + 1;
        const diff = planChange(current.plan, plan);
        insertVersion(db, version, json, diff, actor.id, now().toISOString());
        // A removed event's pause ends with it, so declaring it again starts it running.
        const unpaused = diff.removed.filter((event) => setPaused(db, event, false, actor.id, now().toISOString()));
        const details = auditDetails(version, current.version, diff);
        if (unpaused.length > 0) details.unpaused = unpaused.slice(0, AUDIT_NAMES);
        audit.append({ actor: actor.id, action: 'tracking_plan.changed', subject: 'tracking-plan', details });
        return { version, changed: true };
      })
      .immediate();

  const declared = (plan: TrackingPlan, event: string): EventDeclaration => {
    const declaration = Object.hasOwn(plan.events, event) ? plan.events[event] : undefined;
    if (!declaration) throw new MofangError('TRACKING_PLAN_EVENT_UNKNOWN', `the tracking plan declares no event ${eventLabel(event)}`, { field: 'event' });
    return declaration;
  };

  const flip = (event: string, paused: boolean, actor: Actor): PauseResult =>
    db
      .transaction(() => {
        const { plan, version } = latestVersion(db);
        declared(plan, event);
        const changed = setPaused(db, event, paused, actor.id, now().toISOString());
        if (changed) {
          const action = paused ? 'tracking_plan.event_paused' : 'tracking_plan.event_resumed';
          audit.append({ actor: actor.id, action, subject: event, details: { event, version } });
        }
        return { event, paused, changed };
      })
      .immediate();

  return {
    current: () => ({ ...latestVersion(db), paused: pausedEvents(db) }),
    version: (version) => planVersion(db, version),
    history: () => planHistory(db),
    apply: (plan, actor) => change(actor, () => plan),
    putEvent: (event, declaration, actor) =>
      change(actor, (plan) => {
        if (!EVENT_NAME.test(event)) {
          throw new MofangError('TRACKING_PLAN_INVALID', `tracking plan: event must match ${EVENT_NAME.source}`, { field: 'event' });
        }
        checkNotReserved(event, 'event');
        return { ...plan, events: { ...plan.events, [event]: checkEvent(declaration, `events.${event}`) } };
      }),
    patchEvent: (event, patch, actor) => change(actor, (plan) => ({ ...plan, events: { ...plan.events, [event]: mergePatch(declared(plan, event), patch) } })),
    removeEvent: (event, actor) =>
      change(actor, (plan) => {
        declared(plan, event);
        const { [event]: _, ...events } = plan.events;
        return { ...plan, events };
      }),
    setPolicy: (undeclared, actor) => change(actor, (plan) => ({ ...plan, undeclared })),
    pause: (event, actor) => flip(event, true, actor),
    resume: (event, actor) => flip(event, false, actor),
    pausedCounts: () => pausedCounts(db),
    validator() {
      // Two small reads per batch; the plan itself is read and compiled only when either changed.
      const paused = pausedEvents(db);
      const key = `${latestVersionNumber(db)}|${paused.join(',')}`;
      if (compiled?.key !== key) {
        const current = latestVersion(db);
        compiled = { key: `${current.version}|${paused.join(',')}`, validate: compilePlan(current.plan, paused) };
      }
      return compiled.validate;
    },
    countPaused: (counts) => addPausedDrops(db, counts),
  };
}

/** Which event names a version added, modified and removed, and a policy change. */
function planChange(before: TrackingPlan, after: TrackingPlan): PlanChange {
  const names = new Set([...Object.keys(before.events), ...Object.keys(after.events)]);
  const diff: PlanChange = { added: [], modified: [], removed: [] };
  for (const name of [...names].sort()) {
    const a = before.events[name];
    const b = after.events[name];
    if (!a) diff.added.push(name);
    else if (!b) diff.removed.push(name);
    else if (canonicalJson(a) !== canonicalJson(b)) diff.modified.push(name);
  }
  if (before.undeclared !== after.undeclared) diff.undeclared = { from: before.undeclared, to: after.undeclared };
  return diff;
}

function auditDetails(version: number, previousVersion: number, diff: PlanChange): Record<string, unknown> {
  const details: Record<string, unknown> = { version, previousVersion };
  for (const kind of ['added', 'modified', 'removed'] as const) {
    details[kind] = diff[kind].slice(0, AUDIT_NAMES);
    if (diff[kind].length > AUDIT_NAMES) details[`${kind}Count`] = diff[kind].length;
  }
  if (diff.undeclared) details.undeclared = diff.undeclared;
  return details;
}

/** RFC 7396 JSON merge patch: objects merge member by member, `null` removes one, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** An event name as a message may show it: the name when it follows the rule, else its length only. */
function eventLabel(event: string): string {
  return EVENT_NAME.test(event) ? event : `(a name of ${event.length} characters that breaks the name rule)`;
}

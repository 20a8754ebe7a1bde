/**
 * The tracking plan as data: which events a node accepts, the typed properties of each, and what
 * happens to what the plan does not declare. `checkPlan` is the one place the plan's own rules
 * live; the HTTP API, the CLI's file and the stored versions all pass through it, so a plan that
 * reaches the validator (compile.ts) or the database is always well-formed and in canonical form
 * (names sorted, `required` explicit), which makes "same content" a string comparison.
 *
 * Pure: no I/O. Errors name the field (`events.payment.properties.amount.max`), never a value
 * the plan does not define itself.
 */
import { MofangError } from '../../errors.js';

/** What happens to an event the plan does not declare, or to a property its event does not declare. */
export const UNDECLARED_POLICIES = ['reject', 'quarantine'] as const;
export type UndeclaredPolicy = (typeof UNDECLARED_POLICIES)[number];

export const PROPERTY_TYPES = ['string', 'number', 'boolean', 'time', 'enum'] as const;
type PropertyType = (typeof PROPERTY_TYPES)[number];

/** Event names: lower case, dots and underscores, so they read the same in SQL, URLs and files. */
export const EVENT_NAME = /^[a-z][a-z0-9_.]{0,63}$/;
/** Names the node gives its own events (`mofang.reach.clicked`): no plan declares them and no sender may send them, so they always mean what the node wrote. */
export const RESERVED_PREFIX = 'mofang.';
export const RESERVED_REASON = `names starting "${RESERVED_PREFIX}" are reserved for the node's own events`;

/** Property names: the identifier rule the analysis models validate property paths with. */
export const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Limits that keep one plan small enough to compile and to show. */
export const PLAN_LIMITS = Object.freeze({
  events: 1000,
  propertiesPerEvent: 200,
  enumValues: 1000,
  enumValueLength: 256,
  stringMaxLength: 65_536,
  retentionDays: 36_500,
});

export type PropertySpec =
  | { type: 'string'; required: boolean; maxLength: number }
  | { type: 'number'; required: boolean; min?: number; max?: number }
  | { type: 'boolean'; required: boolean }
  /** An ISO 8601 date-time with a zone (`Z` or `±hh:mm`); stored as ISO UTC. */
  | { type: 'time'; required: boolean }
  | { type: 'enum'; required: boolean; values: string[] };

export interface EventDeclaration {
  properties: Record<string, PropertySpec>;
  /** Overrides the plan's policy for properties this event does not declare. */
  undeclared?: UndeclaredPolicy;
  /** Days an event of this name is kept; the node's default applies when absent. */
  retentionDays?: number;
}

export interface TrackingPlan {
  /** For undeclared events, and for undeclared properties of events without their own policy. */
  undeclared: UndeclaredPolicy;
  events: Record<string, EventDeclaration>;
}

/** The plan a node starts with: nothing declared, so every event is refused until one is. */
export const EMPTY_PLAN: TrackingPlan = Object.freeze({ undeclared: 'reject', events: Object.freeze({}) }) as TrackingPlan;

/**
 * The plan in `input`, checked and in canonical form; throws TRACKING_PLAN_INVALID naming the field.
 *
 * @example checkPlan({ undeclared: 'reject', events: { 'card.paid': { properties: { amount: { type: 'number', min: 0 } } } } })
 */
export function checkPlan(input: unknown): TrackingPlan {
  const plan = objectAt(input, 'plan', ['undeclared', 'events']);
  const events = objectAt(plan.events ?? {}, 'events');
  const names = Object.keys(events).sort();
  if (names.length > PLAN_LIMITS.events) invalid('events', `declares more than ${PLAN_LIMITS.events} events`);
  const checked: Record<string, EventDeclaration> = {};
  for (const name of names) {
    checkName(name, EVENT_NAME, 'events', 'an event name');
    checked[name] = checkEvent(events[name], `events.${name}`);
  }
  return { undeclared: policyAt(plan.undeclared ?? 'reject', 'undeclared'), events: checked };
}

/** One event's declaration, checked and in canonical form (`field` names it in errors). */
export function checkEvent(input: unknown, field: string): EventDeclaration {
  const event = objectAt(input, field, ['properties', 'undeclared', 'retentionDays']);
  const properties = objectAt(event.properties ?? {}, `${field}.properties`);
  const names = Object.keys(properties).sort();
  if (names.length > PLAN_LIMITS.propertiesPerEvent) {
    invalid(`${field}.properties`, `declares more than ${PLAN_LIMITS.propertiesPerEvent} properties`);
  }
  const checked: Record<string, PropertySpec> = {};
  for (const name of names) {
    checkName(name, PROPERTY_NAME, `${field}.properties`, 'a property name');
    checked[name] = checkProperty(properties[name], `${field}.properties.${name}`);
  }
  const declaration: EventDeclaration = { properties: checked };
  if (event.undeclared !== undefined) declaration.undeclared = policyAt(event.undeclared, `${field}.undeclared`);
  if (event.retentionDays !== undefined) {
    declaration.retentionDays = integerAt(event.retentionDays, `${field}.retentionDays`, 1, PLAN_LIMITS.retentionDays);
  }
  return declaration;
}

function checkProperty(input: unknown, field: string): PropertySpec {
  const spec = objectAt(input, field, ['type', 'required', 'maxLength', 'min', 'max', 'values']);
  const type = spec.type;
  if (typeof type !== 'string' || !(PROPERTY_TYPES as readonly string[]).includes(type)) {
    invalid(`${field}.type`, `must be one of: ${PROPERTY_TYPES.join(', ')}`);
  }
  const required = spec.required ?? false;
  if (typeof required !== 'boolean') invalid(`${field}.required`, 'must be true or false');
  const allowed: Record<PropertyType, string[]> = { string: ['maxLength'], number: ['min', 'max'], boolean: [], time: [], enum: ['values'] };
  for (const key of ['maxLength', 'min', 'max', 'values']) {
    if (spec[key] !== undefined && !allowed[type as PropertyType].includes(key)) invalid(`${field}.${key}`, `does not apply to type ${type}`);
  }
  switch (type as PropertyType) {
    case 'string':
      if (spec.maxLength === undefined) invalid(`${field}.maxLength`, 'is required for a string property');
      return { type: 'string', required, maxLength: integerAt(spec.maxLength, `${field}.maxLength`, 1, PLAN_LIMITS.stringMaxLength) };
    case 'number': {
      const min = spec.min === undefined ? undefined : finiteAt(spec.min, `${field}.min`);
      const max = spec.max === undefined ? undefined : finiteAt(spec.max, `${field}.max`);
      if (min !== undefined && max !== undefined && min > max) invalid(`${field}.max`, 'must not be below min');
      return { type: 'number', required, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    }
    case 'enum':
      return { type: 'enum', required, values: enumValuesAt(spec.values, `${field}.values`) };
    default:
      return { type: type as 'boolean' | 'time', required };
  }
}

function enumValuesAt(input: unknown, field: string): string[] {
  if (!Array.isArray(input) || input.length === 0) invalid(field, 'must be a non-empty list of strings');
  if (input.length > PLAN_LIMITS.enumValues) invalid(field, `has more than ${PLAN_LIMITS.enumValues} values`);
  const seen = new Set<string>();
  input.forEach((value, i) => {
    if (typeof value !== 'string' || value.length === 0 || value.length > PLAN_LIMITS.enumValueLength) {
      invalid(`${field}[${i}]`, `must be a string of 1 to ${PLAN_LIMITS.enumValueLength} characters`);
    }
    if (seen.has(value)) invalid(`${field}[${i}]`, 'repeats an earlier value');
    seen.add(value);
  });
  return [...input];
}

function checkName(name: string, rule: RegExp, field: string, what: string): void {
  // A name inherited by every object (`constructor`, `__proto__`) would read the prototype's member.
  if (!rule.test(name) || name in Object.prototype) {
    invalid(field, `has ${what} that does not match ${rule.source} or is a built-in object member`);
  }
  if (rule === EVENT_NAME) checkNotReserved(name, `${field}.${name}`);
}

/** Refuses a declaration of one of the node's own event names. */
export function checkNotReserved(name: string, field: string): void {
  if (name.startsWith(RESERVED_PREFIX)) invalid(field, RESERVED_REASON);
}

function objectAt(input: unknown, field: string, keys?: string[]): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) invalid(field, 'must be an object');
  const record = input as Record<string, unknown>;
  if (keys) {
    const unknown = Object.keys(record).find((k) => !keys.includes(k));
    if (unknown !== undefined) invalid(field, `has an unknown member; allowed: ${keys.join(', ')}`);
  }
  return record;
}

function policyAt(input: unknown, field: string): UndeclaredPolicy {
  if (typeof input !== 'string' || !(UNDECLARED_POLICIES as readonly string[]).includes(input)) {
    invalid(field, `must be one of: ${UNDECLARED_POLICIES.join(', ')}`);
  }
  return input as UndeclaredPolicy;
}

function integerAt(input: unknown, field: string, min: number, max: number): number {
  if (!Number.isInteger(input) || (input as number) < min || (input as number) > max) invalid(field, `must be an integer from ${min} to ${max}`);
  return input as number;
}

function finiteAt(input: unknown, field: string): number {
  if (typeof input !== 'number' || !Number.isFinite(input)) invalid(field, 'must be a finite number');
  return input;
}

function invalid(field: string, rule: string): never {
  throw new MofangError('TRACKING_PLAN_INVALID', `tracking plan: ${field} ${rule}`, { field });
}

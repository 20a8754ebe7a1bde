/**
 * The tracking plan compiled into the function ingestion calls for every event. Compiling turns
 * each declaration into a flat list of property checks once, so checking an event is a map
 * lookup and one small loop — no parsing of the plan, no allocation beyond the result.
 *
 * Reasons name the field and the rule, never the value: values are customer data and reasons go
 * back to the sender, into logs and into the quarantine.
 */
import { EVENT_NAME, PROPERTY_NAME, RESERVED_PREFIX, RESERVED_REASON, type TrackingPlan, type PropertySpec, type UndeclaredPolicy } from './model.js';

export type PlanVerdict =
  /** The event fits the plan; `properties` holds the declared ones, times as ISO UTC. */
  | { kind: 'accept'; properties: Record<string, unknown> }
  /** The event breaks the plan (`reject`), or the plan keeps what it does not declare aside (`quarantine`). */
  | { kind: 'reject' | 'quarantine'; field: string; reason: string }
  /** The event is declared and paused: count it and drop it. */
  | { kind: 'paused' };

export type PlanValidator = (name: unknown, properties: unknown) => PlanVerdict;

/** A property check: the normalised value, or the reason it is refused (a string). */
type Check = (value: unknown) => { ok: unknown } | string;

interface CompiledProperty {
  name: string;
  field: string;
  required: boolean;
  check: Check;
}

interface CompiledEvent {
  properties: CompiledProperty[];
  undeclared: UndeclaredPolicy;
}

const PAUSED: PlanVerdict = Object.freeze({ kind: 'paused' });
const PROPERTIES_NOT_OBJECT: PlanVerdict = Object.freeze({ kind: 'reject', field: 'properties', reason: 'properties must be an object' });
const NAME_NOT_STRING: PlanVerdict = Object.freeze({ kind: 'reject', field: 'name', reason: 'name must be a string' });
const NAME_RESERVED: PlanVerdict = Object.freeze({ kind: 'reject', field: 'name', reason: RESERVED_REASON });
const NAME_INVALID: PlanVerdict = Object.freeze({ kind: 'reject', field: 'name', reason: `name must match ${EVENT_NAME.source}` });

/**
 * The validator for `plan`, with the events named in `paused` answered as paused.
 *
 * @example
 * const verdict = compilePlan(plan, ['promo.viewed'])('card.paid', { amount: 12.5 });
 * if (verdict.kind === 'accept') store(verdict.properties);
 */
export function compilePlan(plan: TrackingPlan, paused: Iterable<string> = []): PlanValidator {
  const events = new Map<string, CompiledEvent>();
  for (const [name, declaration] of Object.entries(plan.events)) {
    events.set(name, {
      undeclared: declaration.undeclared ?? plan.undeclared,
      properties: Object.entries(declaration.properties).map(([property, spec]) => ({
        name: property,
        field: `properties.${property}`,
        required: spec.required,
        check: compileProperty(spec, `properties.${property}`),
      })),
    });
  }
  const pausedNames = new Set(paused);
  const undeclaredEvent: PlanVerdict = Object.freeze({
    kind: plan.undeclared,
    field: 'name',
    reason: 'the event is not declared in the tracking plan',
  });

  return (name, properties) => {
    if (typeof name !== 'string') return NAME_NOT_STRING;
    // Refused outright, never quarantined: a sent one would pass for a receipt the node recorded.
    if (name.startsWith(RESERVED_PREFIX)) return NAME_RESERVED;
    const event = events.get(name);
    if (event === undefined) return EVENT_NAME.test(name) ? undeclaredEvent : NAME_INVALID;
    if (pausedNames.has(name)) return PAUSED;
    if (properties === undefined || properties === null) properties = {};
    else if (typeof properties !== 'object' || Array.isArray(properties)) return PROPERTIES_NOT_OBJECT;
    const input = properties as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let matched = 0;
    for (const property of event.properties) {
      if (!Object.hasOwn(input, property.name)) {
        if (property.required) return { kind: 'reject', field: property.field, reason: `${property.field} is required` };
        continue;
      }
      matched++;
      const value = input[property.name];
      // null is "not given": JSON senders commonly write it for an empty optional field.
      if (value === null) {
        if (property.required) return { kind: 'reject', field: property.field, reason: `${property.field} is required` };
        continue;
      }
      const result = property.check(value);
      if (typeof result === 'string') return { kind: 'reject', field: property.field, reason: result };
      out[property.name] = result.ok;
    }
    if (matched !== Object.keys(input).length) return undeclaredProperty(input, event);
    return { kind: 'accept', properties: out };
  };
}

function undeclaredProperty(input: Record<string, unknown>, event: CompiledEvent): PlanVerdict {
  const declared = new Set(event.properties.map((p) => p.name));
  const key = Object.keys(input).find((k) => !declared.has(k)) ?? '';
  // The key is the sender's text: name it only when it is a plausible property name.
  const field = PROPERTY_NAME.test(key) ? `properties.${key}` : 'properties';
  const reason = field === 'properties' ? 'properties has a member the event does not declare' : `${field} is not declared for this event`;
  return { kind: event.undeclared, field, reason };
}

/** In `u` mode a surrogate pair is one code point, so this matches only a lone (unpaired) surrogate. */
const LONE_SURROGATE = /\p{Surrogate}/u;

function compileProperty(spec: PropertySpec, field: string): Check {
  switch (spec.type) {
    case 'string': {
      const { maxLength } = spec;
      const tooLong = `${field} is longer than ${maxLength} characters`;
      const notString = `${field} must be a string`;
      const notText = `${field} is not well-formed text (a lone UTF-16 surrogate)`;
      return (value) => {
        if (typeof value !== 'string') return notString;
        if (LONE_SURROGATE.test(value)) return notText;
        // UTF-16 units ≥ code points, so only a long string needs counting.
        if (value.length > maxLength && codePoints(value) > maxLength) return tooLong;
        return { ok: value };
      };
    }
    case 'number': {
      const min = spec.min ?? Number.NEGATIVE_INFINITY;
      const max = spec.max ?? Number.POSITIVE_INFINITY;
      const notNumber = `${field} must be a finite number`;
      const below = `${field} is below the minimum ${spec.min}`;
      const above = `${field} is above the maximum ${spec.max}`;
      return (value) => {
        if (typeof value !== 'number' || !Number.isFinite(value)) return notNumber;
        if (value < min) return below;
        if (value > max) return above;
        return { ok: value };
      };
    }
    case 'boolean': {
      const notBoolean = `${field} must be true or false`;
      return (value) => (typeof value === 'boolean' ? { ok: value } : notBoolean);
    }
    case 'time': {
      const notTime = `${field} must be an ISO 8601 date-time with a zone, such as 2026-01-31T09:30:00Z or 2026-01-31T17:30:00+08:00`;
      return (value) => {
        const iso = typeof value === 'string' ? isoUtc(value) : null;
        return iso === null ? notTime : { ok: iso };
      };
    }
    case 'enum': {
      const values = new Set(spec.values);
      const notValue = `${field} is not one of the ${values.size} declared values`;
      return (value) => (typeof value === 'string' && values.has(value) ? { ok: value } : notValue);
    }
  }
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// RFC 3339 §5.6 date-time, YYYY-MM-DD[Tt ]hh:mm:ss[.fraction](Z|z|±hh:mm): a zone is required (a
// time without one means different instants on different senders' machines); fractions beyond
// milliseconds are truncated to what JS keeps. Read by hand, not by a regular expression: every
// ingested event's time goes through here, and the expression with its Date round trips cost
// about 3.6 µs an event (a third of the checks; docs/benchmarks.md, "Event ingestion").
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MINUS = 45;
const PLUS = 43;
const COLON = 58;

/** The number in `text` at [from, from + length) of ASCII digits only; -1 otherwise. */
function digitsAt(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Epoch milliseconds of an RFC 3339 date-time, or null when `text` is not one or names a day or
 * time that does not exist (February 30th, 24:00).
 *
 * @example utcMillis('2026-01-31T17:30:00+08:00') === Date.parse('2026-01-31T09:30:00Z')
 */
export function utcMillis(text: string): number | null {
  const n = text.length;
  if (n < 20 || n > 35) return null;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== MINUS || text.charCodeAt(7) !== MINUS || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return null;
  if (sep !== 84 && sep !== 116 && sep !== 32) return null; // T, t or a space
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return null;
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === 46) {
    // "." and 1 to 9 digits, of which the first 3 count
    const from = ++i;
    while (i < n && i - from < 10 && digitsAt(text, i, 1) >= 0) i++;
    const length = i - from;
    if (length < 1 || length > 9) return null;
    for (let k = 0; k < 3; k++) millis = millis * 10 + (k < length ? text.charCodeAt(from + k) - 48 : 0);
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    // Z or z
    if (i + 1 !== n) return null;
  } else if ((zone === PLUS || zone === MINUS) && i + 6 === n && text.charCodeAt(i + 3) === COLON) {
    const hours = digitsAt(text, i + 1, 2);
    const minutes = digitsAt(text, i + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null;
    offsetMinutes = (zone === MINUS ? -1 : 1) * (hours * 60 + minutes);
  } else return null;
  // Date.UTC reads years 0–99 as 1900–1999; 400 Gregorian years later is the same calendar, 146,097 days on.
  const local =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - 146_097 * 86_400_000
      : Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return local - offsetMinutes * 60_000;
}

/**
 * `text` as an ISO UTC time (`toISOString`), or null when it is not an RFC 3339 date-time or names
 * a day or time that does not exist (February 30th, 24:00).
 *
 * @example isoUtc('2026-01-31T17:30:00+08:00') === '2026-01-31T09:30:00.000Z'
 */
export function isoUtc(text: string): string | null {
  const ms = utcMillis(text);
  return ms === null ? null : new Date(ms).toISOString();
}

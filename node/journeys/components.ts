/**
 * The components a journey is built from: for each node type, its kind (entry, judgment,
 * control, action), the TypeBox schema of its parameters and the outlets it routes customers
 * through. This file is the model the engine runs and the web canvas edits; docs/journeys.md
 * describes every component with its parameters and outlets, and a test keeps the two in step.
 *
 * Schemas hold what a schema can say (types, ranges, lengths, allowed values); rules that span
 * fields (percentages that sum to 100, a range whose start is before its end) are in
 * check-params.ts, and names that must exist (segments, events, attributes) in references.ts.
 *
 * Parameters with several forms (a delay's `kind`, an entry's `schedule`) are `oneOf` with a
 * `discriminator`, so a checker reports the errors of the form the author chose, not of all forms.
 */
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { EventName, FiltersSchema } from '../analytics/filters.js';

/** Node ids, branch keys and other names a canvas shows and an outlet is named by. */
export const KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const Key = Type.String({ pattern: KEY.source, description: 'Letters, digits, _ and -, starting with a letter; at most 64.' });
const NodeRef = Type.String({ pattern: KEY.source, description: 'The id of another node of this journey.' });
/** A segment name as insight stores it. */
const SegmentName = Type.String({ minLength: 1, maxLength: 64, description: 'A saved segment (node/insight).' });
/** A profile attribute: a dataset column, a joint attribute (`partner:telco:active`) or a score. */
const AttributeName = Type.String({ minLength: 1, maxLength: 200, description: "An attribute of the journey dataset's profiles." });
const Label = Type.String({ maxLength: 200 });
const TIME_OF_DAY = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const TimeOfDay = Type.String({ pattern: TIME_OF_DAY, description: 'HH:MM, 24-hour.' });
/** A calendar date, YYYY-MM-DD (check-params.ts checks the day exists). */
export const DATE = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';
/** An ISO 8601 date-time with its zone. */
export const DATE_TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$';
const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description: "An IANA time zone such as Asia/Shanghai; absent: the customer's own (the engine reads it from the profile).",
});

import { CHANNELS } from './channels.js';

export { CHANNELS, type Channel } from './channels.js';

const literals = <T extends string>(values: readonly T[], description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

/**
 * One of several object forms told apart by `field` (a literal in each form). `oneOf` with
 * ajv's `discriminator`: a wrong or missing `field` is one error listing the forms; otherwise
 * only the chosen form's errors are reported.
 */
function tagged<T extends TObject[]>(field: string, forms: [...T], description: string) {
  return Type.Unsafe<Static<T[number]>>({ type: 'object', description, required: [field], discriminator: { propertyName: field }, oneOf: forms });
}

const DURATION_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
/** Most a single delay, wait or window may last: a year and a day. */
const MAX_DURATION_MINUTES = 366 * 24 * 60;
export const Duration = Type.Object(
  {
    amount: Type.Integer({ minimum: 1, maximum: MAX_DURATION_MINUTES, description: 'How many units; positive.' }),
    unit: literals(DURATION_UNITS),
  },
  { additionalProperties: false, description: `A positive length of time, at most ${MAX_DURATION_MINUTES / 1440} days.` },
);
export type Duration = Static<typeof Duration>;

const UNIT_MINUTES: Record<Duration['unit'], number> = { minutes: 1, hours: 60, days: 1440, weeks: 10_080 };
/** @example durationMinutes({ amount: 2, unit: 'hours' }) // → 120 */
export const durationMinutes = (d: Duration): number => d.amount * UNIT_MINUTES[d.unit];

/** An event and the property filters (node/analytics/filters.ts) its occurrences must pass. */
const EventSelector = Type.Object(
  { event: EventName, filters: Type.Optional(FiltersSchema) },
  { additionalProperties: false, description: 'An event name from the tracking plan and property filters, all of which must hold.' },
);

const Reentry = tagged(
  'kind',
  [
    Type.Object({ kind: Type.Literal('never') }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('after'), days: Type.Integer({ minimum: 1, maximum: 3660 }) }, { additionalProperties: false }),
    Type.Object({ kind: Type.Literal('rejoin') }, { additionalProperties: false }),
  ],
  'Whether a customer who left may enter again: never, after N days, or whenever they re-join (the segment, or the trigger fires again).',
);

// ---- entry -----------------------------------------------------------------------------------

const SegmentEntry = Type.Object(
  {
    segment: SegmentName,
    schedule: tagged(
      'kind',
      [
        Type.Object({ kind: Type.Literal('once') }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('recurring'), every: Duration }, { additionalProperties: false }),
      ],
      "once: the segment's members when the journey is published; recurring: its members again at every interval.",
    ),
    reentry: Reentry,
  },
  { additionalProperties: false },
);

const EventEntry = Type.Object(
  {
    event: EventSelector,
    notFollowedBy: Type.Optional(
      Type.Object(
        { event: EventSelector, withinMinutes: Type.Integer({ minimum: 1, maximum: MAX_DURATION_MINUTES }) },
        { additionalProperties: false, description: 'Did A but not B within N minutes: the customer enters when B has not followed A in time.' },
      ),
    ),
    reentry: Reentry,
  },
  { additionalProperties: false },
);

const ChangeEntry = Type.Object(
  {
    on: tagged(
      'kind',
      [
        Type.Object({ kind: Type.Literal('segment_joined'), segment: SegmentName }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('segment_left'), segment: SegmentName }, { additionalProperties: false }),
        Type.Object(
          { kind: Type.Literal('joint_result'), attribute: AttributeName },
          { additionalProperties: false, description: 'A joint query (enrich) wrote this joint attribute for the customer.' },
        ),
        Type.Object(
          { kind: Type.Literal('api'), name: Key },
          { additionalProperties: false, description: 'An external call names the customers to enter, under this name.' },
        ),
      ],
      'What lets a customer in: joining or leaving a segment, a joint result, or an external call.',
    ),
    reentry: Reentry,
  },
  { additionalProperties: false },
);

// ---- judgment --------------------------------------------------------------------------------

const ATTRIBUTE_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'isSet', 'isNotSet'] as const;
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);
const oneOfValues = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
const Condition = tagged(
  'op',
  [
    Type.Object(
      {
        attribute: AttributeName,
        op: oneOfValues(ATTRIBUTE_OPS),
        value: Type.Optional(Type.Union([Scalar, Type.Array(Type.Union([Type.String({ maxLength: 1000 }), Type.Number()]), { minItems: 1, maxItems: 100 })])),
      },
      { additionalProperties: false },
    ),
    Type.Object({ tag: Key, op: oneOfValues(['has', 'hasNot'] as const) }, { additionalProperties: false }),
  ],
  'A profile attribute compared with a value (in and notIn take a list; isSet and isNotSet none), or a tag the customer has or has not.',
);
export type Condition = Static<typeof Condition>;

const AttributeSplit = Type.Object(
  {
    branches: Type.Array(
      Type.Object(
        {
          key: Key,
          label: Type.Optional(Label),
          match: Type.Optional(literals(['all', 'any'] as const, 'all (default): every condition holds; any: one does.')),
          conditions: Type.Array(Condition, { minItems: 1, maxItems: 20 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20, description: 'Tried in order; the first that matches takes the customer, else the else outlet.' },
    ),
  },
  { additionalProperties: false },
);

const BehaviourSplit = Type.Object(
  {
    event: EventSelector,
    atLeast: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Default 1.' })),
    atMost: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    within: Duration,
  },
  { additionalProperties: false, description: 'yes: the customer did the event a number of times within the window before now; no: otherwise.' },
);

const SegmentCheck = Type.Object({ segment: SegmentName }, { additionalProperties: false });

const SEND_RESULTS = ['clicked', 'opened', 'delivered', 'failed', 'no_result'] as const;
const SendResultSplit = Type.Object(
  {
    action: NodeRef,
    waitUpTo: Type.Optional(Duration),
  },
  {
    additionalProperties: false,
    description:
      'Routes by the furthest result of an earlier reach node: clicked, opened, delivered, failed, or no_result (none yet, or suppressed). Waits up to waitUpTo for one.',
  },
);

const ScoreSplit = Type.Object(
  {
    attribute: AttributeName,
    bands: Type.Array(
      Type.Object(
        { key: Key, label: Type.Optional(Label), from: Type.Optional(Type.Number()), to: Type.Optional(Type.Number()) },
        { additionalProperties: false, description: 'from ≤ score < to; an open end is unbounded.' },
      ),
      { minItems: 1, maxItems: 20, description: 'Tried in order; the first band holding the score takes the customer, else (no score) the else outlet.' },
    ),
  },
  { additionalProperties: false },
);

// ---- control ---------------------------------------------------------------------------------

const WaitEvent = Type.Object(
  { event: EventSelector, timeout: Duration },
  { additionalProperties: false, description: 'event: the customer did it before the timeout; timeout: they did not.' },
);

const Delay = tagged(
  'kind',
  [
    Type.Object({ kind: Type.Literal('duration'), duration: Duration }, { additionalProperties: false }),
    Type.Object(
      { kind: Type.Literal('until_date'), at: Type.String({ pattern: DATE_TIME, description: 'An ISO 8601 date-time with its zone (Z or ±hh:mm).' }) },
      { additionalProperties: false },
    ),
    Type.Object({ kind: Type.Literal('until_time'), time: TimeOfDay, timeZone: Type.Optional(TimeZone) }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('until_attribute'),
        attribute: AttributeName,
        offset: Type.Optional(Type.Object({ before: Type.Boolean(), duration: Duration }, { additionalProperties: false })),
      },
      { additionalProperties: false, description: 'Until the date held in a date attribute (e.g. a birthday or a term deposit maturity), moved by an offset.' },
    ),
    Type.Object({ kind: Type.Literal('random'), min: Duration, max: Duration }, { additionalProperties: false }),
    Type.Object(
      {
        kind: Type.Literal('active_hour'),
        lookbackDays: Type.Integer({ minimum: 1, maximum: 366, description: 'Days of events the usual hour is learned from.' }),
        fallback: TimeOfDay,
        timeZone: Type.Optional(TimeZone),
      },
      { additionalProperties: false, description: "Until the customer's usual active hour, learned from their events; fallback when they have none." },
    ),
  ],
  'duration, until_date, until_time (next time of day), until_attribute, random (between min and max) or active_hour.',
);

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const TimeWindow = Type.Object(
  {
    mode: literals(['open', 'quiet'] as const, 'open: customers pass only inside the hours; quiet: only outside them.'),
    hours: Type.Array(
      Type.Object(
        { days: Type.Optional(Type.Array(literals(WEEKDAYS), { minItems: 1, maxItems: 7, uniqueItems: true })), from: TimeOfDay, to: TimeOfDay },
        { additionalProperties: false, description: 'from–to on the days listed (every day when absent); to before from wraps past midnight.' },
      ),
      { minItems: 1, maxItems: 14 },
    ),
    holidays: Type.Optional(
      Type.Array(Type.String({ pattern: DATE }), {
        maxItems: 366,
        uniqueItems: true,
        description: 'Dates (YYYY-MM-DD) treated as closed all day: the holiday calendar.',
      }),
    ),
    timeZone: Type.Optional(TimeZone),
    outside: literals(['hold', 'skip'] as const, 'hold: wait until the window opens; skip: take the skipped outlet at once.'),
  },
  { additionalProperties: false },
);

const RandomSplit = Type.Object(
  {
    branches: Type.Array(
      Type.Object({ key: Key, label: Type.Optional(Label), percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 10 },
    ),
    control: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: 'Percent held out as a control group: they receive nothing and leave, and their goal conversions are still counted.',
      }),
    ),
    experiment: Type.Optional(
      Type.Object(
        {
          name: Key,
          goal: Type.Optional(NodeRef),
          winner: literals(['manual', 'auto'] as const, 'manual: an operator picks the winner; auto: the engine does once the minimum sample is reached.'),
          minSamplePerBranch: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
        },
        {
          additionalProperties: false,
          description: 'Makes the split an A/B experiment: assignment is stable per customer, conversions to `goal` are compared.',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'The branch percentages and the control add up to 100.' },
);

const Exit = Type.Object({ reason: Type.Optional(Label) }, { additionalProperties: false });
const Goal = Type.Object(
  { event: EventSelector, label: Type.Optional(Label) },
  {
    additionalProperties: false,
    description: 'A conversion: a customer anywhere in the journey who does the event leaves here, converted. A goal needs no edge into it.',
  },
);
const Jump = Type.Object({ target: NodeRef }, { additionalProperties: false, description: 'Continues at another node (not an entry).' });

// ---- action ----------------------------------------------------------------------------------

const UpdateAttribute = tagged(
  'op',
  [
    Type.Object({ op: Type.Literal('set'), attribute: AttributeName, value: Type.Union([Scalar, Type.Null()]) }, { additionalProperties: false }),
    Type.Object({ op: Type.Literal('add_tag'), tag: Key }, { additionalProperties: false }),
    Type.Object({ op: Type.Literal('remove_tag'), tag: Key }, { additionalProperties: false }),
  ],
  'set a dataset attribute of the profile (null clears it), or add or remove a tag.',
);

/** Most characters of a template's body. */
const TEMPLATE_MAX = 10_000;
const Reach = Type.Object(
  {
    channel: Type.String({ minLength: 1, maxLength: 32, description: `One of the channels: ${CHANNELS.join(', ')}.` }),
    template: Type.Object(
      {
        name: Type.Optional(Key),
        subject: Type.Optional(Type.String({ maxLength: 500 })),
        body: Type.String({ minLength: 1, maxLength: TEMPLATE_MAX }),
      },
      {
        additionalProperties: false,
        description: 'Text with variables in double braces: {{profile.<attribute>}}, {{journey.name}}, {{journey.version}}, {{event.<property>}}.',
      },
    ),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Which message wins when journeys compete for a slot; 9 first. Default 5.' })),
    transactional: Type.Optional(Type.Boolean({ description: 'Exempt from frequency caps and quiet hours; only for messages the customer asked for.' })),
    list: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'Channel call only: the call list; default j<journey>.n<node>.' }),
    ),
    dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365, description: 'Channel branch_task only: days until the task is due; default 3.' })),
  },
  { additionalProperties: false },
);

// ---- the registry ----------------------------------------------------------------------------

type ComponentKind = 'entry' | 'judgment' | 'control' | 'action';

/**
 * A component's outlets as data, so the engine, validation and a canvas read them the same way:
 * one per `key` of the items of a list parameter (a split's branches), then the fixed ones, then
 * those present only when a parameter has a value (a time window's `skipped` when it skips).
 */
interface Outlets {
  perKeyOf?: 'branches' | 'bands';
  fixed: readonly string[];
  when?: { outlet: string; param: string; equals: string };
}

interface ComponentSpec {
  kind: ComponentKind;
  params: TSchema;
  outlets: Outlets;
  /** An action's `out` may be left open: the customer's path ends after it. */
  openEnded?: boolean;
  summary: string;
}

const OUT = { fixed: ['out'] } as const;
const NONE = { fixed: [] } as const;

export const COMPONENTS = {
  segment_entry: { kind: 'entry', params: SegmentEntry, outlets: OUT, summary: "A segment's members enter, once or on a schedule." },
  event_entry: { kind: 'entry', params: EventEntry, outlets: OUT, summary: 'A real-time event lets the customer in (did A; did A but not B in N minutes).' },
  change_entry: {
    kind: 'entry',
    params: ChangeEntry,
    outlets: OUT,
    summary: 'Joining or leaving a segment, a joint query result, or an external call lets the customer in.',
  },
  attribute_split: {
    kind: 'judgment',
    params: AttributeSplit,
    outlets: { perKeyOf: 'branches', fixed: ['else'] },
    summary: 'Ordered branches on profile attributes and tags; the first match wins, else the else outlet.',
  },
  behaviour_split: {
    kind: 'judgment',
    params: BehaviourSplit,
    outlets: { fixed: ['yes', 'no'] },
    summary: 'Did the customer do an event (a number of times) within a window.',
  },
  segment_check: { kind: 'judgment', params: SegmentCheck, outlets: { fixed: ['in', 'out'] }, summary: 'Is the customer in a segment now.' },
  send_result_split: { kind: 'judgment', params: SendResultSplit, outlets: { fixed: SEND_RESULTS }, summary: 'What happened to an earlier message.' },
  score_split: {
    kind: 'judgment',
    params: ScoreSplit,
    outlets: { perKeyOf: 'bands', fixed: ['else'] },
    summary: 'Bands of a model score in the profile (a decision-tree or churn score, a joint score).',
  },
  wait_event: { kind: 'control', params: WaitEvent, outlets: { fixed: ['event', 'timeout'] }, summary: 'Waits for an event, with a timeout branch.' },
  delay: { kind: 'control', params: Delay, outlets: OUT, summary: 'Waits for a time, in one of six forms.' },
  time_window: {
    kind: 'control',
    params: TimeWindow,
    outlets: { fixed: ['out'], when: { outlet: 'skipped', param: 'outside', equals: 'skip' } },
    summary: 'Open hours or quiet hours with a holiday calendar: hold until open, or skip.',
  },
  random_split: {
    kind: 'control',
    params: RandomSplit,
    outlets: { perKeyOf: 'branches', fixed: [] },
    summary: 'Random split or A/B experiment by percentages, with an optional control group.',
  },
  exit: { kind: 'control', params: Exit, outlets: NONE, summary: 'The customer leaves the journey.' },
  goal: { kind: 'control', params: Goal, outlets: NONE, summary: 'The customer converted and leaves.' },
  jump: { kind: 'control', params: Jump, outlets: NONE, summary: 'Continues at another node.' },
  update_attribute: {
    kind: 'action',
    params: UpdateAttribute,
    outlets: OUT,
    openEnded: true,
    summary: 'Sets a profile attribute, or adds or removes a tag.',
  },
  reach: { kind: 'action', params: Reach, outlets: OUT, openEnded: true, summary: 'Sends a message on a channel (through the outbox).' },
} as const satisfies Record<string, ComponentSpec>;

export type ComponentType = keyof typeof COMPONENTS;
export const COMPONENT_TYPES = Object.keys(COMPONENTS) as ComponentType[];

/** The parameters of each component type. */
export interface ComponentParams {
  segment_entry: Static<typeof SegmentEntry>;
  event_entry: Static<typeof EventEntry>;
  change_entry: Static<typeof ChangeEntry>;
  attribute_split: Static<typeof AttributeSplit>;
  behaviour_split: Static<typeof BehaviourSplit>;
  segment_check: Static<typeof SegmentCheck>;
  send_result_split: Static<typeof SendResultSplit>;
  score_split: Static<typeof ScoreSplit>;
  wait_event: Static<typeof WaitEvent>;
  delay: Static<typeof Delay>;
  time_window: Static<typeof TimeWindow>;
  random_split: Static<typeof RandomSplit>;
  exit: Static<typeof Exit>;
  goal: Static<typeof Goal>;
  jump: Static<typeof Jump>;
  update_attribute: Static<typeof UpdateAttribute>;
  reach: Static<typeof Reach>;
}

/** The outlets of a node whose parameters passed their schema, in the order a canvas shows them. */
export function outletsOf(type: ComponentType, params: object): string[] {
  const rule: Outlets = COMPONENTS[type].outlets;
  const p = params as Record<string, unknown>;
  const keyed = rule.perKeyOf ? (p[rule.perKeyOf] as { key: string }[]).map((item) => item.key) : [];
  const conditional = rule.when && p[rule.when.param] === rule.when.equals ? [rule.when.outlet] : [];
  return [...keyed, ...rule.fixed, ...conditional];
}

/** Components a customer may wait at for a while: a cycle through one of them is not a busy loop. */
export const WAITING_TYPES: ReadonlySet<ComponentType> = new Set(['delay', 'wait_event']);

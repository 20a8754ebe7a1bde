/**
 * Global frequency control in the node config (`journeys.frequency`): caps per customer per
 * channel and in total per local day, ISO week and month; quiet hours; holiday dates; and each
 * channel's consent model. The schema says each field's form; `frequencyRules` checks what a
 * schema cannot (a date that exists, a range in order, a known time zone) and compiles the rules
 * the gate reads, naming the field of any problem (docs/frequency.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import { MofangError } from '../../errors.js';
import { CHANNELS, type Channel } from '../components.js';
import { dayOf, dayText, isTimeZone } from './calendar.js';

const TIME_OF_DAY = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const DATE = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
/** Holiday spans longer than this in total are refused: a wait for a free day then stays short. */
const MAX_HOLIDAY_DAYS = 731;

const Cap = (period: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: `Most messages per customer per local ${period}; absent: no cap.` }));
const PeriodCaps = (description: string) =>
  Type.Object(
    { day: Cap('day'), week: Cap('ISO week (Monday to Sunday)'), month: Cap('calendar month') },
    { additionalProperties: false, default: {}, description },
  );

const CONSENT_MODELS = ['opt_out', 'opt_in'] as const;
export type ConsentModel = (typeof CONSENT_MODELS)[number];
const ConsentModelSchema = Type.Union(
  CONSENT_MODELS.map((m) => Type.Literal(m)),
  {
    default: 'opt_out',
    description: 'opt_out: send unless the customer opted out of the channel; opt_in: send only to customers who opted in (consent required).',
  },
);

export const FrequencyConfigSchema = Type.Object(
  {
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "IANA time zone of customers without one of their own; absent: events.timeZone. Caps count per day, week and month in the customer's zone.",
        examples: ['Asia/Shanghai'],
      }),
    ),
    timeZoneAttribute: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "A string profile attribute holding each customer's IANA time zone; a customer without a valid one uses timeZone.",
        examples: ['time_zone'],
      }),
    ),
    caps: Type.Object(
      {
        total: PeriodCaps('Caps over all channels together (transactional messages are not counted).'),
        channels: Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, Type.Optional(PeriodCaps(`Caps on ${c} alone.`))])), {
          additionalProperties: false,
          default: {},
          description: 'Caps per channel, by channel name.',
        }),
      },
      { additionalProperties: false, default: {}, description: 'Frequency caps per customer; none by default.' },
    ),
    quietHours: Type.Optional(
      Type.Object(
        {
          from: Type.String({ pattern: TIME_OF_DAY, description: 'Start, HH:MM local time.', examples: ['21:00'] }),
          to: Type.String({ pattern: TIME_OF_DAY, description: 'End, HH:MM local time; before from: the hours wrap past midnight.', examples: ['08:00'] }),
        },
        { additionalProperties: false, description: "Hours (customer's local time) no message but a transactional one is sent in." },
      ),
    ),
    holidays: Type.Array(
      Type.String({
        pattern: `^${DATE}(\\.\\.${DATE})?$`,
        description: 'A do-not-disturb date YYYY-MM-DD, or an inclusive range YYYY-MM-DD..YYYY-MM-DD, in the customer’s calendar.',
        examples: ['2026-10-01..2026-10-07'],
      }),
      { default: [], maxItems: 1000, description: 'Holiday dates on which no message but a transactional one is sent.' },
    ),
    consent: Type.Object(Object.fromEntries(CHANNELS.map((c) => [c, ConsentModelSchema])), {
      additionalProperties: false,
      default: {},
      description: 'Per channel: opt_out (the default) or opt_in.',
    }),
    maxConsentBatch: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 1000,
      description: 'Most consent entries in one PUT /v1/consent; a larger batch is refused whole (413).',
    }),
    keepSuppressionsDays: Type.Integer({
      minimum: 1,
      maximum: 3660,
      default: 400,
      description: 'Suppression and wait records older than this many days are deleted by the running node.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Global frequency control and consent across journeys and channels (docs/frequency.md).' },
);

export type FrequencyConfig = Static<typeof FrequencyConfigSchema>;

export type Period = 'day' | 'week' | 'month';
export const PERIODS: readonly Period[] = ['day', 'week', 'month'];
export type Caps = Partial<Record<Period, number>>;

/** The rules as the gate reads them. */
export interface FrequencyRules {
  defaultZone: string;
  zoneAttribute: string | null;
  totalCaps: Caps;
  channelCaps: ReadonlyMap<Channel, Caps>;
  /** Whether any cap is set: without one, the gate reads no ledger. */
  capped: boolean;
  /** Minutes after local midnight; `from > to` wraps past midnight. */
  quietHours: { from: number; to: number; text: string } | null;
  /** Local day numbers. */
  holidays: ReadonlySet<number>;
  consent: Readonly<Record<Channel, ConsentModel>>;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/**
 * The compiled rules; CONFIG_INVALID naming the field when a value has the right form but no
 * meaning (2026-02-30, a range that ends before it starts, an unknown zone, from = to).
 *
 * @example const rules = frequencyRules(config.journeys.frequency, config.events.timeZone);
 */
export function frequencyRules(config: FrequencyConfig, fallbackZone: string, source = 'config'): FrequencyRules {
  const field = 'journeys.frequency';
  const invalid = (path: string, why: string) => new MofangError('CONFIG_INVALID', `${source}: ${field}.${path}: ${why}`, { field: `${field}.${path}` });
  const defaultZone = config.timeZone ?? fallbackZone;
  if (!isTimeZone(defaultZone)) throw invalid('timeZone', 'not an IANA time zone name, e.g. "Asia/Shanghai" or "UTC"');
  let quietHours: FrequencyRules['quietHours'] = null;
  if (config.quietHours) {
    const { from, to } = config.quietHours;
    if (from === to) throw invalid('quietHours.to', `equals from (${from}): quiet hours need a length`);
    quietHours = { from: minutesOf(from), to: minutesOf(to), text: `${from}–${to}` };
  }
  const holidays = new Set<number>();
  config.holidays.forEach((text, i) => {
    const [first, last = first] = text.split('..');
    const start = dayOf(first);
    const end = dayOf(last);
    if (start === null || end === null) throw invalid(`holidays[${i}]`, `${start === null ? first : last} is not a date that exists`);
    if (end < start) throw invalid(`holidays[${i}]`, `the range ends (${last}) before it starts (${first})`);
    for (let d = start; d <= end && holidays.size <= MAX_HOLIDAY_DAYS; d++) holidays.add(d);
    if (holidays.size > MAX_HOLIDAY_DAYS) throw invalid(`holidays[${i}]`, `more than ${MAX_HOLIDAY_DAYS} holiday days in total (from ${dayText(start)})`);
  });
  const channelCaps = new Map<Channel, Caps>();
  for (const c of CHANNELS) {
    const caps = config.caps.channels[c];
    if (caps && Object.keys(caps).length > 0) channelCaps.set(c, caps);
  }
  return {
    defaultZone,
    zoneAttribute: config.timeZoneAttribute ?? null,
    totalCaps: config.caps.total,
    channelCaps,
    capped: channelCaps.size > 0 || Object.keys(config.caps.total).length > 0,
    quietHours,
    holidays,
    consent: Object.fromEntries(CHANNELS.map((c) => [c, (config.consent[c] as ConsentModel | undefined) ?? 'opt_out'])) as Record<Channel, ConsentModel>,
  };
}

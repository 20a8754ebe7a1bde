/**
 * Global frequency control in the node config (`journeys.frequency`): caps per customer per
 * channel and in total per local day, ISO week and month; quiet hours; holiday dates; and each
 * channel's consent model. The schema says each field's form; `frequencyRules` (rules.ts) checks what a
 * schema cannot (a date that exists, a range in order, a known time zone) and compiles the rules
 * the gate reads, naming the field of any problem (docs/frequency.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import { CHANNELS } from '../channels.js';

const TIME_OF_DAY = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const DATE = '[0-9]{4}-[0-9]{2}-[0-9]{2}';

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

/**
 * The frequency rules compiled from the config (config.ts holds its schema): apart from the
 * schema, so the config loader, which every CLI command runs, does not load TypeBox.
 */
import { MofangError } from '../../errors.js';
import { CHANNELS, type Channel } from '../channels.js';
import { dayOf, dayText, isTimeZone } from './calendar.js';
import type { ConsentModel, FrequencyConfig } from './config.js';

/** Holiday spans longer than this in total are refused: a wait for a free day then stays short. */
const MAX_HOLIDAY_DAYS = 731;

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

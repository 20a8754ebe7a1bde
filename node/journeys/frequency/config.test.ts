import { describe, expect, it } from 'vitest';
import { rulesFor } from '../../../test/support/frequency.js';
import type { MofangError } from '../../errors.js';
import { dayOf } from './calendar.js';

const refusal = (frequency: Record<string, unknown>) => {
  try {
    rulesFor(frequency);
  } catch (err) {
    return err as MofangError;
  }
  throw new Error('expected CONFIG_INVALID');
};

describe('journeys.frequency in the node config', () => {
  it('defaults: no caps, no quiet hours, no holidays, every channel opt-out, the events zone', () => {
    const rules = rulesFor({});
    expect(rules).toMatchObject({ defaultZone: 'UTC', zoneAttribute: null, capped: false, quietHours: null, totalCaps: {} });
    expect(rules.holidays.size).toBe(0);
    expect(Object.values(rules.consent)).toEqual(Array(8).fill('opt_out'));
  });

  it('compiles caps, quiet hours, holiday ranges and consent models', () => {
    const rules = rulesFor({
      timeZone: 'Asia/Shanghai',
      timeZoneAttribute: 'tz',
      caps: { total: { week: 5 }, channels: { sms: { day: 1 } } },
      quietHours: { from: '21:00', to: '08:00' },
      holidays: ['2026-10-01..2026-10-07', '2026-12-25'],
      consent: { email: 'opt_in' },
    });
    expect(rules).toMatchObject({
      defaultZone: 'Asia/Shanghai',
      zoneAttribute: 'tz',
      capped: true,
      totalCaps: { week: 5 },
      quietHours: { from: 1260, to: 480 },
    });
    expect(rules.channelCaps.get('sms')).toEqual({ day: 1 });
    expect(rules.holidays.size).toBe(8);
    expect(rules.holidays.has(dayOf('2026-10-07')!)).toBe(true);
    expect(rules.consent.email).toBe('opt_in');
    expect(rules.consent.sms).toBe('opt_out');
  });

  it.each([
    [{ timeZone: 'Mars/Olympus' }, 'journeys.frequency.timeZone', /not an IANA time zone/],
    [{ quietHours: { from: '21:00', to: '21:00' } }, 'journeys.frequency.quietHours.to', /equals from/],
    [{ quietHours: { from: '9:00', to: '10:00' } }, 'journeys.frequency.quietHours.from', /wrong form/],
    [{ holidays: ['2026-10-01', '2026-02-30'] }, 'journeys.frequency.holidays[1]', /2026-02-30 is not a date that exists/],
    [{ holidays: ['2026-10-07..2026-10-01'] }, 'journeys.frequency.holidays[0]', /ends \(2026-10-01\) before it starts/],
    [{ holidays: ['2026-01-01..2028-12-31'] }, 'journeys.frequency.holidays[0]', /more than 731 holiday days/],
    [{ caps: { channels: { fax: { day: 1 } } } }, 'journeys.frequency.caps.channels.fax', /unknown field/],
    [{ caps: { total: { day: 0 } } }, 'journeys.frequency.caps.total.day', /must be >= 1/],
    [{ caps: { total: { year: 3 } } }, 'journeys.frequency.caps.total.year', /unknown field/],
    [{ consent: { sms: 'maybe' } }, 'journeys.frequency.consent.sms', /must be one of: opt_out, opt_in/],
  ])('refuses %j naming %s', (frequency, field, message) => {
    const e = refusal(frequency);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.details).toEqual({ field });
    expect(e.message).toMatch(message);
  });
});

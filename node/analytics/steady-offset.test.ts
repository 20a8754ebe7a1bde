import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../events/store.js';
import { ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { steadyOffsetAround } from './steady-offset.js';

describe('the span in which a time zone keeps its offset', () => {
  it('is the summer-time span in Berlin, and the whole 30-year search in China (no change since 1991)', () => {
    expect(steadyOffsetAround('Europe/Berlin', new Date('2026-07-01T00:00:00Z'))).toEqual({
      from: new Date('2026-03-29T01:00:00Z'),
      to: new Date('2026-10-25T01:00:00Z'),
      offsetSeconds: 7200,
    });
    const shanghai = steadyOffsetAround('Asia/Shanghai', new Date('2026-12-07T00:00:00Z'));
    expect(shanghai.offsetSeconds).toBe(28_800);
    expect(shanghai.from.getUTCFullYear()).toBeLessThanOrEqual(1997);
    expect(shanghai.to.getUTCFullYear()).toBeGreaterThanOrEqual(2056);
  });
});

describe("a model's local time", () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await EventStore.open(':memory:');
  });
  afterAll(() => store.close());

  // Every 7 h 13 min from 1985 to 2045, plus each second around the transitions nearby: the
  // arithmetic inside the steady span and ICU outside it must never disagree.
  it.each(['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo', 'UTC'])(
    'equals ICU for every instant in %s',
    async (zone) => {
      for (const now of [new Date('2026-01-15T12:00:00Z'), new Date('2026-07-15T12:00:00Z')]) {
        const q = new QueryParams();
        const local = new ZonedSql(q, zone, now).local('t');
        const s = steadyOffsetAround(zone, now);
        const tz = q.add(zone);
        const edges = [s.from, s.to].map((d) => q.add(d.toISOString().replace('T', ' ').replace('Z', '')));
        const sql = `WITH ts AS (
            SELECT TIMESTAMP '1985-01-01' + INTERVAL (i * 26000) SECOND AS t FROM range(72800) r(i)
            UNION ALL SELECT ${edges[0]}::TIMESTAMP + INTERVAL (i) SECOND FROM range(-3, 3) r(i)
            UNION ALL SELECT ${edges[1]}::TIMESTAMP + INTERVAL (i) SECOND FROM range(-3, 3) r(i))
          SELECT count(*) AS n, count(*) FILTER (WHERE ${local} IS DISTINCT FROM timezone(${tz}, timezone('UTC', t))) AS differ FROM ts`;
        expect(await store.all(sql, q.values)).toEqual([{ n: 72_812, differ: 0 }]);
      }
    },
  );
});

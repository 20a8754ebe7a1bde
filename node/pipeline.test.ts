import { describe, expect, it } from 'vitest';
import { EventStore } from './events/store.js';
import { behaviourEvents } from './pipeline.js';

describe('the pipeline wiring', () => {
  it("hands insight the events' identifier kind and time zone, and opens the store only when a behaviour rule reads it", async () => {
    const store = await EventStore.open(':memory:');
    let opened = 0;
    const port = behaviourEvents({ identifierKind: 'phone', timeZone: 'Asia/Shanghai' }, async () => {
      opened++;
      return store;
    });
    try {
      expect(port).toMatchObject({ identifierKind: 'phone', timeZone: 'Asia/Shanghai' });
      expect(opened).toBe(0);
      expect(await (await port.reader()).all('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(opened).toBe(1);
    } finally {
      store.close();
    }
  });
});

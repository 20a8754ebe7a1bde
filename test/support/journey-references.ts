/**
 * Test double: the node data journey validation reads (node/journeys/references.ts), fixed: the
 * dataset `customers` with a few attributes of each source, segments (one of another dataset, one
 * visible to unit `north` only) and a tracking plan of three events. The unit tests of the
 * validation use it; the real port (node/pipeline.ts) is covered by the service, HTTP and CLI tests.
 */
import { CHANNELS } from '../../node/journeys/components.js';
import type { AttributeInfo, JourneyReferences } from '../../node/journeys/references.js';

const attributes: Record<string, AttributeInfo> = {
  income: { type: 'number', source: 'dataset' },
  first_name: { type: 'string', source: 'dataset' },
  birthday: { type: 'date', source: 'dataset' },
  vip: { type: 'boolean', source: 'dataset' },
  churn_score: { type: 'number', source: 'score' },
  'partner:telco:active': { type: 'boolean', source: 'joint' },
  'partner:telco:value': { type: 'number', source: 'joint' },
};

export const journeyReferences: JourneyReferences = {
  attributes: async (dataset) => (dataset === 'customers' ? new Map(Object.entries(attributes)) : null),
  segment: (name, unit) => {
    if (name === 'high-value') return { dataset: 'customers' };
    if (name === 'shops') return { dataset: 'merchants' };
    if (name === 'north-only') return unit === 'north' ? { dataset: 'customers' } : null;
    return null;
  },
  events: () =>
    new Map([
      [
        'deposit.made',
        new Map([
          ['amount', { type: 'number' }],
          ['branch', { type: 'string' }],
          ['channel', { type: 'enum', values: ['app', 'web', 'branch'] }],
        ]),
      ],
      ['app.opened', new Map()],
      ['loan.applied', new Map([['amount', { type: 'number' }]])],
    ]),
  channels: CHANNELS,
};

/**
 * The demo's synthetic customer journeys: app sessions, campaign clicks, product views, loan
 * applications and approvals over the last 30 days, for the bank's synthetic customers. Same seed
 * and anchor, same events. Campaigns differ in how much they lift applications, so attribution
 * has something to tell.
 */
import { mulberry32 } from '../random/seeded.js';

interface DemoEvent {
  eventId: string;
  customerId: string;
  name: string;
  time: number;
  properties: Record<string, string | number>;
}

export interface DemoJourneys {
  events: DemoEvent[];
  /** Customers with at least one event (every one of them opens the app). */
  customers: number;
  /** Customers who applied for a loan: one loan.applied event each. */
  applicants: number;
}

export const DEMO_PRODUCTS = ['mortgage', 'car-loan', 'credit-card', 'personal-loan'] as const;
/** Campaign → how much a click raises the chance of applying (a multiplier). */
const CAMPAIGNS: Record<string, number> = { 'spring-mortgage': 2.2, 'wechat-car-loan': 1.6, 'sms-cashback': 1.1 };
const CAMPAIGN_NAMES = Object.keys(CAMPAIGNS);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Journeys start at most this long before the anchor, inside the demo's 30-day windows with room to spare. */
const SPREAD_DAYS = 29;

/**
 * @example const { events } = demoJourneys({ customerIds: ['13800138000'], anchor: Date.now(), seed: 1 });
 */
export function demoJourneys(options: { customerIds: readonly string[]; anchor: number; seed: number }): DemoJourneys {
  const random = mulberry32(options.seed);
  const { anchor } = options;
  const events: DemoEvent[] = [];
  let applicants = 0;
  const add = (customerId: string, name: string, time: number, properties: DemoEvent['properties'] = {}) => {
    // A journey's tail that would lie in the future has not happened yet.
    if (time > anchor) return false;
    events.push({ eventId: `demo-${events.length + 1}`, customerId, name, time: Math.round(time), properties });
    return true;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];

  for (const customerId of options.customerIds) {
    const start = anchor - random() * SPREAD_DAYS * DAY;
    // Some customers came in through a campaign, a few through two (the earlier one days before).
    let lift = 1;
    if (random() < 0.4) {
      if (random() < 0.3) add(customerId, 'campaign.clicked', start - (1 + random() * 5) * HOUR, { campaign: pick(CAMPAIGN_NAMES) });
      const campaign = pick(CAMPAIGN_NAMES);
      add(customerId, 'campaign.clicked', start - random() * 0.5 * HOUR, { campaign });
      lift = CAMPAIGNS[campaign];
    }
    add(customerId, 'app.opened', start);
    let session = start;
    const sessions = Math.floor(random() * 8);
    for (let s = 0; s < sessions; s++) {
      session += (0.3 + random() * 3.5) * DAY;
      add(customerId, 'app.opened', session);
    }
    if (random() > 0.65) continue;
    const product = pick(DEMO_PRODUCTS);
    const viewed = start + random() * HOUR;
    add(customerId, 'product.viewed', viewed, { product });
    if (random() > 0.22 * lift) continue;
    const amount = Math.round((product === 'mortgage' ? 300_000 : 20_000) * (0.5 + random() * 2));
    const applied = viewed + random() * 2 * DAY;
    if (!add(customerId, 'loan.applied', applied, { product, amount })) continue;
    applicants++;
    if (random() < 0.6) add(customerId, 'loan.approved', applied + random() * DAY, { product, amount });
  }
  events.sort((a, b) => a.time - b.time);
  return { events, customers: options.customerIds.length, applicants };
}

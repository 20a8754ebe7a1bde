/**
 * Test support: the node-kept reach channels over a real node database file, with a `customers`
 * dataset (raw ids c0…c5, a `branch` unit column and a `mobile` column, profiles built), the units
 * head → sh → sh-pudong and head → bj, the unit attribute `branch`, and a recording feedback port.
 */
import { listAudit } from '../../node/audit/list.js';
import type { LocalChannel, LocalChannelName, LocalDelivery } from '../../node/reach/local-channel.js';
import { type LocalChannels, localChannels } from '../../node/reach/local-channels.js';
import { insightFixture, type InsightFixture } from './insight-fixture.js';
import { type RecordingFeedback, recordingFeedback } from './reach-feedback.js';

export interface LocalChannelsFixture {
  fx: InsightFixture;
  local: LocalChannels;
  feedback: RecordingFeedback;
  /** A delivery of outbox entry `entry` of journey 7, node `offer`, for customer `customerId`. */
  delivery(channel: LocalChannelName, customerId: string, entry: number, fields?: Partial<LocalDelivery>): LocalDelivery;
  /** Delivers in a transaction, as the dispatcher does. */
  deliver(d: LocalDelivery): ReturnType<LocalChannel['deliver']>;
  audited(prefix: string): { action: string; actor: string; subject: string | null; details: Record<string, unknown> }[];
  close(): void;
}

export const CUSTOMERS: Record<string, { branch: string; mobile: string }> = {
  c0: { branch: 'sh-pudong', mobile: '+8613800000000' },
  c1: { branch: 'sh-pudong', mobile: '+8613800000001' },
  c2: { branch: 'bj', mobile: '' },
  c3: { branch: '', mobile: '+8613800000003' },
  c4: { branch: 'nowhere', mobile: '=cmd|calc' },
  c5: { branch: 'sh', mobile: '+8613800000005' },
};

export async function localChannelsFixture(options: { contactColumn?: string } = { contactColumn: 'mobile' }): Promise<LocalChannelsFixture> {
  const fx = await insightFixture();
  await fx.importRows(
    'customers',
    Object.entries(CUSTOMERS).map(([id, c]) => ({ id, ...c })),
    { branch: 'string', mobile: 'string' },
  );
  const root = { id: 'cli:root' };
  await fx.insight.buildProfiles('customers', root);
  fx.insight.addUnit({ id: 'head', name: 'Head office' }, root);
  fx.insight.addUnit({ id: 'sh', name: 'Shanghai', parent: 'head' }, root);
  fx.insight.addUnit({ id: 'sh-pudong', name: 'Pudong', parent: 'sh' }, root);
  fx.insight.addUnit({ id: 'bj', name: 'Beijing', parent: 'head' }, root);
  await fx.insight.setUnitAttribute('customers', 'branch', root);
  const feedback = recordingFeedback();
  const local = localChannels({ db: fx.db, audit: fx.audit, now: () => fx.clock.now, feedback }, { callContactColumn: options.contactColumn });
  return {
    fx,
    local,
    feedback,
    delivery: (channel, customerId, entry, fields = {}) => ({
      key: `j7.v1.noffer.e${entry}`,
      channel,
      customer: { dataset: 'customers', customerId },
      journey: { id: 7, version: 1, node: 'offer' },
      subject: 'Your offer',
      text: `Hello ${customerId}, a new offer`,
      params: {},
      at: fx.clock.now,
      ...fields,
    }),
    deliver: (d) => fx.db.transaction(() => local.channels.get(d.channel)!.deliver(d))(),
    audited: (prefix) =>
      listAudit(fx.db, { limit: 1000 })
        .filter((e) => e.action.startsWith(prefix))
        .map((e) => ({ action: e.action, actor: e.actor, subject: e.subject, details: e.details as Record<string, unknown> })),
    close: () => fx.close(),
  };
}

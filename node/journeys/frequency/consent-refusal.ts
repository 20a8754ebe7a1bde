/**
 * Whether a customer's consent lets a message go on a channel: one rule for the gate, which asks
 * when the engine decides, and for reach, which asks again at send time — an opt-out recorded
 * after the engine wrote the message still stops it.
 */
import type { Db } from '../../store/db.js';
import type { Channel } from '../components.js';
import { consentBatchReader, type ConsentStatus } from './consent-store.js';
import type { FrequencyRules } from './rules.js';

export interface ConsentRefusal {
  reason: 'opted_out' | 'no_consent';
  detail: string;
}

/** Null when the message may go: not opted out, and opted in where the channel's model is `opt_in`. */
export function consentRefusal(rules: Pick<FrequencyRules, 'consent'>, channel: Channel, status: ConsentStatus | undefined): ConsentRefusal | null {
  if (status === 'opted_out') return { reason: 'opted_out', detail: `opted out of ${channel}` };
  if (rules.consent[channel] === 'opt_in' && status !== 'opted_in')
    return { reason: 'no_consent', detail: `${channel} needs the customer's consent (opt_in); none recorded` };
  return null;
}

/**
 * The refusals among many customers on one channel, read in one pass: the customers missing from
 * the map may be sent to.
 * @example const refused = sendTimeConsent(db, rules)('customers', ['c1', 'c2'], 'sms'); // Map { 'c2' => { reason: 'opted_out', … } }
 */
export function sendTimeConsent(db: Db, rules: Pick<FrequencyRules, 'consent'>) {
  const read = consentBatchReader(db);
  return (dataset: string, customerIds: readonly string[], channel: Channel): Map<string, ConsentRefusal> => {
    const statuses = read(dataset, customerIds);
    const refused = new Map<string, ConsentRefusal>();
    for (const id of customerIds) {
      const r = consentRefusal(rules, channel, statuses.get(`${id}\u0000${channel}`));
      if (r) refused.set(id, r);
    }
    return refused;
  };
}

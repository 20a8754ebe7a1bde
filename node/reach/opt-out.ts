/**
 * An opt-out that comes back from the channel itself: the customer followed an e-mail's
 * unsubscribe link, or the address hard-bounced. Either is written through frequency control's
 * consent (the customer opted out of `email`), so the gate suppresses every later e-mail to them
 * as `opted_out`, whichever journey sends it; the source tells the two apart (`unsubscribe-link`,
 * `hard-bounce`) for an operator who later records a new address and an opt-in. Audited in the
 * same transaction, with counts and the dataset, never the customer.
 */
import type { AuditLog } from '../audit/log.js';
import { writeConsent } from '../journeys/frequency/consent-store.js';
import type { OutboxTarget } from '../journeys/engine/outbox-lookup.js';
import type { Db } from '../store/db.js';

export type OptOutSource = 'unsubscribe-link' | 'hard-bounce';

/** The actor the audit log and the consent row name: the node acting on what the channel reported. */
const ACTOR = 'system:reach';

/** Opts each target's customer out of e-mail, in one transaction with its audit entry; returns how many changed status. */
export function optOutOfEmail(db: Db, audit: AuditLog, targets: readonly OutboxTarget[], source: OptOutSource, at: Date): number {
  if (targets.length === 0) return 0;
  const byDataset = new Map<string, OutboxTarget[]>();
  for (const t of targets) byDataset.set(t.dataset, [...(byDataset.get(t.dataset) ?? []), t]);
  return db.transaction(() => {
    let changed = 0;
    for (const [dataset, group] of byDataset) {
      const n = writeConsent(
        db,
        dataset,
        group.map((t) => ({ customerId: t.customerId, channel: 'email' as const, status: 'opted_out' as const, source })),
        ACTOR,
        at.toISOString(),
      );
      audit.append({ actor: ACTOR, action: 'reach.opted_out', subject: dataset, details: { channel: 'email', source, messages: group.length, changed: n } });
      changed += n;
    }
    return changed;
  })();
}

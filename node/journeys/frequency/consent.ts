/**
 * Channel consent as the HTTP API, the CLI and (later) the reach module's unsubscribes use it:
 * record opt-ins and opt-outs in batches, and show one customer's. Customer ids are normalised
 * like the dataset's identifiers (through the `normaliser` port), so the gate finds them under
 * the ids the engine hands it. A batch is checked whole before anything is written, and written
 * in one transaction with its audit entry. Neither errors nor the audit entry hold a customer id:
 * errors name the entry by index, the audit entry counts.
 */
import type { Actor } from '../../audit/actor.js';
import type { AuditLog } from '../../audit/log.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { CHANNELS, type Channel } from '../components.js';
import type { ConsentModel } from './config.js';
import type { FrequencyRules } from './rules.js';
import { readConsentFile } from './consent-file.js';
import { CONSENT_STATUSES, type ConsentRow, type ConsentStatus, type ConsentWrite, consentOf, writeConsent } from './consent-store.js';

/** A customer id of the dataset, normalised, or why it is not one (the reason never holds the value). Throws DATASET_NOT_FOUND. */
export type Normaliser = (dataset: string) => (raw: string) => { value: string } | { reason: string };

export interface ConsentEntry {
  customerId: string;
  channel: string;
  status: string;
  /** Where the customer said so; default: the batch's source. */
  source?: string;
}

interface ConsentBatch {
  dataset: string;
  entries: readonly ConsentEntry[];
  /** Default source of the entries, e.g. `branch-form`, `unsubscribe-link`; default `api`. */
  source?: string;
}

export interface ConsentSetResult {
  dataset: string;
  entries: number;
  /** Entries that changed a customer's status on a channel (a repeat of the current status does not). */
  changed: number;
}

interface ConsentView {
  dataset: string;
  /** Each channel with its model and the customer's recorded status, if any. */
  channels: {
    channel: Channel;
    model: ConsentModel;
    status: ConsentStatus | null;
    source: string | null;
    updatedAt: string | null;
    updatedBy: string | null;
  }[];
}

export interface ConsentApi {
  /** Records a batch of at most `maxBatch` entries (CONSENT_BATCH_TOO_LARGE above it). */
  set(batch: ConsentBatch, actor: Actor): ConsentSetResult;
  /** Records a CSV file's entries whole, however many (the CLI's `consent import`); errors name the line. */
  importFile(input: { dataset: string; file: string; source?: string }, actor: Actor): Promise<ConsentSetResult>;
  /** One customer's status on every channel; the id is normalised like the dataset's. */
  show(dataset: string, customerId: string, actor: Actor): ConsentView;
}

export interface ConsentPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  rules: Pick<FrequencyRules, 'consent'>;
  normaliser: Normaliser;
  maxBatch: number;
}

/** How errors name a field of an entry: `entries[3].channel` in a batch, `line 4 channel` in a file. */
type EntryName = (i: number, field: string) => string;

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,63}$/;

/** @example consentService(ports).set({ dataset: 'customers', entries: [{ customerId: '+86 138 0013 8000', channel: 'sms', status: 'opted_out' }] }, actor) */
export function consentService(ports: ConsentPorts): ConsentApi {
  const { db, audit, now, rules } = ports;
  const invalid = (field: string, why: string) => new MofangError('CONSENT_INVALID', `${field}: ${why}`, { field });

  /** The batch checked and normalised; `entryName` names an entry in errors (its index, or its line in a file). */
  const checked = (batch: ConsentBatch, entryName: EntryName): ConsentWrite[] => {
    const normalise = ports.normaliser(batch.dataset);
    const batchSource = batch.source ?? 'api';
    if (!SOURCE.test(batchSource)) throw invalid('source', sourceRule);
    return batch.entries.map((e, i) => {
      const at = (field: string) => entryName(i, field);
      if (!(CHANNELS as readonly string[]).includes(e.channel)) throw invalid(at('channel'), `not a channel; one of ${CHANNELS.join(', ')}`);
      if (!(CONSENT_STATUSES as readonly string[]).includes(e.status)) throw invalid(at('status'), `must be one of ${CONSENT_STATUSES.join(', ')}`);
      if (e.source !== undefined && !SOURCE.test(e.source)) throw invalid(at('source'), sourceRule);
      const id = normalise(e.customerId);
      if ('reason' in id) throw invalid(at('customerId'), `not a valid identifier of dataset ${batch.dataset}: ${id.reason}`);
      return { customerId: id.value, channel: e.channel as Channel, status: e.status as ConsentStatus, source: e.source ?? batchSource };
    });
  };

  const write = (
    batch: ConsentBatch,
    actor: Actor,
    action: 'consent.set' | 'consent.imported',
    entryName: EntryName = (i, field) => `entries[${i}].${field}`,
  ): ConsentSetResult => {
    if (batch.entries.length === 0) throw invalid('entries', 'at least one entry is needed');
    const entries = checked(batch, entryName);
    const at = now().toISOString();
    const changed = db.transaction(() => {
      const n = writeConsent(db, batch.dataset, entries, actor.id, at);
      const byStatus = (s: ConsentStatus) => entries.filter((e) => e.status === s).length;
      audit.append({
        actor: actor.id,
        action,
        subject: batch.dataset,
        details: {
          entries: entries.length,
          changed: n,
          optedIn: byStatus('opted_in'),
          optedOut: byStatus('opted_out'),
          channels: [...new Set(entries.map((e) => e.channel))].sort(),
        },
      });
      return n;
    })();
    return { dataset: batch.dataset, entries: entries.length, changed };
  };

  return {
    set(batch, actor) {
      if (batch.entries.length > ports.maxBatch)
        throw new MofangError('CONSENT_BATCH_TOO_LARGE', `entries: ${batch.entries.length} entries, more than the limit of ${ports.maxBatch}`, {
          field: 'entries',
          limit: ports.maxBatch,
          received: batch.entries.length,
        });
      return write(batch, actor, 'consent.set');
    },
    async importFile({ dataset, file, source }, actor) {
      const { entries, lines } = await readConsentFile(file);
      return write({ dataset, entries, source: source ?? 'import' }, actor, 'consent.imported', (i, field) => `line ${lines[i]} ${field}`);
    },
    show(dataset, customerId, actor) {
      const id = ports.normaliser(dataset)(customerId);
      if ('reason' in id) throw invalid('customerId', `not a valid identifier of dataset ${dataset}: ${id.reason}`);
      const rows = new Map<Channel, ConsentRow>(consentOf(db, dataset, id.value).map((r) => [r.channel, r]));
      // A customer's consent is personal data: who read it is recorded, whose is not.
      audit.append({ actor: actor.id, action: 'consent.viewed', subject: dataset, details: { recorded: rows.size } });
      return {
        dataset,
        channels: CHANNELS.map((channel) => {
          const r = rows.get(channel);
          return {
            channel,
            model: rules.consent[channel],
            status: r?.status ?? null,
            source: r?.source ?? null,
            updatedAt: r?.updatedAt ?? null,
            updatedBy: r?.updatedBy ?? null,
          };
        }),
      };
    },
  };
}

const sourceRule = 'letters, digits, space and _ . : / -, starting with a letter or digit; at most 64';

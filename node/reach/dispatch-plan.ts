/**
 * What happens to each claimed message before anything is sent, decided for a whole batch at once:
 * consent read again (an opt-out recorded after the engine wrote the message stops it), the
 * contact looked up in the customer's dataset, the template rendered. A message ends here as
 * suppressed (`opted_out`, `no_consent`, `no_contact`) or dead (a variable with no value: never a
 * half-filled message), is held (its dataset lacks the channel's contact column), goes to one of
 * the node's own channels, or is ready for its provider.
 */
import type { RenderedMessage } from '../../adapters/channels/channel.js';
import { ChannelError } from '../../adapters/channels/errors.js';
import { renderMessage, renderTemplate } from '../../adapters/channels/template.js';
import type { Channel } from '../journeys/components.js';
import type { OutboxMessage } from '../journeys/outbox.js';
import type { OpenChannel } from './channels.js';
import type { FailureClass } from './attempts.js';
import type { LocalChannel } from './local-channel.js';

/** A refusal by the customer's consent, as frequency control reads it. */
interface Refusal {
  reason: 'opted_out' | 'no_consent';
}

export interface PlanPorts {
  channels: ReadonlyMap<Channel, OpenChannel>;
  local: ReadonlyMap<Channel, LocalChannel>;
  /** The customers of one dataset whom consent refuses the channel. */
  consent(dataset: string, customerIds: readonly string[], channel: Channel): ReadonlyMap<string, Refusal>;
  /** The customers' contacts from the dataset column; null when the dataset has no such column. */
  contacts(dataset: string, column: string, customerIds: readonly string[]): Promise<ReadonlyMap<string, string> | null>;
  /** The reach node's parameters as the journey version holds them (a task's due days, its priority). */
  nodeParams(journeyId: number, version: number, node: string): Record<string, unknown>;
}

export type Plan =
  | { kind: 'suppress'; message: OutboxMessage; reason: 'opted_out' | 'no_consent' | 'no_contact' }
  | { kind: 'dead'; message: OutboxMessage; reason: string; why: FailureClass }
  | { kind: 'hold'; message: OutboxMessage; reason: string }
  | { kind: 'local'; message: OutboxMessage; channel: LocalChannel; subject?: string; text: string; params: Record<string, unknown> }
  | { kind: 'send'; message: OutboxMessage; channel: OpenChannel; rendered: RenderedMessage };

/** @example const plans = await planBatch(ports, claimed); */
export async function planBatch(ports: PlanPorts, messages: readonly OutboxMessage[]): Promise<Plan[]> {
  const groups = new Map<string, OutboxMessage[]>();
  for (const m of messages) {
    const k = `${m.customer.dataset}\u0000${m.channel}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const plans: Plan[] = [];
  for (const group of groups.values()) {
    const { dataset } = group[0].customer;
    const channel = group[0].channel;
    const refused = ports.consent(
      dataset,
      group.map((m) => m.customer.customerId),
      channel,
    );
    const allowed: OutboxMessage[] = [];
    for (const m of group) {
      const r = refused.get(m.customer.customerId);
      if (r) plans.push({ kind: 'suppress', message: m, reason: r.reason });
      else allowed.push(m);
    }
    const local = ports.local.get(channel);
    if (local) {
      for (const m of allowed) plans.push(renderLocal(m, local, ports.nodeParams(m.journeyId, m.journeyVersion, m.nodeId)));
      continue;
    }
    const open = ports.channels.get(channel);
    if (!open || allowed.length === 0) continue; // claimed only on channels that send: a guard
    const column = open.settings.contactColumn;
    const contacts = await ports.contacts(
      dataset,
      column,
      allowed.map((m) => m.customer.customerId),
    );
    for (const m of allowed) {
      if (contacts === null) {
        plans.push({ kind: 'hold', message: m, reason: `dataset ${dataset} has no column ${column} (reach.channels.${channel}.contactColumn)` });
        continue;
      }
      const to = contacts.get(m.customer.customerId);
      if (to === undefined || to === '') {
        plans.push({ kind: 'suppress', message: m, reason: 'no_contact' });
        continue;
      }
      plans.push(
        rendered(m, () => ({
          kind: 'send',
          message: m,
          channel: open,
          rendered: renderMessage({ key: m.idempotencyKey, to, template: m.template, variables: m.variables }, open.channel),
        })),
      );
    }
  }
  return plans;
}

function renderLocal(m: OutboxMessage, channel: LocalChannel, params: Record<string, unknown>): Plan {
  return rendered(m, () => ({
    kind: 'local',
    message: m,
    channel,
    params,
    ...(m.template.subject === undefined ? {} : { subject: renderTemplate(m.template.subject, m.variables) }),
    text: renderTemplate(m.template.body, m.variables),
  }));
}

/** A template that cannot be filled kills the message with the error's words (they name the variables, never a value). */
function rendered(m: OutboxMessage, render: () => Plan): Plan {
  try {
    return render();
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    return { kind: 'dead', message: m, reason: err.message, why: err.code === 'CHANNEL_VARIABLE_MISSING' ? 'variable_missing' : 'template_invalid' };
  }
}

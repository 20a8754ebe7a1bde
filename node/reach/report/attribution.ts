/**
 * Conversions credited to a journey's messages, through the analytics attribution model
 * (node/analytics/attribution.ts): the goals are the journey's goal event, the touches every
 * message the node sent (`mofang.reach.sent`, any journey), credited per message key. Credit that
 * lands on another journey's message is not this journey's, so a goal is never counted twice
 * across campaigns. The report keeps the credits of its own messages and places them by node,
 * channel and A/B group.
 */
import type { Actor } from '../../audit/actor.js';
import { ATTRIBUTION_MODELS } from '../../analytics/attribution.js';
import type { AnalyticsApi } from '../../analytics/service.js';
import { MofangError } from '../../errors.js';
import type { CreditRow } from './figures.js';

export type AttributionModelName = (typeof ATTRIBUTION_MODELS)[number];

export interface AttributionRule {
  model: AttributionModelName;
  windowDays: number;
  /** The goal node and its event selector; null: the journey has no goal, nothing is converted. */
  goal: { node: string; event: string; filters?: unknown[] } | null;
  valueProperty: string | null;
  /** Goals from this day to `to` (inclusive, in the node's time zone). */
  from: string;
  to: string;
}

export interface Attributed {
  credits: CreditRow[];
  /** Goal events in the range, touched by any message or none. */
  goals: number;
  /** Goals with no message of any journey in their window. */
  direct: number;
}

/** The rule in words, printed on every report. */
export function ruleText(rule: AttributionRule): string {
  if (rule.goal === null) return 'no conversions counted: the journey has no goal node';
  const model = {
    last: 'the last message sent to the customer',
    first: 'the first message sent to the customer',
    linear: 'every message sent to the customer, in equal shares',
    time_decay: 'every message sent to the customer, halving its share for each 7 days of age',
    position: 'the messages sent to the customer: 40 % the first, 40 % the last, 20 % shared by those between',
  }[rule.model];
  const value = rule.valueProperty ? `, its value the goal's "${rule.valueProperty}" property` : ', without a value';
  return (
    `${rule.model} touch: each "${rule.goal.event}" event (goal node ${rule.goal.node}) from ${rule.from} to ${rule.to} is credited to ${model} ` +
    `within ${rule.windowDays} days before it, by any journey${value}; only this journey's share is counted`
  );
}

/** @example await attributeConversions(analytics, rule, { journey: 7, sent, variantOf }, actor) */
export async function attributeConversions(
  analytics: Pick<AnalyticsApi, 'run'>,
  rule: AttributionRule,
  messages: { sent: ReadonlyMap<string, { node: string; channel: string; entry: number }>; variantOf: ReadonlyMap<number, string> },
  actor: Actor,
): Promise<Attributed> {
  if (rule.goal === null) return { credits: [], goals: 0, direct: 0 };
  const run = await analytics.run(
    'attribution',
    {
      goal: { event: rule.goal.event, ...(rule.goal.filters ? { filters: rule.goal.filters } : {}) },
      touches: [{ event: 'mofang.reach.sent' }],
      model: rule.model,
      from: rule.from,
      to: rule.to,
      windowSeconds: rule.windowDays * 86_400,
      halfLifeSeconds: 7 * 86_400,
      byProperty: 'key',
      ...(rule.valueProperty ? { valueProperty: rule.valueProperty } : {}),
    },
    actor,
  );
  const result = run.result as { goals: number; direct: { goals: number }; credits: { key: string | null; conversions: number; value: number }[] };
  const credits: CreditRow[] = [];
  for (const c of result.credits) {
    const message = c.key === null ? undefined : messages.sent.get(c.key);
    if (!message) continue; // another journey's message
    credits.push({
      node: message.node,
      channel: message.channel,
      variant: messages.variantOf.get(message.entry) ?? null,
      conversions: c.conversions,
      value: c.value,
    });
  }
  return { credits, goals: result.goals, direct: result.direct.goals };
}

/** The model named in a request, or REACH_REPORT_INVALID listing the known ones. */
export function attributionModel(name: string | undefined): AttributionModelName {
  if (name === undefined) return 'last';
  if (!(ATTRIBUTION_MODELS as readonly string[]).includes(name))
    throw new MofangError('REACH_REPORT_INVALID', `model must be one of: ${ATTRIBUTION_MODELS.join(', ')}`, { field: 'model' });
  return name as AttributionModelName;
}

/**
 * A campaign's figures from its counts: pure arithmetic, so every number of a report can be
 * checked by hand. Each row (the whole journey, a channel, a reach node, an A/B group) has the
 * same columns; cost is messages sent times the channel's cost per message, value is the
 * conversions' value credited to the row plus its task outcomes' deals, and
 * ROI = (value − cost) / cost — null when cost is 0 (nothing to return on).
 */
import type { ReachOutcomeName } from '../feedback.js';

/**
 * Suppression reasons as reports show them: the gate's; the dispatcher's `no_contact`, and its `journey_stopped` and
 * `expired` (a stopped journey's queued messages, a paused one's held past the expiry); `other` for any reason a later sender adds.
 */
export const SUPPRESSION_COLUMNS = ['cap', 'quiet_hours', 'holiday', 'no_consent', 'opted_out', 'no_contact', 'journey_stopped', 'expired', 'other'] as const;
type SuppressionColumn = (typeof SUPPRESSION_COLUMNS)[number];

/** The outcomes counted one for one (the ledger holds one row per message and outcome). */
const COUNTED = ['sent', 'delivered', 'bounced', 'opened', 'clicked', 'replied', 'unsubscribed', 'failed', 'dead'] as const;
type Counted = (typeof COUNTED)[number];

export interface Figures extends Record<Counted, number> {
  /** Customers who reached the row's nodes (the journey: entries); null where the engine does not count it. */
  entered: number | null;
  suppressed: Record<SuppressionColumn, number>;
  /** Call and branch tasks closed with an outcome. */
  tasks: number;
  /** Goal events credited to the row's messages: a sum of shares of goals under a split model. */
  converted: number;
  conversionValue: number;
  /** Deals recorded on task outcomes. */
  taskValue: number;
  /** conversionValue + taskValue. */
  value: number;
  cost: number;
  /** (value − cost) / cost; null when cost is 0. */
  roi: number | null;
}

interface OutcomeRow {
  node: string;
  channel: string;
  outcome: ReachOutcomeName;
  detail: string | null;
  count: number;
  value: number;
  /** The A/B group of the message's entry, when it has one. */
  variant?: string | null;
}

export interface CreditRow {
  node: string;
  channel: string;
  variant: string | null;
  conversions: number;
  value: number;
}

export interface FigureInputs {
  /** The reach nodes of the journey's versions with their channel (rows for nodes nothing happened at yet). */
  reachNodes: readonly { node: string; channel: string }[];
  entered: { total: number; byNode: ReadonlyMap<string, number>; byVariant: ReadonlyMap<string, number> };
  outcomes: readonly OutcomeRow[];
  /** Frequency control's suppressions (no outbox row, so not in the ledger). */
  gate: readonly { node: string; channel: string; reason: string; count: number; variant?: string | null }[];
  credits: readonly CreditRow[];
  /** What one message or task on the channel costs. */
  costOf: (channel: string) => number;
}

export interface CampaignFigures {
  totals: Figures;
  channels: (Figures & { channel: string })[];
  nodes: (Figures & { node: string; channel: string })[];
  variants: (Figures & { variant: string })[];
}

const empty = (entered: number | null): Figures => ({
  entered,
  sent: 0,
  suppressed: Object.fromEntries(SUPPRESSION_COLUMNS.map((c) => [c, 0])) as Record<SuppressionColumn, number>,
  delivered: 0,
  bounced: 0,
  opened: 0,
  clicked: 0,
  replied: 0,
  unsubscribed: 0,
  failed: 0,
  dead: 0,
  tasks: 0,
  converted: 0,
  conversionValue: 0,
  taskValue: 0,
  value: 0,
  cost: 0,
  roi: null,
});

export const suppressionColumn = (reason: string | null): SuppressionColumn =>
  (SUPPRESSION_COLUMNS as readonly string[]).includes(reason ?? '') ? (reason as SuppressionColumn) : 'other';

function addOutcome(f: Figures, o: OutcomeRow, costOf: (channel: string) => number): void {
  if (o.outcome === 'suppressed') f.suppressed[suppressionColumn(o.detail)] += o.count;
  else if (o.outcome === 'task_outcome') {
    f.tasks += o.count;
    f.taskValue += o.value;
  } else f[o.outcome] += o.count;
  if (o.outcome === 'sent') f.cost += o.count * costOf(o.channel);
}

/** Adds `from`'s counts, values and costs to `into` (ROI is computed again from the sums, never averaged). */
function addInto(into: Figures, from: Figures): void {
  into.entered = (into.entered ?? 0) + (from.entered ?? 0);
  for (const k of [...COUNTED, 'tasks', 'converted', 'conversionValue', 'taskValue', 'cost'] as const) into[k] += from[k];
  for (const c of SUPPRESSION_COLUMNS) into.suppressed[c] += from.suppressed[c];
}

/** Rows added up into one (a template's instances). */
export function sumFigures(rows: readonly Figures[]): Figures {
  const sum = empty(0);
  for (const r of rows) addInto(sum, r);
  return finish(sum);
}

function finish<T extends Figures>(f: T): T {
  f.value = f.conversionValue + f.taskValue;
  f.roi = f.cost === 0 ? null : (f.value - f.cost) / f.cost;
  return f;
}

/**
 * @example
 * campaignFigures({ reachNodes: [{ node: 'offer', channel: 'sms' }], entered: { total: 10, byNode: new Map([['offer', 10]]), byVariant: new Map() },
 *   outcomes: [{ node: 'offer', channel: 'sms', outcome: 'sent', detail: null, count: 10, value: 0 }], gate: [],
 *   credits: [{ node: 'offer', channel: 'sms', variant: null, conversions: 2, value: 300 }], costOf: () => 0.5 }).totals.roi // (300 − 5) / 5 = 59
 */
export function campaignFigures(input: FigureInputs): CampaignFigures {
  const totals = empty(input.entered.total);
  const nodes = new Map<string, Figures & { node: string; channel: string }>();
  const nodeOf = (node: string, channel: string) => {
    const id = `${node}\u0000${channel}`;
    let f = nodes.get(id);
    if (!f) nodes.set(id, (f = { node, channel, ...empty(input.entered.byNode.get(node) ?? 0) }));
    return f;
  };
  const variants = new Map<string, Figures & { variant: string }>();
  const variantOf = (variant: string) => {
    let f = variants.get(variant);
    if (!f) variants.set(variant, (f = { variant, ...empty(input.entered.byVariant.get(variant) ?? 0) }));
    return f;
  };
  for (const [variant] of input.entered.byVariant) variantOf(variant);
  for (const r of input.reachNodes) nodeOf(r.node, r.channel);
  for (const o of input.outcomes) {
    addOutcome(totals, o, input.costOf);
    addOutcome(nodeOf(o.node, o.channel), o, input.costOf);
    if (o.variant) addOutcome(variantOf(o.variant), o, input.costOf);
  }
  for (const g of input.gate) {
    const column = suppressionColumn(g.reason);
    totals.suppressed[column] += g.count;
    nodeOf(g.node, g.channel).suppressed[column] += g.count;
    if (g.variant) variantOf(g.variant).suppressed[column] += g.count;
  }
  for (const c of input.credits) {
    for (const f of [totals, nodeOf(c.node, c.channel), ...(c.variant ? [variantOf(c.variant)] : [])]) {
      f.converted += c.conversions;
      f.conversionValue += c.value;
    }
  }
  const channels = new Map<string, Figures & { channel: string }>();
  for (const n of nodes.values()) {
    let f = channels.get(n.channel);
    if (!f) channels.set(n.channel, (f = { channel: n.channel, ...empty(0) }));
    addInto(f, n);
  }
  const byName =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    totals: finish(totals),
    channels: [...channels.values()].map(finish).sort(byName((f) => f.channel)),
    nodes: [...nodes.values()].map(finish).sort(byName((f) => `${f.node}\u0000${f.channel}`)),
    variants: [...variants.values()].map(finish).sort(byName((f) => f.variant)),
  };
}

/**
 * Campaign reports: per journey (a template instance is a journey), per template (its instances
 * side by side), and a journey's A/B experiment. Counts come from the reach feedback ledger, the
 * engine (entries, A/B groups) and frequency control (suppressions); conversions from the event
 * store through the analytics attribution model; costs from the configuration. Reading only:
 * nothing here changes state, so nothing is audited.
 */
import type { Actor } from '../../audit/actor.js';
import { localDate } from '../../analytics/period.js';
import type { AnalyticsApi } from '../../analytics/service.js';
import type { NodeConfig } from '../../config/schema.js';
import { MofangError } from '../../errors.js';
import type { EngineReportCounts } from '../../journeys/engine/report-counts.js';
import { experimentReport, type ExperimentReport } from '../../journeys/experiments/report.js';
import type { NodeSuppressions } from '../../journeys/frequency/suppressions-by-node.js';
import type { JourneyGraph } from '../../journeys/graph.js';
import type { JourneysApi } from '../../journeys/service.js';
import type { TemplatesApi } from '../../journeys/templates/service.js';
import type { Db } from '../../store/db.js';
import { attributeConversions, attributionModel, type AttributionRule, ruleText } from './attribution.js';
import { type CampaignFigures, campaignFigures, type Figures, sumFigures, suppressionColumn } from './figures.js';
import { entryOutcomes, outcomeCounts, sentMessages } from './ledger-counts.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ReportQuery {
  /** Attribution model (default last). */
  model?: string;
  /** Goal events from (inclusive) and to (inclusive), YYYY-MM-DD in the node's time zone; default: the journey's first day to today. */
  from?: string;
  to?: string;
  /** Overrides reach.attribution.windowDays. */
  windowDays?: number;
  /** A goal node of the journey; default: the experiment's goal, else the first goal node. */
  goal?: string;
}

export interface CampaignReport extends CampaignFigures {
  journey: { id: number; name: string };
  rule: AttributionRule & { text: string; touch: 'mofang.reach.sent' };
  /** Goal events in the range, and those no message of any journey touched. */
  goals: { total: number; direct: number };
  notes: string[];
}

export interface TemplateReport {
  template: number;
  instances: { journey: { id: number; name: string }; totals: Figures }[];
  totals: Figures;
  rule: string;
}

export interface ExperimentView extends ExperimentReport {
  journey: { id: number; name: string };
  experiment: { name: string; node: string; goal: string | null; winner: string; minSamplePerBranch: number | null };
  /** The engine's conversions: entries its goal converted (the control group's included). */
  counts: string;
}

export interface ReachReports {
  journey(id: number, query: ReportQuery, actor: Actor): Promise<CampaignReport>;
  template(id: number, query: Omit<ReportQuery, 'goal'>, actor: Actor): Promise<TemplateReport>;
  experiment(id: number, name: string | undefined, actor: Actor): ExperimentView;
}

export interface ReachReportPorts {
  db: Db;
  journeys: Pick<JourneysApi, 'get' | 'version' | 'versions'>;
  templates: Pick<TemplatesApi, 'instances'>;
  engine: EngineReportCounts;
  analytics: Pick<AnalyticsApi, 'run'>;
  /** Frequency control's suppressions (journeys/frequency/suppressions-by-node.ts). */
  suppressions: {
    byNode(journey: number): NodeSuppressions[];
    byEntry(journey: number): { entry: number; reason: string; count: number }[];
  };
  config: {
    /** Cost per message of each configured external channel. */
    costPerMessage: Readonly<Record<string, number>>;
    costs: NodeConfig['reach']['costs'];
    attribution: { windowDays: number; valueProperty?: string };
    timeZone: string;
  };
  now: () => Date;
}

type SplitParams = { branches: { key: string }[]; control?: number; experiment?: { name: string; goal?: string; winner: string; minSamplePerBranch?: number } };

/** @example const reports = reachReports({ db, journeys, templates, engine: engineReportCounts(db), analytics, suppressions, config, now }); */
export function reachReports(ports: ReachReportPorts): ReachReports {
  const { db, config } = ports;
  const costOf = (channel: string) => config.costPerMessage[channel] ?? (config.costs as Record<string, number | undefined>)[channel] ?? 0;

  /** The graphs of every version, newest first: reach nodes and goals of older versions still have outcomes. */
  const graphs = (id: number, actor: Actor): JourneyGraph[] =>
    ports.journeys.versions(id, actor).map((v) => ports.journeys.version(id, v.version, actor).graph);

  const journeyReport = async (id: number, query: ReportQuery, actor: Actor): Promise<CampaignReport> => {
    const journey = ports.journeys.get(id, actor);
    const all = graphs(id, actor);
    const nodes = all.flatMap((g) => g.nodes);
    const reachNodes = uniqueBy(
      nodes.filter((n) => n.type === 'reach').map((n) => ({ node: n.id, channel: (n.params as { channel: string }).channel })),
      (r) => `${r.node} ${r.channel}`,
    );
    const notes: string[] = [];
    const rule = attributionRule(journey.createdAt, all, query);
    const variantOf = ports.engine.variantOfEntries(id);
    const attributed = await attributeConversions(ports.analytics, rule, { sent: sentMessages(db, id), variantOf }, actor);
    const byEntry = variantOf.size > 0;
    const outcomes = byEntry ? entryOutcomes(db, id).map((o) => ({ ...o, variant: variantOf.get(o.entry) ?? null })) : outcomeCounts(db, id);
    const gateByEntry = byEntry ? ports.suppressions.byEntry(id) : [];
    const figures = campaignFigures({
      reachNodes,
      entered: {
        total: ports.engine.entered(id),
        byNode: ports.engine.enteredByNode(id),
        byVariant: new Map(ports.engine.variants(id).map((v) => [v.variant, v.entered])),
      },
      outcomes,
      gate: ports.suppressions.byNode(id),
      credits: attributed.credits,
      costOf,
    });
    // Gate suppressions per group: counted from the same records, by entry (the rows above hold no group).
    for (const s of gateByEntry) {
      const variant = variantOf.get(s.entry);
      const row = variant === undefined ? undefined : figures.variants.find((v) => v.variant === variant);
      if (row) row.suppressed[suppressionColumn(s.reason)] += s.count;
    }
    if (figures.totals.cost === 0)
      notes.push('ROI is not given (null): the messages cost nothing as configured (reach.channels.<channel>.costPerMessage, reach.costs)');
    if (rule.goal === null) notes.push('the journey has no goal node: no conversions are counted');
    return {
      journey: { id: journey.id, name: journey.name },
      rule: { ...rule, touch: 'mofang.reach.sent', text: ruleText(rule) },
      goals: { total: attributed.goals, direct: attributed.direct },
      ...figures,
      notes,
    };
  };

  function attributionRule(createdAt: string, all: JourneyGraph[], query: ReportQuery): AttributionRule {
    const today = localDate(ports.now(), config.timeZone);
    const from = query.from ?? localDate(new Date(createdAt), config.timeZone);
    const to = query.to ?? today;
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
        throw new MofangError('REACH_REPORT_INVALID', `${field} must be a date (YYYY-MM-DD)`, { field });
    }
    if (from > to) throw new MofangError('REACH_REPORT_INVALID', 'from must not be after to', { field: 'from' });
    const windowDays = query.windowDays ?? config.attribution.windowDays;
    if (!Number.isFinite(windowDays) || windowDays <= 0 || windowDays > 366)
      throw new MofangError('REACH_REPORT_INVALID', 'windowDays must be a number of days above 0, at most 366', { field: 'windowDays' });
    return {
      model: attributionModel(query.model),
      windowDays,
      goal: goalOf(all[0], query.goal),
      valueProperty: config.attribution.valueProperty ?? null,
      from,
      to,
    };
  }

  return {
    journey: journeyReport,
    async template(id, query, actor) {
      const instances = ports.templates.instances(id, actor);
      const reports = [];
      for (const i of instances) reports.push(await journeyReport(i.journey.id, query, actor));
      const totals = sumFigures(reports.map((r) => r.totals));
      return {
        template: id,
        instances: reports.map((r) => ({ journey: r.journey, totals: r.totals })),
        totals,
        rule: reports[0]?.rule.text ?? 'no instances',
      };
    },
    experiment(id, name, actor) {
      const journey = ports.journeys.get(id, actor);
      const graph = ports.journeys.version(id, journey.liveVersion ?? journey.latestVersion, actor).graph;
      const split = graph.nodes.find(
        (n) => n.type === 'random_split' && (n.params as SplitParams).experiment && (name === undefined || (n.params as SplitParams).experiment!.name === name),
      );
      if (!split)
        throw new MofangError('EXPERIMENT_NOT_FOUND', `journey ${journey.name} has no A/B experiment${name === undefined ? '' : ` named ${name}`}`, {
          journey: id,
        });
      const params = split.params as SplitParams;
      const experiment = params.experiment!;
      const keys = [...params.branches.map((b) => b.key), ...(params.control ? ['control'] : [])];
      const counts = new Map(ports.engine.variants(id).map((v) => [v.variant, v]));
      const groups = keys.map((key) => ({ key, entered: counts.get(key)?.entered ?? 0, converted: counts.get(key)?.converted ?? 0 }));
      return {
        journey: { id: journey.id, name: journey.name },
        experiment: {
          name: experiment.name,
          node: split.id,
          goal: experiment.goal ?? null,
          winner: experiment.winner,
          minSamplePerBranch: experiment.minSamplePerBranch ?? null,
        },
        counts: "entered: the group's entries; converted: those the journey's goal converted while in it (the control group's too)",
        ...experimentReport(groups, { minSamplePerBranch: experiment.minSamplePerBranch }),
      };
    },
  };
}

/** The goal node asked for, else the experiment's goal, else the first goal node; null without one. */
function goalOf(graph: JourneyGraph | undefined, asked: string | undefined): AttributionRule['goal'] {
  const nodes = graph?.nodes ?? [];
  const goals = nodes.filter((n) => n.type === 'goal');
  const experimentGoal = nodes.map((n) => (n.type === 'random_split' ? (n.params as SplitParams).experiment?.goal : undefined)).find((g) => g !== undefined);
  const id = asked ?? experimentGoal ?? goals[0]?.id;
  if (id === undefined) return null;
  const node = goals.find((n) => n.id === id);
  if (!node) throw new MofangError('REACH_REPORT_INVALID', `goal: the journey has no goal node ${id.slice(0, 64)}`, { field: 'goal' });
  const selector = (node.params as { event: { event: string; filters?: unknown[] } }).event;
  return { node: node.id, event: selector.event, ...(selector.filters ? { filters: selector.filters } : {}) };
}

function uniqueBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

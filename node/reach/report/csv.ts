/**
 * A campaign report as CSV (RFC 4180): one row per level — the journey's totals, each channel,
 * each reach node, each A/B group — with the same columns, so a spreadsheet can sum or pivot them.
 * The attribution rule travels beside it (the HTTP header `Mofang-Attribution-Rule`, the CLI's
 * standard error), never as a row that would break a parser.
 */
import { csvField } from '../../audit/export.js';
import { type Figures, SUPPRESSION_COLUMNS } from './figures.js';
import type { CampaignReport } from './service.js';

export const REPORT_CSV_COLUMNS = [
  'level',
  'journey',
  'node',
  'channel',
  'variant',
  'entered',
  'sent',
  ...SUPPRESSION_COLUMNS.map((c) => `suppressed_${c}`),
  'delivered',
  'bounced',
  'opened',
  'clicked',
  'replied',
  'unsubscribed',
  'failed',
  'dead',
  'tasks',
  'converted',
  'conversion_value',
  'task_value',
  'value',
  'cost',
  'roi',
] as const;

type Level = { level: 'total' | 'channel' | 'node' | 'variant'; node?: string; channel?: string; variant?: string };

function line(journey: number, at: Level, f: Figures): string {
  const cells = [
    at.level,
    journey,
    at.node ?? null,
    at.channel ?? null,
    at.variant ?? null,
    f.entered,
    f.sent,
    ...SUPPRESSION_COLUMNS.map((c) => f.suppressed[c]),
    f.delivered,
    f.bounced,
    f.opened,
    f.clicked,
    f.replied,
    f.unsubscribed,
    f.failed,
    f.dead,
    f.tasks,
    f.converted,
    f.conversionValue,
    f.taskValue,
    f.value,
    f.cost,
    f.roi,
  ];
  return `${cells.map((c) => csvField(c)).join(',')}\r\n`;
}

/** @example reportCsv(report) // 'level,journey,node,…\r\ntotal,7,,,,120,…' */
export function reportCsv(r: CampaignReport): string {
  const id = r.journey.id;
  return [
    `${REPORT_CSV_COLUMNS.join(',')}\r\n`,
    line(id, { level: 'total' }, r.totals),
    ...r.channels.map((c) => line(id, { level: 'channel', channel: c.channel }, c)),
    ...r.nodes.map((n) => line(id, { level: 'node', node: n.node, channel: n.channel }, n)),
    ...r.variants.map((v) => line(id, { level: 'variant', variant: v.variant }, v)),
  ].join('');
}

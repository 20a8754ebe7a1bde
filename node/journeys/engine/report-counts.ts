/**
 * What the campaign reports read of the engine: customers who entered the journey and each node,
 * each A/B group's customers and conversions, and the group of each entry (so reach outcomes,
 * which carry the entry, are counted per variant). Counts and entry ids only: no customer id
 * leaves this file.
 */
import type { Db } from '../../store/db.js';

export interface EngineReportCounts {
  /** Entries into the journey, all versions. */
  entered(journey: number): number;
  /** Customers who arrived at each node, all versions. */
  enteredByNode(journey: number): Map<string, number>;
  /** Per A/B group (a branch key or `control`): entries assigned to it and those the goal converted. */
  variants(journey: number): { variant: string; entered: number; converted: number }[];
  /** The group of each entry that was assigned one. */
  variantOfEntries(journey: number): Map<number, string>;
}

/** @example const counts = engineReportCounts(db); counts.variants(7) // [{ variant: 'control', entered: 90, converted: 4 }, …] */
export function engineReportCounts(db: Db): EngineReportCounts {
  const entered = db.prepare('SELECT count(*) AS n FROM journey_entries WHERE journey = ?');
  const byNode = db.prepare("SELECT node, sum(count) AS n FROM journey_node_counts WHERE journey = ? AND outcome = 'entered' GROUP BY node");
  const variants = db.prepare(
    `SELECT variant, count(*) AS entered, sum(status = 'converted') AS converted FROM journey_entries
      WHERE journey = ? AND variant IS NOT NULL GROUP BY variant ORDER BY variant`,
  );
  const variantOf = db.prepare('SELECT id, variant FROM journey_entries WHERE journey = ? AND variant IS NOT NULL');
  return {
    entered: (journey) => (entered.get(journey) as { n: number }).n,
    enteredByNode: (journey) => new Map((byNode.all(journey) as { node: string; n: number }[]).map((r) => [r.node, r.n])),
    variants: (journey) => variants.all(journey) as { variant: string; entered: number; converted: number }[],
    variantOfEntries: (journey) => new Map((variantOf.raw().all(journey) as [number, string][]).map(([id, v]) => [id, v])),
  };
}

/**
 * What the joint-audience page reads from the node (docs/api.md, docs/aggregate.md), and the
 * few facts it derives from an agreement's signed terms: which side we are, whose dataset is
 * whose, what the terms allow and whether counts spend a privacy budget.
 */
import { api } from '../api';

export type JobKind = 'overlap' | 'enrich' | 'aggregate' | 'score';
export const JOB_KINDS: readonly JobKind[] = ['overlap', 'enrich', 'aggregate', 'score'];

interface Party {
  nodeId: string;
  name: string;
  dataset: string;
}
export interface Agreement {
  id: string;
  status: string;
  localParty: 'proposer' | 'acceptor';
  peerName?: string;
  peerNodeId: string;
  terms: {
    title: string;
    expiresAt: string;
    parties: { proposer: Party; acceptor: Party };
    operations: string[];
    exactCounts?: boolean;
    countNoise?: unknown;
    aggregate?: { columns: { column: string }[] };
  };
}

interface NoiseScale {
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  parameter: 'scale' | 'sigma';
  value: number;
  standardDeviation: number;
}
interface Interval {
  low: number;
  high: number;
}
/** An overlap count as released: noisy with its scale and interval, or exact when the terms allow it. */
export interface CountRelease {
  value: number;
  exact: boolean;
  epsilon?: number;
  noiseScale?: NoiseScale;
  margin95?: number;
  ci95?: Interval;
}
export interface Job {
  id: string;
  kind: JobKind | 'intersect';
  agreementIds: string[];
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  phase: string | null;
  progress: { done: number; total: number; rate: number | null; etaSeconds: number | null };
  result: { count: number | null; release?: CountRelease; attribute: string | null; scores?: string } | null;
  error: { code: string; message: string } | null;
  cancelRequested: boolean;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
}
export const ENDED: readonly Job['status'][] = ['succeeded', 'failed', 'cancelled'];

interface Loss {
  epsilon: string;
  delta: string;
}
export interface Budget {
  periodStart: string;
  periodEnd: string;
  spent: Loss;
  agreementSpent: Loss;
  total: Loss;
  perQuery: Loss;
  /** null when nothing is spent per query (JSON has no Infinity). */
  queriesLeft: number | null;
}

interface Released {
  value: number;
  noiseScale: NoiseScale;
  ci95: Interval;
}
export interface ScoreGroup {
  index: number;
  label: string;
  inputSize: number;
  suppressed: boolean;
  count: Released | null;
  columns: { column: string; sum: Released; mean: { value: number; ci95: Interval } }[];
  score: number | null;
  rank: number | null;
}
export interface ScoreSet {
  runId: string;
  grouping: string;
  columns: string[];
  formula: string | null;
  mechanism: string;
  epsilon: string;
  groups: ScoreGroup[];
}

export interface Segment {
  name: string;
  dataset: string;
}

/** Our side and the partner's side of an agreement, as this node sees it. */
export function sides(a: Agreement): { ours: Party; theirs: Party } {
  const { proposer, acceptor } = a.terms.parties;
  return a.localParty === 'proposer' ? { ours: proposer, theirs: acceptor } : { ours: acceptor, theirs: proposer };
}

/** The job kinds the signed terms allow: aggregate and score both need the aggregate operation. */
export const allowedKinds = (a: Agreement): JobKind[] => JOB_KINDS.filter((k) => a.terms.operations.includes(k === 'score' ? 'aggregate' : k));

/** Whether queries on this agreement spend a privacy budget (noisy counts or aggregates). */
export const hasBudget = (a: Agreement): boolean => a.terms.aggregate !== undefined || a.terms.countNoise !== undefined;

export const loadBudget = (id: string) => api<Budget>(`/v1/agreements/${encodeURIComponent(id)}/budget`);

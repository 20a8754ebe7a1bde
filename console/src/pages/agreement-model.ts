/** What GET /v1/agreements[/:id] answers (node/api/schemas.ts AgreementView), as the Agreements page reads it. */

export type PartyRole = 'proposer' | 'acceptor';
type Operation = 'overlap' | 'enrich' | 'aggregate';

interface Party {
  nodeId: string;
  name: string;
  dataset: string;
  columns: string[];
}
interface Budget {
  epsilon: number;
  periodDays: number;
}

/** The signed terms (docs/agreements.md, The terms); older terms lack some fields. */
interface Terms {
  title: string;
  createdAt: string;
  expiresAt: string;
  parties: Record<PartyRole, Party>;
  operations: Operation[];
  outputs: Partial<Record<Operation, PartyRole[]>>;
  minIntersection: number;
  maxQueriesPerDay?: number;
  exactCounts?: boolean;
  countNoise?: { epsilonPerQuery: number; budget: Budget };
  proposerPolicyOverride?: string[];
  enrichAttribute?: string;
  idKind: string;
  labels?: { column: string; type: string }[];
  aggregate?: { epsilonPerQuery: number; budget: Budget; minGroupSize: number; minInputSize: number; maxGroups: number; valueHolder?: PartyRole };
}

export interface Delivery {
  action: 'accept' | 'revoke';
  state: 'pending' | 'delivered' | 'refused';
  attempts: number;
  nextAttemptAt: string | null;
  lastErrorCode: string | null;
  deliveredAt: string | null;
}

export interface Agreement {
  id: string;
  status: 'proposed' | 'pending' | 'accepted' | 'revoked';
  localParty: PartyRole;
  peerNodeId: string;
  peerName?: string;
  terms: Terms;
  proposerSignature: { signer: string; at: string };
  acceptorSignature?: { signer: string; at: string };
  revokedBy?: string;
  revokedReason?: string;
  acceptorPolicyOverride?: string[];
  delivery?: Delivery;
  pair?: { budget: { periodStart: string; periodEnd: string; spent: { epsilon: string }; total: { epsilon: string } } | null };
  createdAt: string;
  updatedAt: string;
  policyIssues: string[];
  disclosure: { operations: { operation: Operation; learns: string[] }[]; warnings: string[] };
}

/** GET /v1/agreements/:id/budget (operators and compliance). */
export interface BudgetView {
  periodStart: string;
  periodEnd: string;
  spent: { epsilon: string };
  agreementSpent: { epsilon: string };
  total: { epsilon: string };
  perQuery: { epsilon: string };
  queriesLeft: number;
}

/** Accepted terms past their expiry stay `accepted` in the store; every query is refused (AGREEMENT_EXPIRED). */
export const shownStatus = (a: Agreement, now = Date.now()): string => (a.status === 'accepted' && Date.parse(a.terms.expiresAt) <= now ? 'expired' : a.status);

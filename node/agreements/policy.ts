/**
 * What an agreement allows. Both nodes run the same checks on every query — the querier before it
 * sends anything, the responder before it answers — so a query outside an accepted, unexpired
 * agreement is refused by both sides, each with the reason.
 *
 * Roles: the *querier* is the party that starts the query and receives its result; the
 * *responder* is the counter-party. For overlap the outputs may also name the responder: the
 * querier then sends it the (releasable) count at the end. Enrich output (membership of matched
 * records) only ever goes to the querier, which holds those records' ids.
 */
import { MofangError } from '../errors.js';
import { type LabelTerm, type Operation, type PartyRole, labelColumnIssues, labelTerms, otherParty } from './model.js';
import { type StoredAgreement, describeStatus } from './store.js';

export interface QueryRequest {
  operation: Operation | string;
  /** This node's role in the query. */
  localRole: 'querier' | 'responder';
  /** The counter-party, as authenticated by mTLS. */
  peerNodeId: string;
  /** The local dataset the query would read. */
  localDataset: string;
  now: Date;
}

/**
 * Throws, with the reason, unless the agreement allows this query from this node's side.
 *
 * @example checkQueryAllowed(getAgreement(db, id), { operation: 'overlap', localRole: 'responder', peerNodeId, localDataset: 'subscribers', now: new Date() })
 */
export function checkQueryAllowed(agreement: StoredAgreement, request: QueryRequest): void {
  const { id, terms } = agreement;
  const notAllowed = (why: string, details?: Record<string, unknown>) => new MofangError('OPERATION_NOT_ALLOWED', `agreement ${id}: ${why}`, details);

  // First, so a node that is not a party learns nothing about the agreement's state or terms.
  if (request.peerNodeId !== agreement.peerNodeId) throw notAllowed(`peer ${request.peerNodeId} is not the counter-party`);

  if (agreement.status === 'revoked') {
    const by = terms.parties.proposer.nodeId === agreement.revokedBy ? terms.parties.proposer : terms.parties.acceptor;
    throw new MofangError('AGREEMENT_REVOKED', `agreement ${id} was revoked by ${by.name} (${agreement.revokedBy}): ${agreement.revokedReason}`, {
      revokedBy: agreement.revokedBy,
      reason: agreement.revokedReason,
    });
  }
  if (agreement.status !== 'accepted') {
    throw new MofangError('AGREEMENT_NOT_ACCEPTED', `agreement ${id} is ${describeStatus(agreement.status)}, not accepted by both parties`, {
      status: agreement.status,
    });
  }
  // Expired at the instant expiresAt is reached.
  if (request.now.getTime() >= Date.parse(terms.expiresAt)) {
    throw new MofangError('AGREEMENT_EXPIRED', `agreement ${id} expired at ${terms.expiresAt}`, { expiresAt: terms.expiresAt });
  }

  const op = request.operation;
  if (op !== 'overlap' && op !== 'enrich' && op !== 'aggregate') throw notAllowed(`operation '${op}' is unknown`);
  if (!terms.operations.includes(op)) throw notAllowed(`operation '${op}' is not allowed (allowed: ${terms.operations.join(', ')})`);

  const querier: PartyRole = request.localRole === 'querier' ? agreement.localParty : otherParty(agreement.localParty);
  const receivers = terms.outputs[op] ?? [];
  if (!receivers.includes(querier)) {
    throw notAllowed(`outputs.${op}: the querying party (${querier}, ${terms.parties[querier].name}) does not receive '${op}' output`, {
      querier,
      receivers,
    });
  }

  const expected = terms.parties[agreement.localParty].dataset;
  if (request.localDataset !== expected) {
    throw notAllowed(`dataset '${request.localDataset}' is not the one this side agreed to use ('${expected}')`);
  }
}

/**
 * Throws RESULT_BELOW_MINIMUM unless an intersection of `count` may be released. Both sides call
 * it before releasing or forwarding a count, and the querier before writing enrich attributes.
 *
 * @example checkResultReleasable(agreement, intersectionSize)
 */
export function checkResultReleasable(agreement: StoredAgreement, count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new MofangError('INTERNAL', 'count: must be a non-negative integer');
  const minimum = agreement.terms.minIntersection;
  // The message and details name the minimum only: telling the querier N < minimum would defeat
  // the threshold (it could learn small intersections, even single memberships, exactly).
  if (count < minimum) {
    throw new MofangError('RESULT_BELOW_MINIMUM', `the intersection is below the agreement's minimum of ${minimum}; the result is withheld`, {
      minimum,
    });
  }
}

/**
 * Throws QUERY_LIMIT_REACHED if `queriesInLast24h` (queries under this agreement that this node
 * allowed in the 24 hours before now, counted by the caller from its run log) has reached
 * `maxQueriesPerDay`. A rolling window, so a burst cannot straddle midnight for twice the limit.
 *
 * @example checkDailyQueryLimit(agreement, runs.countSince(id, now - 24h))
 */
export function checkDailyQueryLimit(agreement: StoredAgreement, queriesInLast24h: number): void {
  const max = agreement.terms.maxQueriesPerDay;
  if (max !== undefined && queriesInLast24h >= max) {
    throw new MofangError('QUERY_LIMIT_REACHED', `agreement ${agreement.id} allows ${max} queries per 24 hours; the limit is reached`, {
      limit: max,
    });
  }
}

/**
 * Throws OPERATION_NOT_ALLOWED unless every requested column is one of the agreement's label
 * columns (each at most once); returns their specs in the requested order — the column list both
 * sides encode and decode with. Columns not in the agreement cannot be requested. The querier runs
 * it before asking and the responder before encrypting anything; an empty request (membership only)
 * is always allowed here (checkQueryAllowed decides about the operation itself).
 *
 * @example const columns = checkLabelsAllowed(agreement, ['active', 'plan']) // → [{ column: 'active', type: 'boolean' }, …]
 */
export function checkLabelsAllowed(agreement: StoredAgreement, requestedColumns: readonly string[]): LabelTerm[] {
  const labels = labelTerms(agreement.terms);
  const allowed = labels.map((l) => l.column);
  const seen = new Set<string>();
  return requestedColumns.map((column) => {
    const label = labels.find((l) => l.column === column);
    if (!label) {
      throw new MofangError(
        'OPERATION_NOT_ALLOWED',
        `agreement ${agreement.id}: column '${column}' is not a label column of this agreement (allowed: ${allowed.join(', ') || 'none'}); columns not in the agreement cannot be requested`,
        { column, allowed },
      );
    }
    if (seen.has(column)) {
      throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: column '${column}' is requested twice`, { column });
    }
    seen.add(column);
    return { ...label };
  });
}

/**
 * Throws OPERATION_NOT_ALLOWED unless the local dataset can deliver every agreed label column
 * (present, with a compatible type). The responder runs it before a labelled run: its dataset may
 * have been re-imported without a column since it accepted.
 *
 * @example checkLabelColumnsAvailable(agreement, getDataset(db, agreement.terms.parties.acceptor.dataset).columns)
 */
export function checkLabelColumnsAvailable(agreement: StoredAgreement, datasetColumns: readonly { name: string; type: string }[]): void {
  const issues = labelColumnIssues(labelTerms(agreement.terms), datasetColumns);
  if (issues.length > 0) {
    throw new MofangError('OPERATION_NOT_ALLOWED', `agreement ${agreement.id}: ${issues[0]}`, { issues });
  }
}

/**
 * Agreements as this node's operators work with them: propose (building the terms' output rules
 * from what the operator asks), accept (after checking our side can deliver what the terms
 * promise), revoke, and the views with delivery state and the peer's name. Acceptances and
 * revocations reach the peer through the deliverer, which retries until the peer acknowledges.
 */
import type { Actor } from '../audit/actor.js';
import type { Identity } from '../identity/identity.js';
import { verifySignature } from '../identity/identity.js';
import { MofangError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Db } from '../store/db.js';
import { getDataset } from '../datasets/store.js';
import { aggregateColumnIssues } from './aggregate-terms.js';
import { agreementDeliverer, type AgreementDeliverer, type DeliveryTuning } from './deliverer.js';
import { proposedCountNoise, type CountNoiseProposal } from './count-noise.js';
import { disclosureOf, type Disclosure } from './disclosure.js';
import { checkTermsAgainstPolicy, enforcePolicyFloors, policyOverrideEntry, type PolicyFloors } from './floors.js';
import { draftTerms, labelColumnIssues, otherParty } from './model.js';
import { deliveryView, enqueueDelivery, getDelivery, type OutboxRow } from './outbox.js';
import type { PairSummary } from './pair-summary.js';
import { signTerms } from './signing.js';
import {
  acceptAgreement,
  getAgreement,
  listAgreements,
  revokeAgreement,
  saveProposal,
  type AgreementContext,
  type AuditSink,
  type StoredAgreement,
} from './store.js';

export interface ProposeInput {
  peer: string;
  title: string;
  localDataset: string;
  peerDataset: string;
  idKind: string;
  operations: ('overlap' | 'enrich' | 'aggregate')[];
  /** Who receives the overlap count: the proposer (querier) always; add 'acceptor' to share it. */
  shareOverlapWithAcceptor?: boolean;
  minIntersection: number;
  /** Queries per party per rolling 24 hours; absent = no rate limit beyond the other checks. */
  maxQueriesPerDay?: number;
  expiresAt: string;
  enrichAttribute?: string;
  /** Name of the identifier column in the partner's dataset (default: the same as ours). */
  peerIdColumn?: string;
  /** Partner columns that enrich may deliver as labels. */
  labels?: { column: string; type: 'boolean' | 'number' | 'category'; maxBytes?: number }[];
  /** Days one OPRF key (and the partner's cached evaluated set) lasts; default 30. */
  oprfKeyEpochDays?: number;
  /** With 'aggregate' in operations: the aggregate section (version 3 terms, docs/agreements.md). */
  aggregate?: AggregateProposal;
  /** Release overlap counts without noise; the policy of both nodes must allow it. Default false. */
  exactCounts?: boolean;
  /**
   * Noise and budget of overlap counts when they are not exact; what is not named comes from this
   * node's policy limits (count-noise.ts `proposedCountNoise`).
   */
  countNoise?: CountNoiseProposal;
  /** Propose terms below this node's policy floors anyway: audited, and signed into the terms. */
  overridePolicy?: boolean;
}

/** The aggregate section as proposed; `valueHolder` defaults to the acceptor (the partner). */
export interface AggregateProposal {
  columns: { column: string; min: number; max: number; scale?: number; buckets?: number[] }[];
  valueHolder?: 'proposer' | 'acceptor';
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  epsilonPerQuery: number;
  deltaPerQuery?: number;
  budget: { epsilon: number; delta?: number; periodDays: number };
  minGroupSize: number;
  minInputSize: number;
  maxGroups: number;
}

/** An agreement as shown to users (terms plus local state). */
export interface AgreementView {
  id: string;
  status: 'proposed' | 'pending' | 'accepted' | 'revoked';
  localParty: 'proposer' | 'acceptor';
  peerNodeId: string;
  peerName?: string;
  termsHash: string;
  terms: Record<string, unknown>;
  proposerSignature: { signer: string; signature: string; at: string };
  acceptorSignature?: { signer: string; signature: string; at: string };
  revokedBy?: string;
  revokedReason?: string;
  /** The floors of its own policy the acceptor overrode to accept (on the proposer: as the acceptor's node said). */
  acceptorPolicyOverride?: string[];
  /** Whether the peer has been told of our acceptance or revocation (absent: nothing to tell). */
  delivery?: {
    action: 'accept' | 'revoke';
    state: 'pending' | 'delivered' | 'refused';
    attempts: number;
    nextAttemptAt: string | null;
    lastErrorCode: string | null;
    deliveredAt: string | null;
  };
  /** The other agreements and the spend on the same data pair (single-agreement reads only). */
  pair?: PairSummary;
  createdAt: string;
  updatedAt: string;
  /** The floors of this node's policy the terms fall below (empty: they meet it). */
  policyIssues: string[];
  /** What each side learns per operation, and warnings for weak terms (agreements/disclosure.ts). */
  disclosure: Disclosure;
}

/** What the HTTP API and the CLI ask of agreements. */
export interface AgreementsApi {
  list(filter: { status?: AgreementView['status'] }): AgreementView[];
  get(id: string): AgreementView;
  propose(input: ProposeInput, actor: Actor): Promise<AgreementView>;
  /** `overridePolicy` accepts terms below this node's policy floors, audited. */
  accept(id: string, actor: Actor, options?: { overridePolicy?: boolean }): Promise<AgreementView>;
  revoke(id: string, reason: string, actor: Actor): Promise<AgreementView>;
}

/** A signature as it crosses the wire. */
interface WireSignature {
  signer: string;
  signature: Buffer;
  at: string;
}

/** The calls of a peer client this workflow makes (node/peer/client.ts implements them). */
interface AgreementPeerClient {
  proposeAgreement(req: { termsJson: string; proposerSignature: WireSignature }): Promise<unknown>;
  acceptAgreement(req: {
    agreementId: string;
    termsHash: string;
    acceptorSignature: WireSignature;
    acceptorPolicyOverride: string[];
  }): Promise<{ status: string }>;
  revokeAgreement(req: { agreementId: string; reason: string; revokerSignature: WireSignature }): Promise<{ status: string }>;
  close(): void;
}

export interface AgreementPorts {
  db: Db;
  audit: AuditSink;
  identity: Identity;
  nodeName: string;
  /** This node's policy floors (config `policy`), checked at propose and at accept. */
  policy: PolicyFloors;
  now: () => Date;
  logger: Logger;
  /** A handshaken client to a pinned peer (node/peer/connector.ts); the caller closes it. */
  connect(peerName: string, actor: string): Promise<{ peer: { name: string; nodeId: string }; client: AgreementPeerClient }>;
  /** The pinned counter-party of an agreement; PEER_UNKNOWN if its pin was removed. */
  peerOfAgreement(a: StoredAgreement): { name: string };
  /** The name a peer is pinned under, if it is. */
  peerName(peerNodeId: string): string | undefined;
  /** The other agreements and the privacy spend on the agreement's data pair (node/privacy). */
  pairSummary(a: StoredAgreement): PairSummary;
  /** Retry timing of deliveries; tests shorten it. */
  delivery?: Partial<DeliveryTuning>;
}

export interface AgreementWorkflow extends AgreementsApi {
  /** The stored agreement, for code that enforces its terms. */
  stored(id: string): StoredAgreement;
  /** What the agreement store needs to record a peer's proposal, acceptance or revocation. */
  readonly context: AgreementContext;
  /** Tells peers of our acceptances and revocations until they acknowledge; `mofang start` runs it. */
  readonly deliverer: AgreementDeliverer;
}

/**
 * @example
 * const agreements = agreementWorkflow({ db, audit, identity, nodeName, policy, now, logger, connect, peerOfAgreement, peerName, pairSummary });
 * await agreements.accept(id, { id: 'cli:alice', role: 'admin' });
 */
export function agreementWorkflow(ports: AgreementPorts): AgreementWorkflow {
  const { db, identity, now } = ports;
  const context: AgreementContext = { db, localNodeId: identity.nodeId, audit: ports.audit, verify: verifySignature, now };

  const view = (a: StoredAgreement): AgreementView => {
    const delivery = deliveryView(db, a.id);
    return {
      ...a,
      terms: a.terms as unknown as Record<string, unknown>,
      peerName: ports.peerName(a.peerNodeId),
      ...(delivery ? { delivery } : {}),
      policyIssues: checkTermsAgainstPolicy(a.terms, ports.policy),
      disclosure: disclosureOf(a.terms),
    };
  };
  const get = (id: string) => {
    const a = getAgreement(db, id);
    return { ...view(a), pair: ports.pairSummary(a) };
  };

  /** Sends one outbox entry: the acceptor signature or the signed revocation stored with the agreement. */
  const sendDelivery = async (row: OutboxRow): Promise<string> => {
    const a = getAgreement(db, row.agreementId);
    const sig = row.action === 'accept' ? a.acceptorSignature : a.revocationSignature;
    if (!sig) throw new MofangError('INTERNAL', `agreement ${a.id}: no stored ${row.action === 'accept' ? 'acceptor' : 'revocation'} signature to deliver`);
    const wireSig = { signer: sig.signer, signature: Buffer.from(sig.signature, 'base64'), at: sig.at };
    const { client } = await ports.connect(ports.peerOfAgreement(a).name, 'system:delivery');
    try {
      const ack =
        row.action === 'accept'
          ? await client.acceptAgreement({
              agreementId: a.id,
              termsHash: a.termsHash,
              acceptorSignature: wireSig,
              acceptorPolicyOverride: a.acceptorPolicyOverride ?? [],
            })
          : await client.revokeAgreement({ agreementId: a.id, reason: a.revokedReason!, revokerSignature: wireSig });
      return ack.status;
    } finally {
      client.close();
    }
  };

  let deliverer: AgreementDeliverer | null = null;
  const delivery = (): AgreementDeliverer => {
    deliverer ??= agreementDeliverer({
      db,
      audit: ports.audit,
      logger: ports.logger,
      now,
      ...ports.delivery,
      send: sendDelivery,
      probe: async (peerNodeId) => {
        const name = ports.peerName(peerNodeId);
        if (name === undefined) return false;
        const { client } = await ports.connect(name, 'system:delivery');
        client.close();
        return true;
      },
    });
    return deliverer;
  };

  async function proposeAgreement(input: ProposeInput, actor: Actor): Promise<AgreementView> {
    // Noisy overlap counts unless the operator asks for exact ones; the noise defaults to the policy's limits.
    const countNoise = input.operations.includes('overlap') && input.exactCounts !== true ? proposedCountNoise(input.countNoise, ports.policy) : undefined;
    // Before connecting: terms this node's policy refuses never reach the peer.
    const overridden = enforcePolicyFloors(
      { ...input, aggregate: input.operations.includes('aggregate') ? input.aggregate : undefined, countNoise },
      ports.policy,
      input.overridePolicy === true,
      'propose',
    );
    const { peer, client } = await ports.connect(input.peer, actor.id);
    try {
      const local = getDataset(db, input.localDataset);
      const aggregate = input.operations.includes('aggregate') ? input.aggregate : undefined;
      if (input.operations.includes('aggregate') !== (input.aggregate !== undefined)) {
        throw new MofangError(
          'AGREEMENT_INVALID',
          input.aggregate
            ? "aggregate: the section needs 'aggregate' in operations"
            : "aggregate: is required when 'aggregate' is allowed (columns, mechanism, ε, budget, group limits)",
        );
      }
      if (aggregate?.valueHolder === 'proposer') {
        // We would hold the values: our own dataset must be able to deliver them.
        const issues = aggregateColumnIssues(aggregate.columns, local.columns);
        if (issues.length > 0) throw new MofangError('AGREEMENT_INVALID', issues[0], { issues });
      }
      if (local.idKind !== input.idKind) {
        throw new MofangError('AGREEMENT_INVALID', `idKind: dataset ${input.localDataset} is keyed by ${local.idKind}, not ${input.idKind}`);
      }
      const terms = draftTerms(
        {
          title: input.title,
          expiresAt: input.expiresAt,
          parties: {
            proposer: { nodeId: identity.nodeId, name: ports.nodeName, dataset: input.localDataset, columns: [local.idColumn] },
            acceptor: {
              nodeId: peer.nodeId,
              name: peer.name,
              dataset: input.peerDataset,
              columns: [input.peerIdColumn ?? local.idColumn, ...(input.labels ?? []).map((l) => l.column)],
            },
          },
          operations: input.operations,
          // The proposer is the querier and receives what it asks; membership never goes to the partner.
          outputs: {
            overlap: !input.operations.includes('overlap') ? [] : input.shareOverlapWithAcceptor ? ['proposer', 'acceptor'] : ['proposer'],
            enrich: input.operations.includes('enrich') ? ['proposer'] : [],
            // Aggregates go to the party that holds the groups, never to the value holder.
            ...(aggregate ? { aggregate: [otherParty(aggregate.valueHolder ?? 'acceptor')] } : {}),
          },
          minIntersection: input.minIntersection,
          ...(input.maxQueriesPerDay ? { maxQueriesPerDay: input.maxQueriesPerDay } : {}),
          idKind: input.idKind as never,
          ...(input.operations.includes('enrich') ? { enrichAttribute: input.enrichAttribute ?? `partner:${peer.name}:member` } : {}),
          ...(input.labels?.length ? { labels: input.labels } : {}),
          ...(input.oprfKeyEpochDays ? { oprfKeyEpochDays: input.oprfKeyEpochDays } : {}),
          ...(aggregate ? { aggregate } : {}),
          ...(input.exactCounts !== undefined ? { exactCounts: input.exactCounts } : {}),
          ...(countNoise ? { countNoise } : {}),
          ...(overridden.length > 0 ? { proposerPolicyOverride: overridden } : {}),
        },
        now(),
      );
      const proposerSignature = signTerms(terms, identity, now());
      // The peer stores it first: a proposal the peer never received must not sit here as sent.
      await client.proposeAgreement({
        termsJson: JSON.stringify(terms),
        proposerSignature: { signer: proposerSignature.signer, signature: Buffer.from(proposerSignature.signature, 'base64'), at: proposerSignature.at },
      });
      const saved = db
        .transaction(() => {
          const stored = saveProposal(context, { terms, proposerSignature });
          if (overridden.length > 0) ports.audit.append(policyOverrideEntry(actor.id, terms.id, 'proposer', overridden));
          return stored;
        })
        .immediate();
      return view(saved);
    } finally {
      client.close();
    }
  }

  /**
   * Before accepting: the dataset the terms name on our side exists and can deliver what they
   * promise, and the terms meet our policy floors (or the operator overrides: the issues returned).
   */
  function checkOurSide(a: StoredAgreement, overridePolicy: boolean): string[] {
    const ours = a.terms.parties[a.localParty];
    const dataset = getDataset(db, ours.dataset);
    const issues = [
      ...(dataset.idKind !== a.terms.idKind ? [`idKind: dataset ${ours.dataset} is keyed by ${dataset.idKind}, not ${a.terms.idKind}`] : []),
      ...(dataset.idColumn !== ours.columns[0]
        ? [`parties.${a.localParty}.columns[0]: dataset ${ours.dataset} is keyed by column ${dataset.idColumn}, not ${ours.columns[0]}`]
        : []),
      ...labelColumnIssues(a.terms.labels ?? [], dataset.columns),
      ...(a.terms.aggregate?.valueHolder === a.localParty ? aggregateColumnIssues(a.terms.aggregate.columns, dataset.columns) : []),
    ];
    if (issues.length > 0) throw new MofangError('AGREEMENT_INVALID', `agreement ${a.id} cannot be accepted: ${issues[0]}`, { issues });
    return enforcePolicyFloors(a.terms, ports.policy, overridePolicy, 'accept');
  }

  /**
   * Accepts locally (signing, and queueing the delivery in the same transaction), then tries once
   * to tell the proposer. An unreachable proposer leaves the delivery pending — the view says so —
   * and a running node keeps retrying. Accepting an accepted agreement tries an undelivered
   * acceptance again.
   */
  async function acceptProposal(id: string, actor: Actor, options: { overridePolicy?: boolean } = {}): Promise<AgreementView> {
    const current = getAgreement(db, id);
    if (current.localParty !== 'acceptor') throw new MofangError('AGREEMENT_STATE', `agreement ${id}: only the acceptor accepts; this node proposed it`);
    ports.peerOfAgreement(current);
    if (current.status !== 'accepted') {
      const overridden = current.status === 'pending' ? checkOurSide(current, options.overridePolicy === true) : [];
      db.transaction(() => {
        acceptAgreement(context, id, identity, overridden); // refuses a revoked one, naming the state
        if (overridden.length > 0) ports.audit.append(policyOverrideEntry(actor.id, id, 'acceptor', overridden));
      }).immediate();
    } else if (!getDelivery(db, id, 'accept')) {
      // Accepted before deliveries were tracked: whether the proposer heard is unknown, so send again.
      db.transaction(() => enqueueDelivery(db, id, current.peerNodeId, 'accept', now())).immediate();
    }
    await delivery().deliver(id, 'accept');
    return get(id);
  }

  /** Revokes here at once (queueing the signed revocation for the peer), then tries once to deliver it. */
  async function revoke(id: string, reason: string, _actor: Actor): Promise<AgreementView> {
    revokeAgreement(context, id, identity, reason);
    await delivery().deliver(id, 'revoke');
    return get(id);
  }

  return {
    list: (filter) => listAgreements(db, filter).map(view),
    get,
    propose: proposeAgreement,
    accept: acceptProposal,
    revoke,
    stored: (id) => getAgreement(db, id),
    context,
    get deliverer() {
      return delivery();
    },
  };
}

/**
 * What the HTTP API (and the CLI) can ask of a node, grouped by domain. Each group's type lives
 * in its domain's service file; the composition root (`node/node.ts`) builds the services. Routes
 * only validate, authorise and translate — no business logic here. Every method that changes
 * state takes the acting principal, for the audit log.
 */
import type { DeadLettersApi } from '../reach/dead-letters.js';
import type { ReachReports } from '../reach/report/service.js';
import type { AgreementsApi } from '../agreements/workflow.js';
import type { AnalyticsApi } from '../analytics/service.js';
import type { AlertsApi } from '../alerts/service.js';
import type { AuditApi } from '../audit/service.js';
import type { EventsApi } from '../events/ingest/service.js';
import type { DatasetsApi } from '../datasets/service.js';
import type { TrackingPlanApi } from '../events/plan/service.js';
import type { TreeService } from '../insight/tree/service.js';
import type { Insight } from '../insight/insight.js';
import type { JobsApi } from '../jobs/service.js';
import type { FrequencyApi } from '../journeys/frequency/service.js';
import type { JourneysApi } from '../journeys/service.js';
import type { TemplatesApi } from '../journeys/templates/service.js';
import type { HealthView } from '../peer/connector.js';
import type { PrivacyApi } from '../privacy/service.js';
import type { LocalChannelsApi } from '../reach/local-channels.js';
import type { ScoresApi } from '../scores/service.js';
import type { RunsApi } from '../session/run-service.js';

export type { ScoreSet } from '../scores/joint-scores.js';
export type { BudgetView } from '../privacy/budget-view.js';
export type { RunView } from '../session/runs.js';
export type { JobKind, JobStatus, JobView } from '../jobs/store.js';
export type { Actor, Role } from '../audit/actor.js';
export type { AgreementView, AggregateProposal, ProposeInput } from '../agreements/workflow.js';
export type { AuditEntryView, AuditVerifyView } from '../audit/service.js';
export type { DatasetInfo, ImportInput, ImportReport } from '../datasets/service.js';
export type { QueryInput, SubmitJobInput } from '../jobs/service.js';
export type { HealthView };
export type { AgreementsApi, AuditApi, JobsApi, PrivacyApi, RunsApi, ScoresApi };

export interface NodeServices {
  /** Identity, uptime and peer reachability: for token holders only (it names every partner). */
  health(): Promise<HealthView>;
  readonly datasets: DatasetsApi;
  readonly agreements: AgreementsApi;
  readonly jobs: JobsApi;
  readonly runs: RunsApi;
  /** Joint segment scores released by aggregate and score jobs. */
  readonly scores: ScoresApi;
  readonly privacy: PrivacyApi;
  readonly audit: AuditApi;
  /** Profiles, segments, layering and flows (node/insight). */
  readonly insight: Insight;
  /** Decision trees on profiles (node/insight/tree/service.ts). */
  readonly trees: TreeService;
  /** Events in (node/events/ingest). */
  readonly events: EventsApi;
  /** The tracking plan: declared events, versions, pause and resume (node/events/plan). */
  readonly trackingPlan: TrackingPlanApi;
  /** The analysis models over the events (node/analytics). */
  readonly analytics: AnalyticsApi;
  /** Saved metrics, alert rules and the alert history (node/alerts). */
  readonly alerts: AlertsApi;
  /** Journeys: versioned, validated graphs and their state (node/journeys). */
  readonly journeys: JourneysApi;
  /** Campaign templates and their instances (node/journeys/templates). */
  readonly templates: TemplatesApi;
  /**
   * Services of the local pipeline the API reaches through it (node/pipeline.ts), so the
   * composition root need not repeat each one: channel consent and frequency-control counts, the
   * channels the node keeps itself (inbox, call lists, branch tasks), campaign reports, dead letters.
   */
  readonly pipeline: {
    readonly frequency: FrequencyApi;
    readonly localChannels: LocalChannelsApi;
    readonly reachReports: ReachReports;
    readonly reach: { readonly deadLetters: DeadLettersApi };
  };
}

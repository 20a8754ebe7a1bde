/**
 * Runs analysis models for the HTTP API, the CLI and saved metrics: finds the model, checks the
 * parameters against its schema (defaults applied), resolves a segment restriction to its
 * members, and runs the model on a reader of its own that is interrupted at the time limit.
 * Reading is not a state change, so runs are not audited; each is logged with its duration
 * (never its parameters, which may carry customer-level values in filters).
 */
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import type { InterruptibleReader } from '../events/store.js';
import { describeIssues } from '../validation/allowed-values.js';
import { lazyValidator, type LazyValidator } from '../validation/lazy-validator.js';
import type { AnyModel } from './model.js';
import { MODELS } from './models.js';
import type { ModelScope, SegmentCustomers } from './scope.js';

export interface AnalyticsRun {
  model: string;
  /** The parameters as run, defaults filled in. */
  params: Record<string, unknown>;
  tookMs: number;
  /** The model's result (its `result` schema). */
  result: Record<string, unknown>;
  /** The result's named scalars (for metrics and alerts). */
  scalars: Record<string, number>;
}

export interface AnalyticsApi {
  /** The models' names and summaries. */
  models(): { name: string; summary: string }[];
  /** @example await analytics.run('event', { event: 'login', from: '2026-03-01', to: '2026-03-31' }, actor) */
  run(model: string, params: unknown, actor: Actor): Promise<AnalyticsRun>;
}

export interface AnalyticsPorts {
  /** A fresh reader per run (the wiring opens the event store lazily). */
  reader(): Promise<InterruptibleReader>;
  segmentCustomers: SegmentCustomers;
  timeZone: string;
  maxRangeDays: number;
  /** A query running longer is interrupted (ANALYTICS_TIMEOUT); 0: no limit. */
  timeoutMs: number;
  now: () => Date;
  logger: { info(obj: object, msg: string): void };
}

/** The model named, or ANALYTICS_MODEL_UNKNOWN listing the known ones. */
export function analyticsModel(name: string): AnyModel {
  const model = MODELS.get(name);
  if (!model) {
    throw new MofangError('ANALYTICS_MODEL_UNKNOWN', `no analysis model "${name.slice(0, 64)}"; known: ${[...MODELS.keys()].join(', ')}`, {
      known: [...MODELS.keys()],
    });
  }
  return model;
}

const validators = new Map<string, LazyValidator<Record<string, unknown>>>();

/**
 * The model's parameters checked as a run checks them (ANALYTICS_MODEL_UNKNOWN,
 * ANALYTICS_PARAMS_INVALID), defaults applied, on a copy: for a caller that runs the model
 * elsewhere (the CLI through a running node) and must refuse what a run here would refuse.
 * @example checkAnalyticsParams('event', { event: 'login', from: '2026-03-01', to: '2026-03-31' })
 */
export function checkAnalyticsParams(name: string, params: unknown): Record<string, unknown> {
  return checkParams(analyticsModel(name), params);
}

/** Parameters checked against the model's schema, defaults applied, on a copy. */
function checkParams(model: AnyModel, params: unknown): Record<string, unknown> {
  let validate = validators.get(model.name);
  if (!validate) {
    validate = lazyValidator<Record<string, unknown>>(model.params, { allErrors: true, useDefaults: true, strict: false });
    validators.set(model.name, validate);
  }
  const copy = structuredClone(params ?? {});
  if (!validate(copy)) {
    const first = validate.errors?.[0];
    const extra = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    const path = [...(first?.instancePath.split('/').slice(1) ?? []), extra?.missingProperty ?? extra?.additionalProperty].filter(Boolean);
    throw new MofangError('ANALYTICS_PARAMS_INVALID', `params: ${describeIssues(validate.errors ?? [])}`, { field: path.join('.') || 'params' });
  }
  return copy;
}

/** @example const analytics = analyticsService({ reader, segmentCustomers, timeZone: 'UTC', maxRangeDays: 366, timeoutMs: 60_000, now, logger }); */
export function analyticsService(ports: AnalyticsPorts): AnalyticsApi {
  checkTimeZone(ports.timeZone);
  return {
    models: () => [...MODELS.values()].map((m) => ({ name: m.name, summary: m.summary })),
    async run(name, rawParams, actor) {
      const model = analyticsModel(name);
      const params = checkParams(model, rawParams);
      const started = performance.now();
      const segment = typeof params.segment === 'string' ? params.segment : null;
      const customers = segment ? await ports.segmentCustomers(segment, actor) : null;
      const scope: ModelScope = { timeZone: ports.timeZone, customers, maxRangeDays: ports.maxRangeDays, now: ports.now() };
      const reader = await ports.reader();
      let timedOut = false;
      let repeat: NodeJS.Timeout | undefined;
      // An interrupt that arrives between two statements (or before one starts) is lost, so it
      // repeats until the run ends.
      const timer =
        ports.timeoutMs > 0
          ? setTimeout(() => {
              timedOut = true;
              reader.interrupt();
              repeat = setInterval(() => reader.interrupt(), 20);
            }, ports.timeoutMs)
          : null;
      try {
        const result = await model.run(reader, params, scope);
        const tookMs = Math.round(performance.now() - started);
        ports.logger.info({ model: name, tookMs, segment, actor: actor.id }, 'analytics run');
        return { model: name, params, tookMs, result, scalars: model.scalars(result) };
      } catch (err) {
        if (timedOut) {
          throw new MofangError('ANALYTICS_TIMEOUT', `the ${name} model ran longer than ${ports.timeoutMs} ms (analytics.timeoutMs) and was interrupted`, {
            limitMs: ports.timeoutMs,
          });
        }
        throw err;
      } finally {
        if (timer) clearTimeout(timer);
        clearInterval(repeat);
        reader.close();
      }
    },
  };
}

/** An unknown zone would fail every run inside DuckDB; refuse it when the node starts instead. */
function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new MofangError('CONFIG_INVALID', `events.timeZone: "${timeZone}" is not an IANA time zone (e.g. Asia/Shanghai)`, { field: 'events.timeZone' });
  }
}

/**
 * The contract every analysis model meets: a name, a parameter schema (TypeBox — the HTTP route,
 * the CLI and saved metrics validate against the same one), a result schema (the route's response
 * contract), `run` over the event reader, and `scalars`: the named numbers of a result an alert
 * can watch (`total`, `conversion`, `day7`, …).
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { EventReader } from '../events/store.js';
import type { ModelScope } from './scope.js';

export interface AnalyticsModel<P extends TObject = TObject, R extends TObject = TObject> {
  name: string;
  /** One line for listings and the OpenAPI summary. */
  summary: string;
  params: P;
  result: R;
  /** Runs the model; parameters arrive checked against `params`, defaults applied. */
  run(reader: EventReader, params: Static<P>, scope: ModelScope): Promise<Static<R>>;
  /** Named scalar values of a result, for metrics and alerts. */
  scalars(result: Static<R>): Record<string, number>;
}

/** A model with its types erased, as the registry holds it. */
export type AnyModel = AnalyticsModel<TObject, TObject>;

/** Types a model once and erases its types for the registry. */
export function defineModel<P extends TObject, R extends TObject>(model: AnalyticsModel<P, R>): AnyModel {
  return model as unknown as AnyModel;
}

/** Parameters every model takes. */
export const CommonParams = {
  segment: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: "Restrict to a saved segment's members (its dataset must have the events' identifier kind)." }),
  ),
};

/** A change in percent from `previous` to `current`; null when there was nothing before. */
export function changePercent(current: number, previous: number): number | null {
  return previous === 0 ? null : ((current - previous) / previous) * 100;
}

/**
 * What ingestion needs from the tracking plan (node/events/plan): a validator per event.
 * Stated here until the plan module's own `PlanValidator` is merged; the shapes are the same.
 */
export type PlanVerdict =
  | { kind: 'accept'; properties: Record<string, unknown> }
  | { kind: 'reject' | 'quarantine'; field: string; reason: string }
  | { kind: 'paused' };

export type PlanValidator = (name: unknown, properties: unknown) => PlanVerdict;

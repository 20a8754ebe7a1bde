/**
 * What the engine reads and calls outside the journeys module: profiles, segments and events
 * (filled by node/pipeline.ts from insight and the event store, as rule 12 of
 * docs/architecture.md asks), the frequency gate, and the A/B assignment. Each is narrow so a
 * test or a dry run can stand in for it and so the modules built beside the engine can be swapped in.
 */
import type { Static } from '@sinclair/typebox';
import type { EventSelectorSchema } from '../../analytics/filters.js';

// ---- the frequency gate (node/journeys/frequency/gate.ts) ----

export type { FrequencyGate, GateDecision, SendAttempt } from '../frequency/gate.js';

// ---- A/B assignment (node/journeys/experiments/ provides the real one) ----

/** The group (a branch key or `control`) a customer's entry falls in; stable for the same inputs. */
export type AssignVariant = (experimentName: string, entryKey: string, groups: readonly { key: string; percent: number }[]) => string;

// ---- the customer's data ----

export type ProfileScalar = number | string | boolean | null;

/** A profile as the judgments read it: attribute values (dates as ISO 8601) by name. */
export type ProfileValues = ReadonlyMap<string, ProfileScalar>;

export type ProfileReader = (customerId: string) => ProfileValues | null;

/** An event as the engine matches it against triggers, waits and goals. */
export interface EngineEvent {
  eventId: string;
  customerId: string;
  name: string;
  time: Date;
  receivedAt: Date;
  properties: Record<string, unknown>;
}

/** An event name and the property filters its events must pass (node/analytics/filters.ts). */
export type EventSelectorLike = Static<typeof EventSelectorSchema>;

export interface EngineData {
  /**
   * A reader of the dataset's profiles (dataset, joint and score attributes; null when the dataset
   * has no such customer) over what the dataset and its agreements allow now. The engine takes one
   * per batch of a tick and never keeps it longer, so an agreement withdrawn stops its joint
   * attributes at the next tick.
   */
  profiles(dataset: string): Promise<ProfileReader>;
  /** The segment's members now, as normalised identifiers. */
  segmentMembers(segment: string): Promise<readonly string[]>;
  /** How many times the customer did the selected event in [from, to). */
  countEvents(customerId: string, selector: EventSelectorLike, from: Date, to: Date): Promise<number>;
  /** The hour (0–23, in `timeZone`) the customer was most often active in the last `lookbackDays` before `now`; null without events. */
  activeHour(customerId: string, lookbackDays: number, timeZone: string, now: Date): Promise<number | null>;
  /** Events received after `after` (by arrival time, then event id), oldest first, at most `limit`: the catch-up after a restart. */
  eventsReceivedAfter(after: { at: Date; eventId: string }, limit: number): Promise<EngineEvent[]>;
  /** The customer's IANA time zone (the profile's, else the node's). */
  timeZoneOf(dataset: string, customerId: string, profile: ProfileValues | null): string;
  /** An identifier as the dataset normalises it; throws IDENTIFIER_INVALID. */
  normalise(dataset: string, id: string): string;
}

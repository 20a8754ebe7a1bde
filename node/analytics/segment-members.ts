/**
 * A saved segment as a model's customer restriction. Two checks come before its members are used:
 * the segment's dataset must normalise identifiers like the events (`events.identifierKind`), or
 * its ids would silently match nothing; and no attribute its rule reads may be withheld now — a
 * segment built on a joint attribute whose agreement was revoked keeps its last materialised
 * members, and using them would keep using data the agreement no longer allows.
 */
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import type { SegmentCustomers } from './scope.js';

/** What the wiring reads a segment through (insight and the dataset records). */
export interface SegmentSource {
  /** The identifier kind of the segment's dataset. */
  idKind(segment: string, actor: Actor): Promise<string>;
  /** Attributes the segment's rule reads that are withheld now, with the reason. */
  withheld(segment: string, actor: Actor): Promise<{ name: string; reason: string }[]>;
  /** The members' normalised ids. */
  members(segment: string, actor: Actor): Promise<readonly string[]>;
}

/** @example const customers = segmentCustomers(source, config.events.identifierKind); await customers('gold', actor); */
export function segmentCustomers(source: SegmentSource, identifierKind: string): SegmentCustomers {
  return async (name, actor) => {
    const kind = await source.idKind(name, actor);
    if (kind !== identifierKind) {
      throw new MofangError(
        'ANALYTICS_SEGMENT_MISMATCH',
        `segment '${name}' is on a dataset of ${kind} identifiers; events use ${identifierKind} (events.identifierKind)`,
        { field: 'segment', segmentKind: kind, eventsKind: identifierKind },
      );
    }
    const withheld = await source.withheld(name, actor);
    if (withheld.length > 0) {
      throw new MofangError(
        'ANALYTICS_SEGMENT_WITHHELD',
        `segment '${name}' reads ${withheld.map((w) => `${w.name} (${w.reason})`).join(', ')}; it cannot restrict a model until its agreement allows it again`,
        { field: 'segment', attributes: withheld.map((w) => w.name) },
      );
    }
    return source.members(name, actor);
  };
}

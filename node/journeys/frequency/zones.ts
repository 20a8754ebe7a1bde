/**
 * Each customer's time zone for a batch: the profile attribute `journeys.frequency.timeZoneAttribute`
 * names, read through a port for all the batch's customers at once, else the configured default.
 * A value that is not an IANA zone name counts as none (a typo in a profile must not stop sends
 * nor shift them by hours into quiet time unnoticed — the default zone is the documented fallback).
 */
import { isTimeZone } from './calendar.js';
import type { FrequencyRules } from './rules.js';

/** The customers' values of a string profile attribute, by customer id; a customer without one is absent. */
export type ZoneSource = (dataset: string, attribute: string, customerIds: readonly string[]) => ReadonlyMap<string, string>;

/** The zone of each attempt's customer. */
export function customerZones(
  rules: FrequencyRules,
  source: ZoneSource | undefined,
  attempts: readonly { dataset: string; customerId: string }[],
): (a: { dataset: string; customerId: string }) => string {
  const attribute = rules.zoneAttribute;
  if (!attribute || !source) return () => rules.defaultZone;
  const ids = new Map<string, Set<string>>();
  for (const a of attempts) {
    let set = ids.get(a.dataset);
    if (!set) ids.set(a.dataset, (set = new Set()));
    set.add(a.customerId);
  }
  const found = new Map<string, ReadonlyMap<string, string>>();
  for (const [dataset, set] of ids) found.set(dataset, source(dataset, attribute, [...set]));
  const valid = new Map<string, boolean>();
  return (a) => {
    const zone = found.get(a.dataset)?.get(a.customerId);
    if (zone === undefined) return rules.defaultZone;
    let ok = valid.get(zone);
    if (ok === undefined) valid.set(zone, (ok = isTimeZone(zone)));
    return ok ? zone : rules.defaultZone;
  };
}

/**
 * Which organisation unit a branch task belongs to: the unit the customer's profile names through
 * the dataset's unit attribute (the one insight scopes by, units/units.ts). A customer whose
 * attribute is unset or names no unit goes to the head office, marked as a fallback, so the task is
 * still worked and the head office can see which customers lack a branch; with no units defined at
 * all the task belongs to the whole organisation (only unscoped tokens see it).
 */
import { stringAttributeValues } from '../../insight/profiles/string-values.js';
import { getUnitAttribute } from '../../insight/units/units.js';
import type { Db } from '../../store/db.js';

export interface TaskUnit {
  unit: string | null;
  /** The customer had no known unit. */
  fallback: boolean;
}

/** @example const unitOf = taskUnits(db); unitOf('customers', 'c1') // { unit: 'sh-pudong', fallback: false } */
export function taskUnits(db: Db): (dataset: string, customerId: string) => TaskUnit {
  const exists = db.prepare('SELECT 1 FROM org_units WHERE id = ?').pluck();
  const root = db.prepare('SELECT id FROM org_units WHERE parent IS NULL').pluck();
  return (dataset, customerId) => {
    const setting = getUnitAttribute(db, dataset);
    const named = setting ? stringAttributeValues(db, dataset, setting.attribute, [customerId]).get(customerId) : undefined;
    if (named !== undefined && exists.get(named)) return { unit: named, fallback: false };
    return { unit: (root.get() as string | undefined) ?? null, fallback: true };
  };
}

/**
 * Which organisation unit a branch task belongs to: the unit the customer's profile names through
 * the dataset's unit attribute (the one insight scopes by, units/units.ts). A customer whose
 * attribute is unset or names no unit goes to the head office, marked as a fallback, so the task is
 * still worked and the head office can see which customers lack a branch; with no units defined at
 * all the task belongs to the whole organisation (only unscoped tokens see it).
 */
import { stringAttributeValues } from '../../insight/profiles/string-values.js';
import { asMofangError } from '../../errors.js';
import { getUnit, getUnitAttribute, listUnits } from '../../insight/units/units.js';
import type { Db } from '../../store/db.js';

export interface TaskUnit {
  unit: string | null;
  /** The customer had no known unit. */
  fallback: boolean;
}

/** @example const unitOf = taskUnits(db); unitOf('customers', 'c1') // { unit: 'sh-pudong', fallback: false } */
export function taskUnits(db: Db): (dataset: string, customerId: string) => TaskUnit {
  const exists = (unit: string) => {
    try {
      getUnit(db, unit);
      return true;
    } catch (err) {
      if (asMofangError(err).code === 'UNIT_NOT_FOUND') return false;
      throw err;
    }
  };
  return (dataset, customerId) => {
    const setting = getUnitAttribute(db, dataset);
    const named = setting ? stringAttributeValues(db, dataset, setting.attribute, [customerId]).get(customerId) : undefined;
    if (named !== undefined && exists(named)) return { unit: named, fallback: false };
    // The head office comes first in the tree's listing.
    return { unit: listUnits(db)[0]?.id ?? null, fallback: true };
  };
}

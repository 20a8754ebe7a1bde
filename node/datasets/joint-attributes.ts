/**
 * Reads of joint attributes (the values joint queries wrote, keyed by identifier) for other
 * domains. Insight composes them into set-based queries over a whole dataset — a segment rule over
 * 10⁶ customers is one SQL statement, not a loop — so besides whole answers this file hands out the
 * rows as a SQL fragment, and no other folder names the table or its columns.
 */
import { MofangError } from '../errors.js';
import { prepared, type Db } from '../store/db.js';

/** The joint attribute rows of one dataset as a FROM item, for a caller composing a larger query. */
export interface JointAttributeRows {
  /** The FROM item (the table under the caller's alias). */
  from: string;
  /** The condition selecting the dataset's rows (and the one attribute's, if named); put it in the WHERE clause. */
  where: string;
  /** The values `where` binds, in order. */
  params: unknown[];
  /** SQL expressions for the columns a caller may use. */
  columns: {
    /** The customer's normalised identifier: join a dataset's records or profiles on it. */
    idNorm: string;
    /** The attribute's name. */
    name: string;
    /** The stored value (text): 'true' or 'false' for a flag, JSON for a label. */
    value: string;
  };
}

/**
 * The joint attribute rows of `dataset` (only attribute `name`'s, if given) under `alias`. The
 * condition leads with the columns the table's keys lead with.
 * @example
 * const j = jointAttributeRows({ dataset: 'customers', name: 'partner:telco:active', alias: 'j' });
 * db.prepare(`SELECT count(*) FROM ${j.from} WHERE ${j.where} AND ${j.columns.value} = 'true'`).pluck().get(...j.params);
 */
export function jointAttributeRows({ dataset, name, alias }: { dataset: string; name?: string; alias: string }): JointAttributeRows {
  if (!/^[a-z]\w*$/.test(alias)) throw new MofangError('INTERNAL', 'joint attribute rows: the alias is not an SQL identifier');
  return {
    from: `joint_attributes ${alias}`,
    where: name === undefined ? `${alias}.dataset = ?` : `${alias}.dataset = ? AND ${alias}.name = ?`,
    params: name === undefined ? [dataset] : [dataset, name],
    columns: { idNorm: `${alias}.id_norm`, name: `${alias}.name`, value: `${alias}.value` },
  };
}

/** One joint attribute of one customer, with where it came from. */
export interface CustomerJointAttribute {
  name: string;
  /** As stored (see `JointAttributeRows.columns.value`). */
  value: string;
  /** The agreement behind it; several for the combined audience of an intersect job. */
  agreementIds: string[];
  /** The run (or intersect job) that wrote it. */
  runId: string;
  createdAt: string;
}

/** Every joint attribute of the customer whose normalised identifier is `idNorm`, by name. */
export function customerJointAttributes(db: Db, dataset: string, idNorm: string): CustomerJointAttribute[] {
  const rows = prepared(db, 'SELECT name, value, agreement_id, run_id, created_at FROM joint_attributes WHERE dataset = ? AND id_norm = ? ORDER BY name')
    .raw()
    .all(dataset, idNorm) as [string, string, string, string, string][];
  return rows.map(([name, value, agreementId, runId, createdAt]) => ({ name, value, agreementIds: agreementId.split(','), runId, createdAt }));
}

/** One joint attribute of a dataset as one run wrote it, summed over its customers. */
export interface JointAttributeSummary {
  name: string;
  agreementIds: string[];
  runId: string;
  /** When its latest value was written. */
  at: string;
  /** Customers with a value (including ones no longer in the dataset after a re-import). */
  count: number;
}

/** The dataset's joint attributes, per name and the agreement and run that wrote them, by name. */
export function jointAttributeSummaries(db: Db, dataset: string): JointAttributeSummary[] {
  const rows = db
    .prepare(
      `SELECT name, agreement_id, run_id, max(created_at) AS at, count(*) AS count FROM joint_attributes
       WHERE dataset = ? GROUP BY name, agreement_id, run_id ORDER BY name`,
    )
    .raw()
    .all(dataset) as [string, string, string, string, number][];
  return rows.map(([name, agreementId, runId, at, count]) => ({ name, agreementIds: agreementId.split(','), runId, at, count }));
}

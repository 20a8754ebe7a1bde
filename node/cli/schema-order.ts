/**
 * A value with its object keys in the order its schema declares them — the order the HTTP API's
 * serializer writes. A command that may take its result from the service or from the running
 * node's API (via-node.ts) prints it in this one order, so `--json` reads the same either way.
 */
import type { TSchema } from '@sinclair/typebox';

type Schema = TSchema & {
  properties?: Record<string, Schema>;
  items?: Schema;
  patternProperties?: Record<string, Schema>;
  anyOf?: Schema[];
};

/**
 * Keys the schema declares come first, in its order; others follow as they were. Of a union, the
 * first object branch that declares every key of the value is followed.
 * @example inSchemaOrder(Type.Object({ a: Type.Number(), b: Type.Number() }), { b: 1, a: 2 }) // → { a: 2, b: 1 }
 */
export function inSchemaOrder(schema: Schema, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => inSchemaOrder(schema.items as Schema, v)) : value;
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (schema.anyOf) {
    const branch = schema.anyOf.find((b) => b.properties && Object.keys(record).every((k) => k in (b.properties as object)));
    return branch ? inSchemaOrder(branch, value) : value;
  }
  if (schema.properties) {
    const declared = Object.keys(schema.properties).filter((k) => k in record);
    const rest = Object.keys(record).filter((k) => !(k in (schema.properties as object)));
    return Object.fromEntries([
      ...declared.map((k) => [k, inSchemaOrder((schema.properties as Record<string, Schema>)[k], record[k])]),
      ...rest.map((k) => [k, record[k]]),
    ]);
  }
  const values = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  return values ? Object.fromEntries(Object.entries(record).map(([k, v]) => [k, inSchemaOrder(values, v)])) : value;
}

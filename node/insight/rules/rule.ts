/**
 * The segment rule tree: the one shape shared by segments, layering cells and decision-tree leaves
 * (helper `cart` turns a tree path into one). JSON in, JSON out; validate.ts checks it against the
 * dataset's attribute types and compile.ts turns it into parameterised SQL.
 *
 * ```
 * Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule }
 *      | { attr, op: 'eq'|'ne'|'lt'|'lte'|'gt'|'gte', value: number|string|boolean }
 *      | { attr, op: 'between', min, max }                 // inclusive at both ends
 *      | { attr, op: 'in'|'notIn', values: (number|string)[] }
 *      | { attr, op: 'isSet'|'isNotSet' }
 *      | { attr, op: 'withinLast'|'notWithinLast', days }  // date attributes, relative to "now"
 *      | { segment: string }                               // membership of another segment
 *      | { event: { name, did?, where?, times?, within?, aggregate? } } // behaviour (behaviour.ts)
 * ```
 * Attribute names are the dataset's own columns and joint attributes (`partner:…`) written by
 * joint queries. A comparison with an unset attribute is false (as in SQL); `ne` and `notIn` are
 * false for unset values too — use `isNotSet` to select them.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { BehaviourSchema, type BehaviourCondition } from './behaviour.js';

/** Deepest rule tree accepted (a bound on recursion for hostile input). */
export const MAX_RULE_DEPTH = 32;
/** Most nodes in one rule tree, including inlined segment rules. */
export const MAX_RULE_NODES = 1000;
/** Most values in one `in` / `notIn` list. */
export const MAX_IN_VALUES = 1000;

export const COMPARISON_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const;
export const LIST_OPS = ['in', 'notIn'] as const;
export const PRESENCE_OPS = ['isSet', 'isNotSet'] as const;
export const RELATIVE_DATE_OPS = ['withinLast', 'notWithinLast'] as const;

const AttrName = Type.String({ minLength: 1, maxLength: 200, description: 'A dataset column, or a joint attribute such as partner:telco:active.' });
const Scalar = Type.Union([Type.Number(), Type.String({ maxLength: 4096 })]);
const Unsafe = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

const ruleShapes = <S extends TSchema>(Self: S) => [
  Type.Object({ all: Type.Array(Self, { minItems: 1, maxItems: MAX_RULE_NODES }) }, { additionalProperties: false }),
  Type.Object({ any: Type.Array(Self, { minItems: 1, maxItems: MAX_RULE_NODES }) }, { additionalProperties: false }),
  Type.Object({ not: Self }, { additionalProperties: false }),
  Type.Object(
    { attr: AttrName, op: Unsafe(COMPARISON_OPS), value: Type.Union([Type.Number(), Type.String({ maxLength: 4096 }), Type.Boolean()]) },
    { additionalProperties: false },
  ),
  Type.Object({ attr: AttrName, op: Type.Literal('between'), min: Scalar, max: Scalar }, { additionalProperties: false }),
  Type.Object({ attr: AttrName, op: Unsafe(LIST_OPS), values: Type.Array(Scalar, { minItems: 1, maxItems: MAX_IN_VALUES }) }, { additionalProperties: false }),
  Type.Object({ attr: AttrName, op: Unsafe(PRESENCE_OPS) }, { additionalProperties: false }),
  Type.Object({ attr: AttrName, op: Unsafe(RELATIVE_DATE_OPS), days: Type.Number({ minimum: 0, maximum: 36_600 }) }, { additionalProperties: false }),
  Type.Object({ segment: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
  Type.Object({ event: BehaviourSchema }, { additionalProperties: false }),
];

/** JSON Schema of a rule (recursive; `$id: 'Rule'`), for the HTTP API and `validateRuleShape`. */
export const RuleSchema = Type.Recursive((Self) => Type.Union(ruleShapes(Self)), { $id: 'Rule' });

type ComparisonOp = (typeof COMPARISON_OPS)[number];
type ListOp = (typeof LIST_OPS)[number];
type PresenceOp = (typeof PRESENCE_OPS)[number];
type RelativeDateOp = (typeof RELATIVE_DATE_OPS)[number];

export type Rule =
  | { all: Rule[] }
  | { any: Rule[] }
  | { not: Rule }
  | { attr: string; op: ComparisonOp; value: number | string | boolean }
  | { attr: string; op: 'between'; min: number | string; max: number | string }
  | { attr: string; op: ListOp; values: (number | string)[] }
  | { attr: string; op: PresenceOp }
  | { attr: string; op: RelativeDateOp; days: number }
  | { segment: string }
  | { event: BehaviourCondition };

// The TypeBox schema and the hand-written type must describe the same trees.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: Same<Static<typeof RuleSchema>, Rule> = true;
void same;

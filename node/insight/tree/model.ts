/**
 * A trained tree as plain, versioned JSON: what the API returns, what the store keeps, and all that
 * scoring needs. Nodes are listed root first, every child after its parent; a split names its
 * attribute and value (never an internal code), so a model scores any later read of the data.
 */
import { Type, type Static } from '@sinclair/typebox';
import { lazyValidator } from '../../validation/lazy-validator.js';
import { ATTRIBUTE_TYPES } from '../../datasets/attributes.js';
import { MofangError } from '../../errors.js';

export const MODEL_FORMAT = 'mofang.insight.tree';
export const MODEL_VERSION = 1;
/** Deepest tree accepted: 2^16 leaves is already far past what an operator can read as segments. */
const MAX_DEPTH = 16;

const Count = Type.Integer({ minimum: 0 });
const Missing = Type.Union([Type.Literal('left'), Type.Literal('right')], {
  description: 'The child that rows without a value go to (chosen in training; the larger child if training saw none).',
});

export const TreeOptionsSchema = Type.Object(
  {
    maxDepth: Type.Integer({ minimum: 1, maximum: MAX_DEPTH, description: 'Deepest split level; the root is level 0.' }),
    minLeaf: Type.Integer({ minimum: 1, description: 'Fewest training rows in a leaf.' }),
    minImpurityDecrease: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Smallest weighted Gini decrease (share of all training rows × decrease) a split must bring.',
    }),
    validationFraction: Type.Number({ minimum: 0, maximum: 0.9, description: 'Share of each class held out for validation.' }),
    seed: Type.Integer({ minimum: 0, maximum: 0xffffffff, description: 'Seed of the validation split.' }),
    maxBins: Type.Integer({ minimum: 2, maximum: 65535, description: 'Most bins per numeric attribute; fewer distinct values are split exactly.' }),
  },
  { additionalProperties: false },
);
export type TreeOptions = Static<typeof TreeOptionsSchema>;

export const DEFAULT_TREE_OPTIONS: Readonly<TreeOptions> = Object.freeze({
  maxDepth: 5,
  minLeaf: 50,
  minImpurityDecrease: 0,
  validationFraction: 0.2,
  seed: 1,
  maxBins: 256,
});

const NumericSplit = Type.Object(
  { attr: Type.String(), lte: Type.Number({ description: 'Rows with value ≤ lte go left (dates: ms since the epoch).' }), missing: Missing },
  { additionalProperties: false },
);
const CategoricalSplit = Type.Object(
  {
    attr: Type.String(),
    in: Type.Array(Type.Union([Type.String(), Type.Boolean()]), {
      minItems: 1,
      description: 'Rows with one of these values go left; every other value goes right.',
    }),
    missing: Missing,
  },
  { additionalProperties: false },
);
const SplitNodeSchema = Type.Object(
  { size: Count, positives: Count, split: Type.Union([NumericSplit, CategoricalSplit]), left: Count, right: Count },
  { additionalProperties: false },
);
const LeafNodeSchema = Type.Object(
  {
    size: Count,
    positives: Count,
    leaf: Count,
    validation: Type.Optional(Type.Object({ size: Count, positives: Count }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
const MetricsSchema = Type.Object(
  {
    rows: Count,
    accuracy: Type.Union([Type.Number(), Type.Null()], { description: 'Share classified correctly when a leaf rate ≥ 0.5 predicts positive.' }),
    auc: Type.Union([Type.Number(), Type.Null()], { description: 'Area under the ROC curve; null when one class is absent.' }),
  },
  { additionalProperties: false },
);

export const TreeModelSchema = Type.Object(
  {
    format: Type.Literal(MODEL_FORMAT),
    version: Type.Literal(MODEL_VERSION),
    target: Type.String({ minLength: 1 }),
    features: Type.Array(
      Type.Object(
        { attr: Type.String({ minLength: 1 }), type: Type.Unsafe<(typeof ATTRIBUTE_TYPES)[number]>({ type: 'string', enum: [...ATTRIBUTE_TYPES] }) },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    options: TreeOptionsSchema,
    rows: Type.Object({ train: Count, validation: Count, excluded: Count }, { additionalProperties: false }),
    baseRate: Type.Number({ minimum: 0, maximum: 1, description: 'Positive rate of the training rows.' }),
    nodes: Type.Array(Type.Union([SplitNodeSchema, LeafNodeSchema]), { minItems: 1, maxItems: 2 ** (MAX_DEPTH + 1) }),
    metrics: Type.Object({ train: MetricsSchema, validation: Type.Union([MetricsSchema, Type.Null()]) }, { additionalProperties: false }),
    importance: Type.Array(Type.Object({ attr: Type.String(), importance: Type.Number() }, { additionalProperties: false }), {
      description: 'Share of the total Gini decrease each attribute brought, largest first.',
    }),
  },
  { additionalProperties: false, description: 'A trained tree, format mofang.insight.tree version 1.' },
);

export type TreeModel = Static<typeof TreeModelSchema>;
export type TreeNode = TreeModel['nodes'][number];
type SplitNode = Static<typeof SplitNodeSchema>;
export type LeafNode = Static<typeof LeafNodeSchema>;
export type Split = SplitNode['split'];
export type TreeMetrics = Static<typeof MetricsSchema>;

export const isLeaf = (node: TreeNode): node is LeafNode => 'leaf' in node;

const validateShape = lazyValidator<TreeModel>(TreeModelSchema, { allErrors: false, strict: false });

/**
 * A model from JSON (a stored model, a file given to the CLI), checked in full: shape, version,
 * that the nodes form one tree, and that every split fits its attribute's type.
 *
 * @throws TREE_MODEL_INVALID naming the first problem
 * @example const model = parseModel(JSON.parse(readFileSync('churn-tree.json', 'utf8')));
 */
export function parseModel(json: unknown): TreeModel {
  const bad = (message: string, details?: Record<string, unknown>) => new MofangError('TREE_MODEL_INVALID', message, details);
  if (typeof json === 'object' && json !== null && 'version' in json && (json as { version: unknown }).version !== MODEL_VERSION) {
    throw bad(`model version ${String((json as { version: unknown }).version)} is not supported (this node reads version ${MODEL_VERSION})`, {
      field: 'version',
    });
  }
  if (!validateShape(json)) {
    const e = validateShape.errors?.[0];
    throw bad(`model${e?.instancePath ?? ''} ${e?.message ?? 'is malformed'}`, { field: e?.instancePath || 'model' });
  }
  const model = json;
  const types = new Map<string, string>();
  for (const f of model.features) {
    if (types.has(f.attr)) throw bad(`attribute ${f.attr} is listed twice`, { field: 'features' });
    types.set(f.attr, f.type);
  }
  const seen = new Uint8Array(model.nodes.length);
  const leaves = new Set<number>();
  seen[0] = 1;
  model.nodes.forEach((node, i) => {
    const at = `/nodes/${i}`;
    if (node.positives > node.size) throw bad(`node ${i} has more positives than rows`, { field: at });
    if (isLeaf(node)) {
      if (leaves.has(node.leaf)) throw bad(`leaf number ${node.leaf} is used twice`, { field: at });
      leaves.add(node.leaf);
      return;
    }
    const { split } = node;
    const type = types.get(split.attr);
    if (type === undefined) throw bad(`node ${i} splits on ${split.attr}, which is not a feature`, { field: at });
    const numeric = type === 'number' || type === 'date';
    if (numeric !== 'lte' in split) throw bad(`node ${i} splits ${type} attribute ${split.attr} the wrong way`, { field: at });
    if ('in' in split && !split.in.every((v) => typeof v === (type === 'boolean' ? 'boolean' : 'string'))) {
      throw bad(`node ${i} lists values that are not ${type}s`, { field: at });
    }
    for (const child of [node.left, node.right]) {
      // Children after their parent, each reached once: the nodes form one tree, no cycle.
      if (child <= i || child >= model.nodes.length || seen[child]) throw bad(`node ${i} has an invalid child ${child}`, { field: at });
      seen[child] = 1;
    }
  });
  if (seen.some((s) => s === 0)) throw bad('a node is not reachable from the root', { field: 'nodes' });
  for (let k = 0; k < leaves.size; k++) if (!leaves.has(k)) throw bad(`leaf numbers are not 0..${leaves.size - 1}`, { field: 'nodes' });
  return model;
}

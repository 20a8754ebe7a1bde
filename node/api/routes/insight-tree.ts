/**
 * Decision trees: train a CART tree on a dataset's profiles, read its
 * leaves as candidate segments, score every profile into a score attribute (e.g. churn risk), and
 * save a leaf as a segment. Operators change state; compliance may read models.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { TreeModelSchema, TreeOptionsSchema } from '../../insight/tree/model.js';
import { MAX_TREE_ATTRIBUTES, SCORE_ATTRIBUTE } from '../../insight/tree/service.js';
import { actorOf } from '../auth.js';
import type { NodeServices } from '../services.js';
import { DatasetName } from '../schemas.js';

const TreeId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Tree model id (lowercase UUID).' });
const AttributeName = Type.String({ minLength: 1, maxLength: 200 });
const Count = Type.Integer({ minimum: 0 });

const TrainInput = Type.Object(
  {
    dataset: DatasetName,
    target: Type.String({ minLength: 1, maxLength: 200, description: 'A boolean profile attribute, e.g. churned.' }),
    attributes: Type.Array(AttributeName, {
      minItems: 1,
      maxItems: MAX_TREE_ATTRIBUTES,
      description: 'Candidate attributes (dataset columns or usable joint attributes).',
    }),
    options: Type.Optional(Type.Partial(TreeOptionsSchema, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const CandidateSegment = Type.Object({
  leaf: Count,
  rule: Type.Unsafe<unknown>({ description: 'The leaf path as a segment rule ({ all: [...] }); null when the tree is a single leaf.' }),
  size: Count,
  positives: Count,
  positiveRate: Type.Number(),
  lift: Type.Number({ description: 'positiveRate over the training base rate.' }),
  validation: Type.Optional(Type.Object({ size: Count, positives: Count, positiveRate: Type.Union([Type.Number(), Type.Null()]) })),
});

const TreeMeta = {
  id: TreeId,
  dataset: Type.String(),
  generation: Count,
  target: Type.String(),
  trainMs: Count,
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
};
const TreeView = Type.Object({ ...TreeMeta, model: TreeModelSchema, leaves: Type.Array(CandidateSegment) });
const TreeSummary = Type.Object({ ...TreeMeta, leafCount: Count, validationAuc: Type.Union([Type.Number(), Type.Null()]) });

const ScoreInput = Type.Object(
  { attribute: Type.String({ pattern: SCORE_ATTRIBUTE.source, description: 'Name of the score attribute to write, e.g. churn_risk.' }) },
  { additionalProperties: false },
);
const ScoreReport = Type.Object({
  dataset: Type.String(),
  attribute: Type.String(),
  modelId: TreeId,
  generation: Count,
  rowCount: Count,
  scoredBy: Type.String(),
  scoredAt: Type.String({ format: 'date-time' }),
  mean: Type.Union([Type.Number(), Type.Null()]),
  min: Type.Union([Type.Number(), Type.Null()]),
  max: Type.Union([Type.Number(), Type.Null()]),
});

const SaveLeafInput = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64, description: 'Segment name.' }), description: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);
const SavedSegment = Type.Object({
  name: Type.String(),
  dataset: Type.String(),
  version: Count,
  description: Type.String(),
  rule: Type.Unsafe<unknown>({ description: 'The segment rule.' }),
  size: Type.Union([Count, Type.Null()]),
  materialisedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const ById = Type.Object({ id: TreeId });
const ByLeaf = Type.Object({ id: TreeId, leaf: Type.Integer({ minimum: 0, maximum: 1 << 20 }) });
const ListQuery = Type.Object({ dataset: Type.Optional(DatasetName), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) });

export const insightTreeRoutes: FastifyPluginAsync<{ services: NodeServices }> = async (app, { services }) => {
  const tags = ['insight'];
  const { trees } = services;

  app.post<{ Body: Static<typeof TrainInput> }>(
    '/insight/trees',
    {
      config: { roles: ['operator'] },
      schema: {
        tags,
        summary: 'Train a decision tree on a dataset',
        description:
          'CART with Gini impurity on the dataset profiles: a boolean target, candidate attributes, limits (maxDepth, minLeaf, minImpurityDecrease), ' +
          'a seeded stratified validation split. Returns the model with validation accuracy and AUC, attribute importance, and its leaves as candidate segments.',
        body: TrainInput,
        response: { 201: TreeView },
      },
    },
    async (request, reply) => {
      const tree = await trees.train(request.body, actorOf(request));
      return reply.code(201).header('location', `/v1/insight/trees/${tree.id}`).send(tree);
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/insight/trees',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags, summary: 'List trained trees, newest first', querystring: ListQuery, response: { 200: Type.Object({ trees: Type.Array(TreeSummary) }) } },
    },
    async (request) => ({ trees: trees.list({ dataset: request.query.dataset, limit: request.query.limit }) }),
  );

  app.get<{ Params: Static<typeof ById> }>(
    '/insight/trees/:id',
    {
      config: { roles: ['operator', 'compliance'] },
      schema: { tags, summary: 'Get a tree: model, metrics and leaves', params: ById, response: { 200: TreeView } },
    },
    async (request) => trees.get(request.params.id),
  );

  app.post<{ Params: Static<typeof ById>; Body: Static<typeof ScoreInput> }>(
    '/insight/trees/:id/score',
    {
      config: { roles: ['operator'] },
      schema: {
        tags,
        summary: 'Score every profile into an attribute',
        description:
          "Writes the model's probability of the target for every profile of the dataset's live generation as the attribute, replacing its previous values.",
        params: ById,
        body: ScoreInput,
        response: { 200: ScoreReport },
      },
    },
    async (request) => trees.score(request.params.id, request.body, actorOf(request)),
  );

  app.post<{ Params: Static<typeof ByLeaf>; Body: Static<typeof SaveLeafInput> }>(
    '/insight/trees/:id/leaves/:leaf/segment',
    {
      config: { roles: ['operator'] },
      schema: { tags, summary: 'Save a leaf as a segment', params: ByLeaf, body: SaveLeafInput, response: { 201: SavedSegment } },
    },
    async (request, reply) => {
      const s = await trees.saveLeaf(request.params.id, request.params.leaf, request.body, actorOf(request));
      return reply.code(201).send({
        name: s.name,
        dataset: s.dataset,
        version: s.version,
        description: s.description,
        rule: s.rule,
        size: s.latest?.size ?? null,
        materialisedAt: s.latest?.at ?? null,
      });
    },
  );
};

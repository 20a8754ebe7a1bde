/**
 * HTTP API of organisation units under /v1/insight/units: admins manage the tree and say which
 * dataset attribute holds a customer's unit; every role may read the tree (a token's unit is
 * meaningless without it).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../auth.js';
import type { Insight } from '../../insight/insight.js';
import { DatasetParam, UnitId } from './insight-schemas.js';

const ADMIN = { roles: ['admin'] as const };
const ANY = { roles: ['admin', 'operator', 'compliance'] as const };

const Unit = Type.Object({
  id: Type.String(),
  name: Type.String(),
  parent: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
const AddUnit = Type.Object(
  { id: UnitId, name: Type.String({ minLength: 1, maxLength: 200 }), parent: Type.Optional(UnitId) },
  { additionalProperties: false },
);
const UnitAttribute = Type.Object({ dataset: Type.String(), attribute: Type.String(), setBy: Type.String(), setAt: Type.String({ format: 'date-time' }) });
const SetUnitAttribute = Type.Object({ attribute: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const unitRoutes: FastifyPluginAsync<{ insight: Insight }> = async (app, options) => {
  const { insight } = options;
  const tags = ['insight units'];

  app.get(
    '/insight/units',
    {
      config: ANY,
      schema: {
        tags,
        summary: 'The organisation units, head office first, parents before children',
        response: { 200: Type.Object({ units: Type.Array(Unit) }) },
      },
    },
    async () => ({ units: insight.listUnits() }),
  );

  app.post<{ Body: Static<typeof AddUnit> }>(
    '/insight/units',
    {
      config: ADMIN,
      schema: {
        tags,
        summary: 'Add a unit: the first is the head office (no parent), every later one names its parent',
        body: AddUnit,
        response: { 201: Unit },
      },
    },
    async (r, reply) => reply.code(201).send(insight.addUnit(r.body, actorOf(r))),
  );

  app.put<{ Params: Static<typeof DatasetParam>; Body: Static<typeof SetUnitAttribute> }>(
    '/insight/units/datasets/:dataset/attribute',
    {
      config: ADMIN,
      schema: {
        tags,
        summary: "Name the dataset's string column holding each customer's unit id",
        description: 'Unit-scoped tokens see a dataset only once it has a unit attribute, and then only customers whose unit is in their scope.',
        params: DatasetParam,
        body: SetUnitAttribute,
        response: { 200: UnitAttribute },
      },
    },
    async (r) => insight.setUnitAttribute(r.params.dataset, r.body.attribute, actorOf(r)),
  );

  app.get<{ Params: Static<typeof DatasetParam> }>(
    '/insight/units/datasets/:dataset/attribute',
    {
      config: ANY,
      schema: {
        tags,
        summary: "The dataset's unit attribute (null: none set)",
        params: DatasetParam,
        response: { 200: Type.Object({ unitAttribute: Type.Union([UnitAttribute, Type.Null()]) }) },
      },
    },
    async (r) => ({ unitAttribute: insight.getUnitAttribute(r.params.dataset) }),
  );
};

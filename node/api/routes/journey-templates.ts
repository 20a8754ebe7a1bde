/**
 * Campaign templates (`/v1/journey-templates`): save versions, read, instantiate, list instances,
 * publish to units. Operators write; operators and compliance read. The templates service checks
 * every template and every set of values and audits every change; problems come back in
 * `error.details.problems` as journey problems do (docs/journeys.md, Campaign templates).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { PARAM_TYPES } from '../../journeys/templates/params.js';
import type { TemplatesApi } from '../../journeys/templates/service.js';
import { actorOf } from '../auth.js';
import { Graph, Journey, Nullable } from './journeys.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

const Parameter = Type.Object({
  name: Type.String(),
  type: Type.Union(PARAM_TYPES.map((t) => Type.Literal(t))),
  label: Type.String(),
  required: Type.Boolean(),
  default: Type.Optional(Scalar),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  maxLength: Type.Optional(Type.Integer()),
});
const Audience = Type.Union([Type.Object({ all: Type.Literal(true) }), Type.Object({ units: Type.Array(Type.String()) })]);
const Publication = Type.Object({
  seq: Type.Integer(),
  version: Type.Integer(),
  publisher: Type.String(),
  audience: Audience,
  publishedBy: Type.String(),
  publishedAt: Type.String(),
});
const Template = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  unit: Nullable(Type.String()),
  latestVersion: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String(),
  access: Type.Union([Type.Literal('owner'), Type.Literal('received')], { description: "owner: in the caller's scope; received: published to its unit." }),
  publication: Nullable(Publication),
});
const versionFields = {
  version: Type.Integer(),
  contentSha256: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  nodes: Type.Integer(),
  parameters: Type.Array(Parameter),
};
const Version = Type.Object(versionFields);
const VersionWithGraph = Type.Object({ ...versionFields, graph: Graph });
const Saved = Type.Object({
  template: Type.Omit(Template, ['access', 'publication']),
  version: Version,
  changed: Type.Boolean({ description: "False when the content equals the latest version's: no version was added." }),
});
const Instance = Type.Object({
  journey: Type.Pick(Journey, ['id', 'name', 'unit', 'status', 'latestVersion', 'liveVersion']),
  templateVersion: Type.Integer(),
  startsAt: Nullable(Type.String()),
  endsAt: Nullable(Type.String()),
  valuesSha256: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  results: Nullable(
    Type.Object(
      { entered: Type.Integer(), active: Type.Integer(), converted: Type.Integer(), sent: Type.Integer() },
      { description: 'From the engine; null until it runs journeys.' },
    ),
  ),
});

const Parameters = Type.Array(Type.Object({}, { additionalProperties: true }), {
  description: 'The declarations: { name, type, label, required, default?, min?, max?, maxLength? }.',
});
const NewTemplate = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Lower-case letters, digits, _ and -.' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    graph: Graph,
    parameters: Parameters,
  },
  { additionalProperties: false },
);
const VersionBody = Type.Object({ graph: Graph, parameters: Parameters }, { additionalProperties: false });
const InstantiateBody = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: "The new journey's name." }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    values: Type.Object({}, { additionalProperties: true, description: 'Parameter name → value; parameters left out take their defaults.' }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    unit: Type.Optional(Type.String({ maxLength: 64, description: "The unit the journey belongs to (within the caller's scope); default: the caller's." })),
    startsAt: Type.Optional(Type.String({ maxLength: 40 })),
    endsAt: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
const PublishBody = Type.Object(
  {
    to: Type.Union([Type.Literal('all'), Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 1000 })]),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

export const templateRoutes: FastifyPluginAsync<{ templates: TemplatesApi }> = async (app, { templates }) => {
  const tags = ['journey-templates'];

  app.get(
    '/journey-templates',
    {
      config: READ,
      schema: {
        tags,
        summary: "Templates in the caller's scope and those published to its unit",
        response: { 200: Type.Object({ templates: Type.Array(Template) }) },
      },
    },
    async (r) => ({ templates: templates.list(actorOf(r)) }),
  );

  app.post<{ Body: Static<typeof NewTemplate> }>(
    '/journey-templates',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Create a template: its graph and parameters become version 1',
        description: 'Checked first; a template with problems is refused with TEMPLATE_INVALID listing every problem. Audited.',
        body: NewTemplate,
        response: { 201: Saved },
      },
    },
    async (r, reply) => reply.code(201).send(await templates.create(r.body, actorOf(r))),
  );

  app.get<{ Params: Static<typeof IdParam>; Querystring: Static<typeof VersionQuery> }>(
    '/journey-templates/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A template with a version, its graph and parameters (the latest the caller may see, or ?version=n)',
        params: IdParam,
        querystring: VersionQuery,
        response: { 200: Type.Object({ template: Template, version: VersionWithGraph }) },
      },
    },
    async (r) => {
      const actor = actorOf(r);
      return { template: templates.get(r.params.id, actor), version: templates.version(r.params.id, r.query.version, actor) };
    },
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/journey-templates/:id/versions',
    {
      config: READ,
      schema: {
        tags,
        summary: "A template's versions, newest first (a receiving unit: the published one)",
        params: IdParam,
        response: { 200: Type.Object({ versions: Type.Array(Version) }) },
      },
    },
    async (r) => ({ versions: templates.versions(r.params.id, actorOf(r)) }),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof VersionBody> }>(
    '/journey-templates/:id/versions',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Save a new version; unchanged content adds none',
        description: 'Checked like a new template. Instances keep the version they were filled from. Audited.',
        params: IdParam,
        body: VersionBody,
        response: { 200: Saved, 201: Saved },
      },
    },
    async (r, reply) => {
      const saved = await templates.saveVersion(r.params.id, r.body, actorOf(r));
      return reply.code(saved.changed ? 201 : 200).send(saved);
    },
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof InstantiateBody> }>(
    '/journey-templates/:id/instances',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Instantiate: fill the parameters and create a journey (a draft) in the unit',
        description:
          'Values are checked against the declarations (TEMPLATE_VALUES_INVALID names each parameter), then the filled journey is validated in full (JOURNEY_INVALID). Publish it through /v1/journeys/:id/publish. Audited with a digest of the values, never the values.',
        params: IdParam,
        body: InstantiateBody,
        response: { 201: Instance },
      },
    },
    async (r, reply) => reply.code(201).send(await templates.instantiate(r.params.id, r.body, actorOf(r))),
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/journey-templates/:id/instances',
    {
      config: READ,
      schema: {
        tags,
        summary: "The template's instances in the caller's scope, with their state and results",
        params: IdParam,
        response: { 200: Type.Object({ instances: Type.Array(Instance) }) },
      },
    },
    async (r) => ({ instances: templates.instances(r.params.id, actorOf(r)) }),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof PublishBody> }>(
    '/journey-templates/:id/publish',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Publish a version to every unit below the template's unit, or to chosen units below it",
        description:
          'As shared segment sets are published. The latest publication is what the units see; the same version and audience again publishes nothing. Audited.',
        params: IdParam,
        body: PublishBody,
        response: { 200: Type.Object({ template: Template, publication: Publication, changed: Type.Boolean() }) },
      },
    },
    async (r) => templates.publish(r.params.id, r.body, actorOf(r)),
  );
};

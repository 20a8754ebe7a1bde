/**
 * Journeys (`/v1/journeys`): create, save versions, validate, read, and change the state.
 * Operators write; operators and compliance read (validation stores nothing, so both may run it).
 * The journeys service validates every graph and audits every change; a graph with problems is
 * refused with JOURNEY_INVALID and the problems in `error.details.problems` (docs/journeys.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CHANNELS, COMPONENTS } from '../../journeys/components.js';
import { JOURNEY_STATUSES } from '../../journeys/store.js';
import { API_ENTRY_MAX } from '../../journeys/engine/engine.js';
import type { JourneysApi, JourneyTransition } from '../../journeys/service.js';
import { actorOf } from '../auth.js';

const READ = { roles: ['operator', 'compliance'] as const };
const WRITE = { roles: ['operator'] as const };

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IdParam = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const Graph = Type.Object(
  {},
  { additionalProperties: true, description: 'The journey as JSON: { dataset, nodes: [{ id, type, params, next?, label?, position? }] } (docs/journeys.md).' },
);

export const Journey = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  unit: Nullable(Type.String()),
  status: Type.Union(JOURNEY_STATUSES.map((s) => Type.Literal(s))),
  latestVersion: Type.Integer(),
  liveVersion: Nullable(Type.Integer()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String(),
});

const versionFields = {
  version: Type.Integer(),
  graphSha256: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  publishedAt: Nullable(Type.String()),
  state: Type.Union([Type.Literal('live'), Type.Literal('draft'), Type.Literal('superseded')]),
  nodes: Type.Integer(),
};
const Version = Type.Object(versionFields);
const VersionWithGraph = Type.Object({ ...versionFields, graph: Graph });

const Saved = Type.Object({
  journey: Journey,
  version: Version,
  changed: Type.Boolean({ description: "False when the graph equals the latest version's: no version was added." }),
});

const Problem = Type.Object({
  nodeId: Type.Optional(Type.String()),
  param: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
});

const Component = Type.Object({
  type: Type.String(),
  kind: Type.Union([Type.Literal('entry'), Type.Literal('judgment'), Type.Literal('control'), Type.Literal('action')]),
  summary: Type.String(),
  openEnded: Type.Boolean({ description: 'The out outlet may be left open: the path ends after the action.' }),
  outlets: Type.Object(
    {
      perKeyOf: Type.Optional(Type.String({ description: 'One outlet per key of the items of this list parameter, first.' })),
      fixed: Type.Array(Type.String()),
      when: Type.Optional(Type.Object({ outlet: Type.String(), param: Type.String(), equals: Type.String() })),
    },
    { description: 'The outlets of a node of this type: per key, then fixed, then the conditional one.' },
  ),
  params: Type.Object({}, { additionalProperties: true, description: "The JSON Schema of the component's parameters." }),
});

/** The palette a canvas offers, as data: computed once, it never changes while the node runs. */
const palette = () => ({
  channels: [...CHANNELS],
  components: Object.entries(COMPONENTS).map(([type, c]) => ({
    type,
    kind: c.kind,
    summary: c.summary,
    openEnded: 'openEnded' in c,
    outlets: c.outlets,
    params: JSON.parse(JSON.stringify(c.params)) as object,
  })),
});

const NewJourney = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Lower-case letters, digits, _ and -.' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    graph: Graph,
  },
  { additionalProperties: false },
);
const GraphBody = Type.Object({ graph: Graph }, { additionalProperties: false });
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

export const journeyRoutes: FastifyPluginAsync<{ journeys: JourneysApi }> = async (app, { journeys }) => {
  const tags = ['journeys'];

  app.get(
    '/journeys',
    { config: READ, schema: { tags, summary: "Journeys in the caller's unit scope", response: { 200: Type.Object({ journeys: Type.Array(Journey) }) } } },
    async (r) => ({ journeys: journeys.list(actorOf(r)) }),
  );

  let components: ReturnType<typeof palette> | undefined;
  app.get(
    '/journeys/components',
    {
      config: READ,
      schema: {
        tags,
        summary: 'The components a journey is built from: kind, outlets and the JSON Schema of the parameters of each, and the channels',
        response: { 200: Type.Object({ channels: Type.Array(Type.String()), components: Type.Array(Component) }) },
      },
    },
    async () => (components ??= palette()),
  );

  app.post<{ Body: Static<typeof NewJourney> }>(
    '/journeys',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Create a journey: its graph becomes version 1, a draft',
        description: 'The graph is validated first; a graph with problems is refused with JOURNEY_INVALID listing every problem. Audited.',
        body: NewJourney,
        response: { 201: Saved },
      },
    },
    async (r, reply) => reply.code(201).send(await journeys.create(r.body, actorOf(r))),
  );

  app.post<{ Body: Static<typeof GraphBody> }>(
    '/journeys/validate',
    {
      config: READ,
      schema: {
        tags,
        summary: "Validate a graph without saving it, in the caller's scope",
        body: GraphBody,
        response: { 200: Type.Object({ valid: Type.Boolean(), problems: Type.Array(Problem) }) },
      },
    },
    async (r) => journeys.validate(r.body.graph, actorOf(r)),
  );

  app.get<{ Params: Static<typeof IdParam>; Querystring: Static<typeof VersionQuery> }>(
    '/journeys/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A journey with a version and its graph (the latest, or ?version=n)',
        params: IdParam,
        querystring: VersionQuery,
        response: { 200: Type.Object({ journey: Journey, version: VersionWithGraph }) },
      },
    },
    async (r) => {
      const actor = actorOf(r);
      return { journey: journeys.get(r.params.id, actor), version: journeys.version(r.params.id, r.query.version, actor) };
    },
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/journeys/:id/versions',
    {
      config: READ,
      schema: { tags, summary: "A journey's versions, newest first", params: IdParam, response: { 200: Type.Object({ versions: Type.Array(Version) }) } },
    },
    async (r) => ({ versions: journeys.versions(r.params.id, actorOf(r)) }),
  );

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof GraphBody> }>(
    '/journeys/:id/versions',
    {
      config: WRITE,
      schema: {
        tags,
        summary: 'Save a new version (a draft until published); an unchanged graph adds none',
        description: 'Validated like a new journey. Editing a published journey adds a draft; the live version stays until the next publish. Audited.',
        params: IdParam,
        body: GraphBody,
        response: { 200: Saved, 201: Saved },
      },
    },
    async (r, reply) => {
      const saved = await journeys.saveVersion(r.params.id, r.body.graph, actorOf(r));
      return reply.code(saved.changed ? 201 : 200).send(saved);
    },
  );

  const transitions: [JourneyTransition, string][] = [
    ['publish', 'Publish the latest version (validated again); it becomes the live one'],
    ['pause', 'Pause a published journey'],
    ['resume', 'Resume a paused journey'],
    ['stop', 'Stop a journey for good'],
  ];
  for (const [change, summary] of transitions) {
    app.post<{ Params: Static<typeof IdParam> }>(
      `/journeys/:id/${change}`,
      {
        config: WRITE,
        schema: {
          tags,
          summary,
          description:
            'Records the state (audited) and the engine acts on it: publish runs the segment entry (and, with { "migrate": { "<old node>": "<new node>" } }, moves entries of older versions); pause holds entries; resume continues; stop ends every entry (docs/journeys.md, The engine).',
          params: IdParam,
          response: { 200: Journey },
        },
      },
      async (r) => journeys.transition(r.params.id, change, actorOf(r), change === 'publish' ? { migrate: migrationOf(r.body) } : {}),
    );
  }

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof ApiEntry> }>(
    '/journeys/:id/entries',
    {
      config: WRITE,
      schema: {
        tags,
        summary: "Enter customers through the live version's API entry",
        description: `Up to ${API_ENTRY_MAX} identifiers, normalised as the dataset's; those naming no customer are reported by their index, never echoed. A requestId makes a retry harmless. Audited with the counts.`,
        params: IdParam,
        body: ApiEntry,
        response: { 200: Type.Object({ entered: Type.Integer(), skipped: Type.Integer(), unknown: Type.Array(Type.Integer()) }) },
      },
    },
    async (r) => journeys.enter(r.params.id, r.body, actorOf(r)),
  );

  app.post<{ Params: Static<typeof IdParam> }>(
    '/journeys/:id/dry-run',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Run the live (else latest) version over current data without writing state or messages: customers per node and outcome',
        params: IdParam,
        response: { 200: Type.Object({ journey: Type.Integer(), version: Type.Integer(), entered: Type.Integer(), nodes: Type.Array(NodeCount) }) },
      },
    },
    async (r) => journeys.dryRun(r.params.id, actorOf(r)),
  );

  app.get<{ Params: Static<typeof IdParam> }>(
    '/journeys/:id/report',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Entries by status, and customers per version, node and outcome',
        params: IdParam,
        response: {
          200: Type.Object({
            journey: Type.Integer(),
            statuses: Type.Array(Type.Object({ status: Type.String(), count: Type.Integer() })),
            nodes: Type.Array(Type.Object({ ...NodeCount.properties, version: Type.Integer() })),
          }),
        },
      },
    },
    async (r) => journeys.report(r.params.id, actorOf(r)),
  );

  app.get<{ Params: Static<typeof EntryParam> }>(
    '/journeys/:id/entries/:entry',
    {
      config: READ,
      schema: {
        tags,
        summary: "One entry's state and path (without the customer's identifier)",
        params: EntryParam,
        response: {
          200: Type.Object({
            id: Type.Integer(),
            journey: Type.Integer(),
            version: Type.Integer(),
            status: Type.String(),
            node: Type.String(),
            enteredAt: Type.String(),
            wakeAt: Nullable(Type.String()),
            waitingFor: Nullable(Type.String()),
            variant: Nullable(Type.String()),
            exitReason: Nullable(Type.String()),
            steps: Type.Array(Type.Object({ seq: Type.Integer(), node: Type.String(), outcome: Type.String(), at: Type.String() })),
          }),
        },
      },
    },
    async (r) => journeys.entry(r.params.id, r.params.entry, actorOf(r)),
  );
};

const ApiEntry = Type.Object(
  {
    customers: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: API_ENTRY_MAX }),
    name: Type.Optional(Type.String({ maxLength: 64, description: "The API entry node's name, when the journey has several." })),
    requestId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,100}$', description: 'The same id again enters nobody twice.' })),
  },
  { additionalProperties: false },
);
const EntryParam = Type.Object({ id: Type.Integer({ minimum: 1 }), entry: Type.Integer({ minimum: 1 }) });
const NodeCount = Type.Object({ node: Type.String(), outcome: Type.String(), count: Type.Integer() });

/** The optional `migrate` of a publish body (the engine checks its shape). */
const migrationOf = (body: unknown): unknown => (typeof body === 'object' && body !== null ? (body as { migrate?: unknown }).migrate : undefined);

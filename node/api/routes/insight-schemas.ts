/** Wire shapes of the insight API (TypeBox → JSON Schema; responses are serialised through them). */
import { Type, type TSchema } from '@sinclair/typebox';
import { LayeringSpecSchema } from '../../insight/layering/spec.js';
import { PROFILE_TYPES } from '../../insight/profiles/types.js';
import { MAX_REFRESH_MINUTES } from '../../insight/segments/store.js';
import { FLOW_EVERY } from '../../insight/flows/schedule.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Scalar = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);
export const Name = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$', description: 'Lower-case letters, digits, _ and -; starts with a letter.' });
export const DatasetParam = Type.Object({ dataset: Name });
export const UnitId = Type.String({
  pattern: '^[a-z][a-z0-9-]{0,23}$',
  description: 'An organisation unit id: lower-case letters, digits and -; starts with a letter.',
});
/** The unit a segment, layering or flow belongs to (evaluated in its scope); null: the whole organisation. */
const OwnerUnit = Nullable(Type.String());
export const NameParam = Type.Object({ name: Name });
/** Rules are checked by the rule compiler, whose errors name the rule path; here only "an object". */
const RuleBody = Type.Object(
  {},
  { additionalProperties: true, description: 'A rule tree (docs/insight.md): { all }, { any }, { not }, { attr, op, … } or { segment }.' },
);
const RuleOut = Type.Unknown({ description: 'A rule tree.' });
const Refresh = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_REFRESH_MINUTES }), Type.Null()], {
  description: 'Refresh on this schedule, in minutes; null: by hand only.',
});

const Attribute = Type.Object({
  name: Type.String(),
  type: Type.Unsafe<(typeof PROFILE_TYPES)[number]>({ type: 'string', enum: [...PROFILE_TYPES] }),
  source: Type.Unsafe<'dataset' | 'joint' | 'score'>({ type: 'string', enum: ['dataset', 'joint', 'score'] }),
  values: Type.Optional(Type.Array(Type.String())),
  joint: Type.Optional(Type.Object({ agreementIds: Type.Array(Type.String()), runId: Type.String(), at: Type.String(), count: Type.Integer() })),
  score: Type.Optional(
    Type.Object(
      { modelId: Type.String(), generation: Type.Integer(), scoredAt: Type.String() },
      { description: 'Score attributes: the model that wrote them and the (live) generation it scored.' },
    ),
  ),
});
const Withheld = Type.Object({
  name: Type.String(),
  agreementIds: Type.Array(Type.String()),
  reason: Type.String(),
  modelId: Type.Optional(Type.String({ description: 'A withheld score attribute: the model that wrote it.' })),
});

export const AttributeCatalogue = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  rowCount: Type.Integer(),
  builtAt: Timestamp,
  attributes: Type.Array(Attribute),
  withheld: Type.Array(Withheld),
});

export const ProfileBuild = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  rowCount: Type.Integer(),
  builtAt: Timestamp,
  buildMs: Type.Integer(),
});

export const LookupBody = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 512, description: 'The identifier, in any form its kind accepts (it is normalised).' }) },
  { additionalProperties: false },
);
export const ProfileView = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  idMasked: Type.String(),
  row: Type.Integer(),
  attributes: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), value: Scalar, source: Type.Record(Type.String(), Type.Unknown()) })),
  withheld: Type.Array(Withheld),
});

export const PreviewBody = Type.Object(
  { dataset: Name, rule: RuleBody, sample: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })) },
  { additionalProperties: false },
);
export const PreviewView = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  size: Type.Integer(),
  population: Type.Integer(),
  sample: Type.Array(Type.Object({ idMasked: Type.String(), values: Type.Record(Type.String(), Scalar) })),
});

const Materialisation = Type.Object({
  id: Type.Integer(),
  version: Type.Integer(),
  generation: Type.Integer(),
  size: Type.Integer(),
  population: Type.Integer(),
  at: Timestamp,
  trigger: Type.String(),
  durationMs: Type.Integer(),
});
export const MaterialisationView = Materialisation;
export const SegmentView = Type.Object({
  name: Type.String(),
  dataset: Type.String(),
  version: Type.Integer(),
  rule: RuleOut,
  description: Type.String(),
  unit: OwnerUnit,
  refreshEveryMinutes: Nullable(Type.Integer()),
  nextRefreshAt: Nullable(Timestamp),
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  latest: Nullable(Materialisation),
});
export const SegmentVersions = Type.Object({
  versions: Type.Array(
    Type.Object({ version: Type.Integer(), rule: RuleOut, createdBy: Type.String(), createdAt: Timestamp, sizes: Type.Array(Materialisation) }),
  ),
});
export const CreateSegment = Type.Object(
  { name: Name, dataset: Name, rule: RuleBody, description: Type.Optional(Type.String({ maxLength: 2000 })), refreshEveryMinutes: Type.Optional(Refresh) },
  { additionalProperties: false },
);
export const UpdateSegment = Type.Object(
  { rule: Type.Optional(RuleBody), description: Type.Optional(Type.String({ maxLength: 2000 })), refreshEveryMinutes: Type.Optional(Refresh) },
  { additionalProperties: false, minProperties: 1 },
);
export const SegmentListQuery = Type.Object({ dataset: Type.Optional(Name) }, { additionalProperties: false });

const Cell: ReturnType<typeof Type.Recursive> = Type.Recursive(
  (Self) =>
    Type.Object({
      label: Type.String(),
      path: Type.Array(Type.String()),
      rule: RuleOut,
      size: Type.Integer(),
      shareOfParent: Type.Number(),
      metrics: Type.Record(Type.String(), Nullable(Type.Number())),
      children: Type.Array(Self),
    }),
  { $id: 'LayerCell' },
);
export const LayeringResult = Type.Object({
  dataset: Type.String(),
  generation: Type.Integer(),
  at: Timestamp,
  root: Cell,
  leaves: Type.Integer(),
  durationMs: Type.Integer(),
});
export const RunLayeringBody = Type.Object({ dataset: Name, spec: LayeringSpecSchema }, { additionalProperties: false });
export const SaveLayeringBody = Type.Object({ name: Name, dataset: Name, spec: LayeringSpecSchema }, { additionalProperties: false });
export const ReplaceLayeringBody = Type.Object({ dataset: Name, spec: LayeringSpecSchema }, { additionalProperties: false });
export const LayeringView = Type.Object({
  name: Type.String(),
  dataset: Type.String(),
  spec: Type.Unknown(),
  unit: OwnerUnit,
  createdBy: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const CellSegmentBody = Type.Object(
  {
    path: Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 8 }),
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    refreshEveryMinutes: Type.Optional(Refresh),
  },
  { additionalProperties: false },
);

const FlowSource = Type.Union([
  Type.Object({ segments: Type.Array(Name, { minItems: 1, maxItems: 199, uniqueItems: true }) }, { additionalProperties: false }),
  Type.Object({ layering: Name }, { additionalProperties: false }),
]);
const Every = Type.Union([Type.Unsafe<(typeof FLOW_EVERY)[number]>({ type: 'string', enum: [...FLOW_EVERY] }), Type.Null()], {
  description: 'Snapshot once per day (2026-11-25), ISO week (2026-W48) or month (2026-11), UTC, labelled so; null: by hand only.',
});
export const CreateFlow = Type.Object({ name: Name, dataset: Name, source: FlowSource, every: Type.Optional(Every) }, { additionalProperties: false });
export const UpdateFlow = Type.Object({ every: Every }, { additionalProperties: false });
export const FlowView = Type.Object({
  name: Type.String(),
  dataset: Type.String(),
  source: Type.Unknown(),
  unit: OwnerUnit,
  every: Every,
  createdBy: Type.String(),
  createdAt: Timestamp,
});
export const SnapshotView = Type.Object({
  id: Type.Integer(),
  flow: Type.String(),
  period: Type.String(),
  generation: Type.Integer(),
  population: Type.Integer(),
  labels: Type.Array(Type.String()),
  sizes: Type.Array(Type.Integer()),
  collisions: Type.Integer(),
  takenAt: Timestamp,
  takenBy: Type.String(),
});
export const SnapshotBody = Type.Object(
  { period: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$', description: 'Default: today (UTC), YYYY-MM-DD.' })) },
  { additionalProperties: false },
);
export const MatrixQuery = Type.Object({ from: Type.String({ maxLength: 64 }), to: Type.String({ maxLength: 64 }) }, { additionalProperties: false });
export const MatrixView = Type.Object({
  flow: Type.String(),
  from: SnapshotView,
  to: SnapshotView,
  labels: Type.Array(Type.String()),
  counts: Type.Array(Type.Array(Type.Integer())),
  rates: Type.Array(Type.Array(Type.Number())),
  departed: Type.Array(Type.Integer()),
  arrived: Type.Array(Type.Integer()),
  durationMs: Type.Integer(),
});

/** The attribute types of profiles: the import's four plus `enum` (a string column with few values). */
export const PROFILE_TYPES = ['number', 'string', 'boolean', 'date', 'enum'] as const;
export type ProfileType = (typeof PROFILE_TYPES)[number];

/** A dataset column as stored in the typed profile table. */
export interface ProfileColumn {
  name: string;
  type: ProfileType;
  /** SQL column of the profile table: `a<i>`, never derived from the name. */
  column: string;
  /** Enum only: its values, sorted. */
  values?: string[];
}

/** Where a joint attribute came from (datasets/joint-attributes.ts). */
interface JointProvenance {
  /** One agreement for enrich; several for a combined (intersect) audience. */
  agreementIds: string[];
  /** The run (or intersect job) that wrote the current values. */
  runId: string;
  /** When the values were written. */
  at: string;
  /** Customers with a value, true or false for a flag (including ones no longer in the dataset). */
  count: number;
}

/** Where a score attribute came from (insight_tree_score_attributes): the model and when it scored. */
interface ScoreProvenance {
  /** The decision tree (model) that wrote the scores. */
  modelId: string;
  /** The generation it scored: always the live one for a usable score attribute. */
  generation: number;
  scoredAt: string;
}

/** One attribute a rule, a layering or a profile lookup may use. */
export interface ProfileAttribute {
  name: string;
  type: ProfileType;
  source: 'dataset' | 'joint' | 'score';
  /** Dataset attributes: the profile table column. */
  column?: string;
  /** Enum values (dataset enums). */
  values?: string[];
  joint?: JointProvenance;
  /** Score attributes (always `number`): the model's probability of its target. */
  score?: ScoreProvenance;
}

/**
 * A joint attribute the agreement behind it does not (or no longer) allows this node to use, or a
 * score attribute that does not describe the live generation (`modelId` set, `agreementIds` empty).
 */
export interface WithheldAttribute {
  name: string;
  agreementIds: string[];
  reason: string;
  /** Score attributes: the model that wrote the withheld scores. */
  modelId?: string;
}

/** Enum: string columns with at most this many distinct values. */
export const ENUM_MAX_VALUES = 64;
/** Identifier of a built profile table; checked before it is put into SQL text. */
export const PROFILE_TABLE = /^insight_profiles_[0-9]{1,15}_[0-9a-f]{12}$/;
/** Identifier of a profile column. */
export const PROFILE_COLUMN = /^a[0-9]{1,4}$/;

/**
 * A journey as JSON: the dataset whose customers it handles and its nodes. Each node names its
 * component type, its parameters, where each of its outlets leads (`next`), and optionally where
 * a canvas draws it. Edges are the `next` maps (and a jump's target): one place to read and
 * write them, so a canvas and the engine cannot disagree about them.
 *
 * ```json
 * { "dataset": "customers",
 *   "nodes": [
 *     { "id": "start", "type": "segment_entry", "params": { … }, "next": { "out": "vip" }, "position": { "x": 0, "y": 0 } },
 *     { "id": "vip", "type": "attribute_split", "params": { "branches": [{ "key": "gold", … }] }, "next": { "gold": "sms", "else": "bye" } },
 *     … ] }
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';
import { COMPONENT_TYPES, KEY, type ComponentParams, type ComponentType } from './components.js';

/** Most nodes in one journey: far beyond a canvas a person can read, small enough to check at once. */
export const MAX_NODES = 500;

/** The graph's own shape; each node's parameters are checked against its component (check-params.ts). */
export const JourneyGraphSchema = Type.Object(
  {
    dataset: Type.String({ minLength: 1, maxLength: 64, description: 'The dataset whose customers (profiles) the journey handles.' }),
    frequency: Type.Optional(
      Type.Object(
        {
          onCap: Type.Optional(
            Type.Union([Type.Literal('skip'), Type.Literal('wait')], {
              description: 'A customer over a frequency cap moves on without the message (skip, the default) or waits for the next free slot (wait).',
            }),
          ),
          onQuiet: Type.Optional(
            Type.Union([Type.Literal('postpone'), Type.Literal('drop')], {
              description: 'A message due in quiet hours or on a holiday waits until they end (postpone, the default) or is dropped (drop).',
            }),
          ),
        },
        { additionalProperties: false, description: "How this journey's messages meet global frequency control (docs/frequency.md)." },
      ),
    ),
    nodes: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: KEY.source, description: 'Unique in the journey; outlets and jumps name it.' }),
          type: Type.String({ description: `The component: ${COMPONENT_TYPES.join(', ')}.` }),
          label: Type.Optional(Type.String({ maxLength: 200 })),
          params: Type.Object({}, { additionalProperties: true, description: "The component's parameters." }),
          next: Type.Optional(
            Type.Record(Type.String({ pattern: KEY.source }), Type.String({ pattern: KEY.source }), {
              description: 'Outlet name → the id of the node it leads to.',
            }),
          ),
          position: Type.Optional(
            Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false, description: 'Where a canvas draws it.' }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_NODES },
    ),
  },
  { additionalProperties: false },
);

export type JourneyGraph = Static<typeof JourneyGraphSchema>;
export type JourneyNode = JourneyGraph['nodes'][number];

/** A node whose type and parameters passed their checks. */
export type TypedNode<T extends ComponentType = ComponentType> = T extends ComponentType
  ? Omit<JourneyNode, 'type' | 'params'> & { type: T; params: ComponentParams[T] }
  : never;

/**
 * The journey JSON (docs/journeys.md) and the canvas's nodes and edges, each from the other: a
 * node's `next` map is its edges, one per outlet, so there is no separate edge list to keep in step.
 */
import type { Edge, Node } from '@xyflow/react';

interface JourneyNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  next?: Record<string, string>;
  label?: string;
  position?: { x: number; y: number };
}
export interface JourneyGraph {
  dataset: string;
  nodes: JourneyNode[];
  /** How the journey's messages meet frequency control; kept as loaded (the canvas does not edit it). */
  frequency?: unknown;
}

/** A component as GET /v1/journeys/components describes it. */
export interface Component {
  type: string;
  kind: 'entry' | 'judgment' | 'control' | 'action';
  summary: string;
  openEnded: boolean;
  outlets: { perKeyOf?: string; fixed: string[]; when?: { outlet: string; param: string; equals: string } };
  params: JsonSchema;
}
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}
export interface Problem {
  nodeId?: string;
  param?: string;
  code: string;
  message: string;
}

/** What the canvas keeps on each node besides its position. */
type NodeData = {
  type: string;
  kind: Component['kind'] | 'unknown';
  params: Record<string, unknown>;
  label?: string;
  outlets: string[];
  problems: Problem[];
  count?: number;
};
export type CanvasNode = Node<NodeData, 'journey'>;

/** The outlets of a node: one per key of the list parameter, then the fixed ones, then the conditional one. */
export function outletsOf(component: Component | undefined, params: Record<string, unknown>): string[] {
  if (!component) return [];
  const { perKeyOf, fixed, when } = component.outlets;
  const keyed =
    perKeyOf && Array.isArray(params[perKeyOf]) ? (params[perKeyOf] as { key?: unknown }[]).flatMap((i) => (typeof i?.key === 'string' ? [i.key] : [])) : [];
  return [...keyed, ...fixed, ...(when && params[when.param] === when.equals ? [when.outlet] : [])];
}

export function toCanvas(graph: JourneyGraph, components: Map<string, Component>): { nodes: CanvasNode[]; edges: Edge[] } {
  const nodes = graph.nodes.map(
    (n, i): CanvasNode => ({
      id: n.id,
      type: 'journey',
      position: n.position ?? { x: 80 + (i % 4) * 260, y: 60 + Math.floor(i / 4) * 160 },
      data: {
        type: n.type,
        kind: components.get(n.type)?.kind ?? 'unknown',
        params: n.params ?? {},
        ...(n.label ? { label: n.label } : {}),
        outlets: outletsOf(components.get(n.type), n.params ?? {}),
        problems: [],
      },
    }),
  );
  const edges = graph.nodes.flatMap((n) => Object.entries(n.next ?? {}).map(([outlet, target]) => edgeOf(n.id, outlet, target)));
  return { nodes, edges };
}

export const edgeOf = (source: string, outlet: string, target: string): Edge => ({
  id: `${source}:${outlet}`,
  source,
  sourceHandle: outlet,
  target,
  label: outlet,
});

/** The graph to save or validate; everything of the loaded graph the canvas does not edit is kept. */
export function toGraph(base: Omit<JourneyGraph, 'nodes'>, nodes: CanvasNode[], edges: Edge[]): JourneyGraph {
  return {
    ...base,
    nodes: nodes.map((n) => {
      const next = Object.fromEntries(edges.filter((e) => e.source === n.id && e.sourceHandle).map((e) => [e.sourceHandle as string, e.target]));
      return {
        id: n.id,
        type: n.data.type,
        params: n.data.params,
        ...(Object.keys(next).length > 0 ? { next } : {}),
        ...(n.data.label ? { label: n.data.label } : {}),
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
      };
    }),
  };
}

/** A fresh node id for a component: its type and the first free number. */
export function freshId(type: string, taken: ReadonlySet<string>): string {
  for (let i = 1; ; i++) if (!taken.has(`${type}_${i}`)) return `${type}_${i}`;
}

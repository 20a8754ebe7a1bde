/**
 * A tree drawn left to right (a mind map): each node's content is React (sizes, rates, a button),
 * edges join a node to its children. Read-only: nodes are neither dragged nor selected, and the
 * buttons inside them are ordinary tab stops, so the diagram is usable from the keyboard. Layout:
 * depth gives the column, leaves take one row each in the order given, a parent sits at the middle
 * of its children — enough for the trees the node hands out (at most a few hundred leaves).
 *
 * @example <TreeDiagram label={title} nodes={[{ id: 'a', parent: null, content: 'all' }, { id: 'b', parent: 'a', content: 'young' }]} />
 */
import { Background, Controls, type Edge, Handle, type Node, type NodeProps, Position, ReactFlow } from '@xyflow/react';
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { flowLabels } from './flow-labels';
import './tree-diagram.css';

export interface DiagramNode {
  id: string;
  parent: string | null;
  content: ReactNode;
}

// Room for a box with an open form (a name and two buttons), so boxes never overlap their neighbours.
const COLUMN = 300;
const ROW = 150;

type CellNode = Node<{ content: ReactNode; root: boolean; leaf: boolean }, 'cell'>;

function Cell({ data }: NodeProps<CellNode>) {
  return (
    <div className="tree-cell">
      {!data.root && <Handle type="target" position={Position.Left} isConnectable={false} />}
      {data.content}
      {!data.leaf && <Handle type="source" position={Position.Right} isConnectable={false} />}
    </div>
  );
}
const NODE_TYPES = { cell: Cell };

/** Positions: a leaf takes the next row; a parent the middle of its children's rows. */
function layout(nodes: DiagramNode[]): { nodes: CellNode[]; edges: Edge[]; rows: number } {
  const children = new Map<string, DiagramNode[]>();
  for (const n of nodes) if (n.parent !== null) children.set(n.parent, [...(children.get(n.parent) ?? []), n]);
  const placed: CellNode[] = [];
  let rows = 0;
  const place = (n: DiagramNode, depth: number): number => {
    const kids = children.get(n.id) ?? [];
    const ys = kids.map((k) => place(k, depth + 1));
    const y = ys.length > 0 ? (ys[0] + ys[ys.length - 1]) / 2 : rows++ * ROW;
    placed.push({
      id: n.id,
      type: 'cell',
      position: { x: depth * COLUMN, y },
      data: { content: n.content, root: n.parent === null, leaf: kids.length === 0 },
    });
    return y;
  };
  for (const root of nodes.filter((n) => n.parent === null)) place(root, 0);
  const edges = nodes.filter((n) => n.parent !== null).map((n) => ({ id: `${n.parent}->${n.id}`, source: n.parent as string, target: n.id }));
  return { nodes: placed, edges, rows };
}

export function TreeDiagram({ nodes, label }: { nodes: DiagramNode[]; label: string }) {
  const { t } = useTranslation();
  const drawn = useMemo(() => layout(nodes), [nodes]);
  // Tall enough that a few levels read at full size; larger trees are fitted and can be zoomed.
  const height = Math.min(640, Math.max(260, drawn.rows * ROW + 60));
  return (
    <section className="tree-diagram" aria-label={label} style={{ height }}>
      <ReactFlow
        nodes={drawn.nodes}
        edges={drawn.edges}
        nodeTypes={NODE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.05 }}
        minZoom={0.2}
        proOptions={{ hideAttribution: true }}
        ariaLabelConfig={flowLabels(t)}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </section>
  );
}

/**
 * The journey canvas: drag a component from the palette (or press Enter on it) to add a node,
 * drag from an outlet to a node to connect (or pick the target in the side panel), select a node
 * to edit its parameters, Delete removes the selection. Every change is validated by the node
 * (POST /v1/journeys/validate) and the problems are shown on the nodes they name. Saving adds a
 * version; the dry run's customers per node are shown on each node; publish, pause and resume
 * change the journey's state. Compliance sees the same canvas read-only.
 */
import {
  addEdge,
  Background,
  type Connection,
  Controls,
  type Edge,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api';
import { formatDate } from '../i18n';
import { navigate } from '../router';
import { ErrorBox, Loading } from '../ui';
import { flowLabels } from '../widgets/flow-labels';
import { JourneyLinks, VersionBanner } from '../journeys/journey-links';
import { JourneyNodeView } from './journey-node';
import { type CanvasNode, type Component, edgeOf, freshId, type JourneyGraph, outletsOf, type Problem, toCanvas, toGraph } from './model';
import { Palette, PALETTE_MIME } from './palette';
import { SidePanel } from './side-panel';

interface Journey {
  id: number;
  name: string;
  status: string;
  latestVersion: number;
  liveVersion: number | null;
  updatedAt: string;
}
interface Loaded {
  journey: Journey | null;
  graph: JourneyGraph;
  components: Component[];
}

const NODE_TYPES = { journey: JourneyNodeView };
const VALIDATE_AFTER_MS = 400;
// React Flow copies each of these props into its store whenever it is a new object, and every part
// that reads the store renders again: made once, they cost nothing while a node is dragged.
const FIT_VIEW_OPTIONS = { maxZoom: 1 };
const PRO_OPTIONS = { hideAttribution: true };
const DELETE_KEYS = ['Delete', 'Backspace'];
const allowDrop = (e: DragEvent) => {
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
};

/** `version`: an older version, shown read-only (its graph never changes); absent: the latest, to edit. */
export function JourneyCanvas({ journeyId, editable, version }: { journeyId: number | null; editable: boolean; version?: number }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const components = api<{ components: Component[] }>('/v1/journeys/components');
    const journey =
      journeyId === null
        ? Promise.resolve({ journey: null, graph: { dataset: '', nodes: [] } })
        : api<{ journey: Journey; version: { graph: JourneyGraph } }>(`/v1/journeys/${journeyId}${version ? `?version=${version}` : ''}`).then((r) => ({
            journey: r.journey,
            graph: r.version.graph,
          }));
    Promise.all([components, journey]).then(([c, j]) => setLoaded({ ...j, components: c.components }), setError);
  }, [journeyId, version]);
  if (error) return <ErrorBox error={error} />;
  if (!loaded) return <Loading />;
  return (
    <ReactFlowProvider>
      <Editor loaded={loaded} editable={editable && version === undefined} version={version} />
    </ReactFlowProvider>
  );
}

function Editor({ loaded, editable, version }: { loaded: Loaded; editable: boolean; version?: number }) {
  const { t } = useTranslation();
  const components = useMemo(() => new Map(loaded.components.map((c) => [c.type, c])), [loaded.components]);
  const initial = useMemo(() => toCanvas(loaded.graph, components), [loaded.graph, components]);
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(initial.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>(initial.edges);
  const [journey, setJourney] = useState(loaded.journey);
  const [dataset, setDataset] = useState(loaded.graph.dataset);
  const [name, setName] = useState('');
  const [graphProblems, setGraphProblems] = useState<Problem[]>([]);
  const [validity, setValidity] = useState<'checking' | 'valid' | 'invalid'>('checking');
  const [message, setMessage] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const flow = useReactFlow<CanvasNode, Edge>();
  const labels = useMemo(() => flowLabels(t), [t]);

  const { dataset: _d, nodes: _n, ...rest } = loaded.graph;
  const graph = toGraph({ ...rest, dataset }, nodes, edges);
  // Positions do not change validity: moving a node is not a reason to ask the server again.
  const shapeKey = JSON.stringify({ ...graph, nodes: graph.nodes.map(({ position: _p, ...n }) => n) });

  const showProblems = useCallback(
    (problems: Problem[]) => {
      setNodes((ns) => ns.map((n) => ({ ...n, data: { ...n.data, problems: problems.filter((p) => p.nodeId === n.id) } })));
      const ids = new Set(nodes.map((n) => n.id));
      setGraphProblems(problems.filter((p) => p.nodeId === undefined || !ids.has(p.nodeId)));
      setValidity(problems.length === 0 ? 'valid' : 'invalid');
    },
    [setNodes, nodes],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: validates when the graph's shape changes, not on every render
  useEffect(() => {
    setValidity('checking');
    const timer = setTimeout(() => {
      api<{ valid: boolean; problems: Problem[] }>('/v1/journeys/validate', { method: 'POST', body: { graph: JSON.parse(shapeKey) } }).then(
        (r) => showProblems(r.problems),
        (err) => setActionError(err),
      );
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [shapeKey]);

  const addNode = useCallback(
    (type: string, position?: { x: number; y: number }) => {
      const component = components.get(type);
      if (!component) return;
      setNodes((ns) => {
        const id = freshId(type, new Set(ns.map((n) => n.id)));
        const at = position ?? { x: 80 + (ns.length % 4) * 260, y: 60 + Math.floor(ns.length / 4) * 160 };
        const node: CanvasNode = {
          id,
          type: 'journey',
          position: at,
          selected: true,
          data: { type, kind: component.kind, params: {}, outlets: outletsOf(component, {}), problems: [] },
        };
        return [...ns.map((n) => ({ ...n, selected: false })), node];
      });
    },
    [components, setNodes],
  );

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const type = e.dataTransfer.getData(PALETTE_MIME);
    if (type) addNode(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  /** One edge per outlet: connecting an outlet again moves its edge. */
  const connect = useCallback(
    (c: Connection) => {
      if (!c.sourceHandle || c.source === c.target) return;
      setEdges((es) =>
        addEdge(
          edgeOf(c.source, c.sourceHandle as string, c.target),
          es.filter((e) => !(e.source === c.source && e.sourceHandle === c.sourceHandle)),
        ),
      );
    },
    [setEdges],
  );

  const selected = nodes.find((n) => n.selected) ?? null;
  const updateNode = (id: string, change: { params?: Record<string, unknown>; label?: string }) => {
    setNodes((ns) =>
      ns.map((n) => {
        if (n.id !== id) return n;
        const params = change.params ?? n.data.params;
        const outlets = outletsOf(components.get(n.data.type), params);
        return { ...n, data: { ...n.data, params, outlets, ...(change.label !== undefined ? { label: change.label } : {}) } };
      }),
    );
    // An outlet a parameter change removed takes its edge with it.
    if (change.params) {
      const outlets = new Set(outletsOf(components.get(nodes.find((n) => n.id === id)?.data.type ?? ''), change.params));
      setEdges((es) => es.filter((e) => e.source !== id || outlets.has(e.sourceHandle ?? '')));
    }
  };
  const linkOutlet = (source: string, outlet: string, target: string) => {
    setEdges((es) => {
      const others = es.filter((e) => !(e.source === source && e.sourceHandle === outlet));
      return target ? [...others, edgeOf(source, outlet, target)] : others;
    });
  };
  const deleteNode = (id: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== id));
    setEdges((es) => es.filter((e) => e.source !== id && e.target !== id));
  };

  const act = async (what: () => Promise<string>) => {
    setBusy(true);
    setActionError(null);
    setMessage(null);
    try {
      setMessage(await what());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'JOURNEY_INVALID' && Array.isArray(err.details?.problems)) showProblems(err.details.problems as Problem[]);
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    act(async () => {
      if (!journey) {
        const saved = await api<{ journey: Journey }>('/v1/journeys', { method: 'POST', body: { name, graph } });
        setJourney(saved.journey);
        window.history.replaceState(null, '', `/console/strategy/${saved.journey.id}`);
        return t('canvas.created', { name: saved.journey.name });
      }
      const saved = await api<{ journey: Journey; version: { version: number }; changed: boolean }>(`/v1/journeys/${journey.id}/versions`, {
        method: 'POST',
        body: { graph },
      });
      setJourney(saved.journey);
      return saved.changed ? t('canvas.saved', { version: saved.version.version }) : t('canvas.unchanged');
    });
  const dryRun = () =>
    act(async () => {
      if (!journey) throw new Error(t('canvas.saveFirst'));
      const r = await api<{ entered: number; nodes: { node: string; outcome: string; count: number }[] }>(`/v1/journeys/${journey.id}/dry-run`, {
        method: 'POST',
      });
      setNodes((ns) => ns.map((n) => ({ ...n, data: { ...n.data, count: customersAt(n.id, r.nodes) } })));
      return t('canvas.dryRunDone', { n: r.entered });
    });
  const transition = (change: 'publish' | 'pause' | 'resume') =>
    act(async () => {
      if (!journey) throw new Error(t('canvas.saveFirst'));
      setJourney(await api<Journey>(`/v1/journeys/${journey.id}/${change}`, { method: 'POST' }));
      return t(`canvas.did.${change}`);
    });

  return (
    <div className="canvas-page">
      <div className="toolbar" role="toolbar" aria-label={t('canvas.toolbar')}>
        {journey ? (
          <h1 className="journey-name">
            {journey.name}{' '}
            <small>
              {t(`journeyStatus.${journey.status}`, { defaultValue: journey.status })} · {t('canvas.version', { v: journey.latestVersion })} ·{' '}
              {formatDate(journey.updatedAt)}
            </small>
          </h1>
        ) : (
          <h1 className="journey-name">{t('strategy.new')}</h1>
        )}
        {!journey && (
          <label>
            <span>{t('canvas.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} disabled={!editable} pattern="[a-z][a-z0-9_\-]{0,63}" />
          </label>
        )}
        <label>
          <span>{t('canvas.dataset')}</span>
          <input value={dataset} onChange={(e) => setDataset(e.target.value)} disabled={!editable} />
        </label>
        <span className={`validity ${validity}`} role="status" data-testid="validity">
          {t(`canvas.${validity}`)}
        </span>
        {editable && (
          <button type="button" onClick={save} disabled={busy || (!journey && name === '')}>
            {t('canvas.save')}
          </button>
        )}
        {version === undefined && (
          <button type="button" onClick={dryRun} disabled={busy || !journey}>
            {t('canvas.dryRun')}
          </button>
        )}
        {editable && journey && (journey.status === 'draft' || journey.liveVersion !== journey.latestVersion) && journey.status !== 'stopped' && (
          <button type="button" onClick={() => transition('publish')} disabled={busy}>
            {t('canvas.publish')}
          </button>
        )}
        {editable && journey?.status === 'published' && (
          <button type="button" onClick={() => transition('pause')} disabled={busy}>
            {t('canvas.pause')}
          </button>
        )}
        {editable && journey?.status === 'paused' && (
          <button type="button" onClick={() => transition('resume')} disabled={busy}>
            {t('canvas.resume')}
          </button>
        )}
        {journey && <JourneyLinks journeyId={journey.id} />}
        <button type="button" onClick={() => navigate('strategy')}>
          {t('canvas.back')}
        </button>
      </div>
      {version !== undefined && journey && <VersionBanner version={version} journey={journey} />}
      {message && (
        <p role="status" className="ok" data-testid="canvas-message">
          {message}
        </p>
      )}
      {actionError !== null && <ErrorBox error={actionError} />}
      {graphProblems.length > 0 && (
        <ul className="graph-problems" aria-label={t('canvas.graphProblems')}>
          {graphProblems.map((p) => (
            <li key={`${p.code}:${p.nodeId ?? ''}:${p.param ?? ''}`}>
              <strong>{p.code}</strong> {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="canvas-body">
        {editable && <Palette components={loaded.components} onAdd={(type) => addNode(type)} />}
        <div className="flow" data-testid="flow">
          <ReactFlow
            onDragOver={allowDrop}
            onDrop={onDrop}
            nodes={nodes}
            edges={edges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={connect}
            nodesDraggable={editable}
            nodesConnectable={editable}
            elementsSelectable
            deleteKeyCode={editable ? DELETE_KEYS : null}
            fitView
            fitViewOptions={FIT_VIEW_OPTIONS}
            proOptions={PRO_OPTIONS}
            ariaLabelConfig={labels}
          >
            <Background />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable />
          </ReactFlow>
        </div>
        <SidePanel
          node={selected}
          nodes={nodes}
          edges={edges}
          component={selected ? components.get(selected.data.type) : undefined}
          editable={editable}
          onChange={updateNode}
          onLink={linkOutlet}
          onDelete={deleteNode}
        />
      </div>
    </div>
  );
}

/** Customers who reached a node in the dry run: its visits, counted once per visit (an entry's `entered`, anything else's outcomes). */
function customersAt(node: string, counts: { node: string; outcome: string; count: number }[]): number {
  const own = counts.filter((c) => c.node === node);
  const entered = own.filter((c) => c.outcome === 'entered');
  return (entered.length > 0 ? entered : own).reduce((sum, c) => sum + c.count, 0);
}

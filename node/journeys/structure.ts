/**
 * The rules of the graph itself, independent of the node's data: entries, outlets and where
 * they lead, reachability, cycles, and the send-result split's reference to an earlier message.
 * Pure: nodes in, problems out.
 *
 * A node whose parameters failed their schema still contributes its edges (its `next` and a
 * jump's `target`), so one bad parameter does not also make everything after it "unreachable".
 */
import { COMPONENTS, outletsOf, WAITING_TYPES, type ComponentType } from './components.js';
import type { JourneyNode, TypedNode } from './graph.js';
import { problem, type Problem } from './problems.js';

interface Edge {
  from: string;
  to: string;
  /** The parameter of `from` that holds the edge: `next.<outlet>` or `target`. */
  param: string;
}

const kindOf = (node: JourneyNode) => (Object.hasOwn(COMPONENTS, node.type) ? COMPONENTS[node.type as ComponentType].kind : undefined);

function edgesOf(node: JourneyNode): Edge[] {
  const edges = Object.entries(node.next ?? {}).map(([outlet, to]) => ({ from: node.id, to, param: `next.${outlet}` }));
  const target = (node.params as { target?: unknown }).target;
  if (node.type === 'jump' && typeof target === 'string') edges.push({ from: node.id, to: target, param: 'target' });
  return edges;
}

/** Nodes reachable from `starts` over `edges`, never entering `blocked`. */
function reachable(starts: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>, blocked?: string): Set<string> {
  const seen = new Set<string>(starts.filter((s) => s !== blocked));
  const queue = [...seen];
  while (queue.length > 0) {
    for (const e of edges.get(queue.pop()!) ?? []) {
      if (e.to === blocked || seen.has(e.to)) continue;
      seen.add(e.to);
      queue.push(e.to);
    }
  }
  return seen;
}

/** Strongly connected components (Tarjan) that hold a cycle: two or more nodes, or one with an edge to itself. */
function cyclicComponents(ids: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const { to } of edges.get(v) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (edges.get(v) ?? []).some((e) => e.to === v)) found.push(component);
  };
  for (const v of ids) if (!index.has(v)) visit(v);
  return found;
}

/**
 * The structural problems of `nodes` (ids unique); `typed` holds the nodes whose parameters
 * passed their checks, by id.
 * @example structureProblems(graph.nodes, typedById) // → [{ nodeId: 'sms', param: 'next.out', code: 'TARGET_UNKNOWN', … }]
 */
export function structureProblems(nodes: readonly JourneyNode[], typed: ReadonlyMap<string, TypedNode>): Problem[] {
  const out: Problem[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const entries = nodes.filter((n) => kindOf(n) === 'entry');

  if (entries.length === 0) out.push(problem('ENTRY_MISSING', 'the journey has no entry node (segment_entry, event_entry or change_entry)'));
  for (const e of entries.filter((n) => n.type !== entries[0].type))
    out.push(problem('ENTRY_KINDS_MIXED', `type: ${e.type}, but entry ${entries[0].id} is a ${entries[0].type}; a journey is entered one way`, e.id, 'type'));
  for (const e of entries.filter((n) => n.type === 'segment_entry').slice(1))
    out.push(problem('ENTRY_SEGMENT_MULTIPLE', 'a second segment_entry; a journey has one segment and schedule', e.id, 'type'));

  const edges = new Map<string, Edge[]>();
  for (const node of nodes) {
    const valid: Edge[] = [];
    for (const e of edgesOf(node)) {
      const to = byId.get(e.to);
      if (!to) out.push(problem('TARGET_UNKNOWN', `${e.param}: there is no node ${e.to}`, node.id, e.param));
      else if (kindOf(to) === 'entry') out.push(problem('ENTRY_TARGETED', `${e.param}: ${e.to} is an entry; nothing leads into an entry`, node.id, e.param));
      else valid.push(e);
    }
    edges.set(node.id, valid);
    const t = typed.get(node.id);
    if (!t) continue;
    const outlets = outletsOf(t.type, t.params);
    for (const outlet of Object.keys(node.next ?? {}))
      if (!outlets.includes(outlet))
        out.push(
          problem(
            'OUTLET_UNKNOWN',
            `next.${outlet}: a ${t.type} has ${outlets.length ? `the outlets ${outlets.join(', ')}` : 'no outlets'}`,
            node.id,
            `next.${outlet}`,
          ),
        );
    const openEnded = 'openEnded' in COMPONENTS[t.type];
    if (!openEnded)
      for (const outlet of outlets)
        if (!Object.hasOwn(node.next ?? {}, outlet))
          out.push(problem('BRANCH_UNTERMINATED', `next.${outlet}: leads nowhere; connect it (to an exit if the branch ends here)`, node.id, `next.${outlet}`));
  }

  if (entries.length > 0) {
    const reached = reachable(
      entries.map((e) => e.id),
      edges,
    );
    for (const node of nodes)
      if (!reached.has(node.id) && node.type !== 'goal') out.push(problem('NODE_UNREACHABLE', 'no path from an entry reaches this node', node.id));

    for (const t of typed.values()) {
      if (t.type !== 'send_result_split') continue;
      const action = byId.get(t.params.action);
      const bad = (why: string) => out.push(problem('SEND_RESULT_ACTION_INVALID', `action: ${why}`, t.id, 'action'));
      if (!action) bad(`there is no node ${t.params.action}`);
      else if (action.type !== 'reach') bad(`${action.id} is a ${action.type}, not a reach node`);
      else if (
        reachable(
          entries.map((e) => e.id),
          edges,
          action.id,
        ).has(t.id)
      )
        bad(`a path from an entry reaches this node without passing ${action.id}`);
    }
  }

  // A cycle is fine when a customer waits somewhere on it; remove the waiting nodes and any cycle left is a busy loop.
  const waiting = (id: string) => WAITING_TYPES.has(byId.get(id)!.type as ComponentType);
  const busy = new Map([...edges].filter(([id]) => !waiting(id)).map(([id, list]) => [id, list.filter((e) => !waiting(e.to))]));
  for (const component of cyclicComponents([...busy.keys()], busy)) {
    const path = component.slice().reverse().join(' → ');
    for (const id of component) out.push(problem('CYCLE_WITHOUT_WAIT', `on the cycle ${path} with no delay or wait_event`, id));
  }

  // Assignment is keyed by the experiment's name: two splits of one name would put every customer
  // in the same-numbered group of both, and their results could not be told apart.
  const experiments = new Map<string, string>();
  for (const t of typed.values()) {
    if (t.type !== 'random_split' || !t.params.experiment) continue;
    const first = experiments.get(t.params.experiment.name);
    if (first === undefined) experiments.set(t.params.experiment.name, t.id);
    else
      out.push(
        problem('EXPERIMENT_NAME_DUPLICATE', `experiment.name: ${t.params.experiment.name} is also the experiment of ${first}`, t.id, 'experiment.name'),
      );
  }
  for (const t of typed.values()) {
    if (t.type !== 'random_split' || t.params.experiment?.goal === undefined) continue;
    const goal = byId.get(t.params.experiment.goal);
    if (goal?.type !== 'goal')
      out.push(
        problem('GOAL_UNKNOWN', `experiment.goal: ${t.params.experiment.goal} is ${goal ? `a ${goal.type}` : 'no node'}, not a goal`, t.id, 'experiment.goal'),
      );
  }
  return out;
}

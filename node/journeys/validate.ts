/**
 * Journey validation: every problem of a graph at once, each naming its node and parameter, in
 * four passes — the graph's own shape, each node's parameters (check-params.ts), the structure
 * (structure.ts) and the names that must exist on this node (references.ts). A later pass reads
 * only what passed the earlier ones, so a problem is reported once, where it is.
 */
import { lazyValidator } from '../validation/lazy-validator.js';
import { checkParams, paramPath } from './check-params.js';
import { JourneyGraphSchema, MAX_NODES, type JourneyGraph, type JourneyNode, type TypedNode } from './graph.js';
import { problem, type Problem } from './problems.js';
import { referenceProblems, type JourneyReferences } from './references.js';
import { structureProblems } from './structure.js';

const { nodes: NodeList, ...envelope } = JourneyGraphSchema.properties;
const validateEnvelope = lazyValidator<Omit<JourneyGraph, 'nodes'>>(
  { type: 'object', properties: envelope, required: ['dataset', 'nodes'] },
  { strict: false },
);
const validateNode = lazyValidator<JourneyNode>(NodeList.items, { allErrors: true, strict: false });
const FREQUENCY_CHOICES: Record<string, string> = { 'frequency.onCap': 'skip, wait', 'frequency.onQuiet': 'postpone, drop' };
const validateFrequency = lazyValidator<JourneyGraph['frequency']>(envelope.frequency, { allErrors: true, strict: false });

export interface Validation {
  problems: Problem[];
  /** The graph, when it has no problems. */
  graph?: JourneyGraph;
}

/**
 * @example
 * const { problems } = await validateJourney(JSON.parse(text), refs, null);
 * for (const p of problems) console.log(p.nodeId ?? '(journey)', p.param ?? '', p.code, p.message);
 */
export async function validateJourney(input: unknown, refs: JourneyReferences, unit: string | null): Promise<Validation> {
  const graphProblem = (message: string, param?: string) => ({ problems: [problem('GRAPH_INVALID', message, undefined, param)] });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return graphProblem('a journey is an object with a dataset and nodes');
  const raw = input as Record<string, unknown>;
  if (!Array.isArray(raw.nodes)) return graphProblem('nodes: a list of nodes is required', 'nodes');
  if (raw.nodes.length === 0 || raw.nodes.length > MAX_NODES) return graphProblem(`nodes: from 1 to ${MAX_NODES} nodes`, 'nodes');
  const problems: Problem[] = [];
  const unknownTop = Object.keys(raw).filter((k) => k !== 'dataset' && k !== 'nodes' && k !== 'frequency');
  for (const k of unknownTop) problems.push(problem('GRAPH_INVALID', `${k}: unknown field (check its spelling)`, undefined, k));
  if (raw.frequency !== undefined && !validateFrequency(raw.frequency)) {
    const named = new Set<string>(); // a union fails once per choice: one problem per field
    for (const e of validateFrequency.errors ?? []) {
      const child = e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
      const param = ['frequency', paramPath(e.instancePath, child)].filter(Boolean).join('.');
      if (named.has(param)) continue;
      named.add(param);
      const choices = FREQUENCY_CHOICES[param];
      const why = child ? 'unknown field (check its spelling)' : choices ? `one of ${choices}` : e.message;
      problems.push(problem('GRAPH_INVALID', `${param}: ${why}`, undefined, param));
    }
  }
  const datasetOk = validateEnvelope({ dataset: raw.dataset, nodes: [] });
  if (!datasetOk) problems.push(problem('GRAPH_INVALID', 'dataset: the name of a dataset (1 to 64 characters) is required', undefined, 'dataset'));

  const nodes: JourneyNode[] = [];
  const seen = new Set<string>();
  raw.nodes.forEach((candidate: unknown, i) => {
    const id = (candidate as { id?: unknown } | null)?.id;
    const named = typeof id === 'string' && id.length <= 64 ? id : undefined;
    if (!validateNode(candidate)) {
      for (const e of validateNode.errors ?? []) {
        const child = e.keyword === 'required' ? e.params.missingProperty : e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
        const param = paramPath(e.instancePath, child) || undefined;
        const why = e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'unknown field (check its spelling)' : e.message;
        problems.push(problem('GRAPH_INVALID', `nodes[${i}]${param ? `.${param}` : ''}: ${why}`, named, param));
      }
      return;
    }
    if (seen.has(candidate.id)) {
      problems.push(problem('NODE_ID_DUPLICATE', `id: another node is also called ${candidate.id}`, candidate.id, 'id'));
      return;
    }
    seen.add(candidate.id);
    nodes.push(candidate);
  });

  const typed = new Map<string, TypedNode>();
  for (const node of nodes) {
    const checked = checkParams(node);
    problems.push(...checked.problems);
    if (checked.typed && checked.problems.length === 0) typed.set(node.id, checked.typed);
  }
  problems.push(...structureProblems(nodes, typed));
  if (datasetOk) problems.push(...(await referenceProblems({ dataset: raw.dataset as string, nodes }, [...typed.values()], refs, unit)));
  return problems.length === 0 ? { problems, graph: input as JourneyGraph } : { problems };
}

/**
 * Campaign template validation, reported as journey problems (problems.ts) so a canvas pins them
 * the same way: the declarations, where each parameter stands, every placed parameter declared
 * and every declared one placed, then the graph as far as it can be checked before it is filled —
 * each parameter stands in as a value of its declared type (validate.ts runs on that) — and, on
 * instantiation, the filled values and the filled graph in full.
 */
import type { JourneyGraph } from '../graph.js';
import { problem, type Problem, type ProblemCode } from '../problems.js';
import type { JourneyReferences } from '../references.js';
import { validateJourney } from '../validate.js';
import {
  declarationProblems,
  injectionProblems,
  placements,
  sampleValue,
  substitute,
  valueProblem,
  type ParamDecl,
  type ParamValue,
  type Placement,
} from './params.js';

/** What the node's names are checked as once a value fills them: until then they are unknown, not wrong. */
const NAME_PROBLEMS: Partial<Record<ParamDecl['type'], readonly ProblemCode[]>> = {
  segment: ['SEGMENT_UNKNOWN', 'SEGMENT_DATASET_MISMATCH'],
  event: ['EVENT_UNKNOWN', 'PROPERTY_UNKNOWN', 'PROPERTY_TYPE_MISMATCH'],
};

export interface TemplateCheck {
  problems: Problem[];
  /** When there are no problems. */
  template?: { graph: JourneyGraph; parameters: ParamDecl[] };
}

/**
 * @example const { problems } = await checkTemplate(graph, [{ name: 'offer', type: 'text', label: 'Offer', required: true }], refs, null);
 */
export async function checkTemplate(graph: unknown, parameters: unknown, refs: JourneyReferences, unit: string | null): Promise<TemplateCheck> {
  const { problems, decls } = declarationProblems(parameters);
  const placed = placements(graph);
  problems.push(...placed.problems);
  const declared = new Map(decls.map((d) => [d.name, d]));
  for (const u of placed.uses)
    if (!declared.has(u.name))
      problems.push(problem('TEMPLATE_PARAM_UNDECLARED', `${u.param}: parameter ${u.name} is not declared in parameters`, u.nodeId, u.param));
  decls.forEach((d, i) => {
    if (!placed.uses.some((u) => u.name === d.name))
      problems.push(problem('TEMPLATE_PARAM_UNUSED', `parameters[${i}]: ${d.name} is declared but the graph does not use it`, undefined, `parameters[${i}]`));
  });
  // An undeclared parameter stands in as plain text, so it is reported once, as undeclared.
  const probe = substitute(graph, (name) => (declared.has(name) ? sampleValue(declared.get(name)!) : 'x'));
  const v = await validateJourney(probe, refs, unit);
  // A refused placement is reported once, as misplaced; what its object then fails is noise.
  const misplaced = new Set(placed.problems.map((p) => `${p.nodeId}\u0000${p.param}`));
  problems.push(...v.problems.filter((p) => !misplaced.has(`${p.nodeId}\u0000${p.param}`)).flatMap((p) => asTemplateProblem(p, placed.uses, declared)));
  return problems.length === 0 ? { problems, template: { graph: graph as JourneyGraph, parameters: decls } } : { problems };
}

/** A problem of the probe graph as the template's author should read it; none where only the filled value can tell. */
function asTemplateProblem(p: Problem, uses: readonly Placement[], declared: ReadonlyMap<string, ParamDecl>): Problem[] {
  // The properties of an event a parameter names are known once it is filled: so are the {{event.…}} variables of any message.
  if (p.code === 'TEMPLATE_VARIABLE_UNAVAILABLE' && p.message.includes('{{event.') && uses.some((u) => declared.get(u.name)?.type === 'event')) return [];
  const here = uses.filter((u) => u.nodeId === p.nodeId);
  const at = here.find((u) => u.param === p.param && u.kind === 'value');
  // An undeclared parameter is reported once, as undeclared; what its object then fails is noise.
  if (at && !declared.has(at.name)) return [];
  for (const u of here) {
    const d = declared.get(u.name);
    const names = d && NAME_PROBLEMS[d.type];
    if (!names?.includes(p.code)) continue;
    const selector = u.param.replace(/\.event$/, '');
    if (p.param === u.param || (d?.type === 'event' && p.param?.startsWith(`${selector}.`))) return [];
  }
  if (at && p.code === 'PARAM_INVALID') {
    const d = declared.get(at.name)!;
    return [{ ...p, message: `${p.param}: parameter ${at.name} (${d.type}) does not fit here: ${p.message.replace(`${p.param}: `, '')}` }];
  }
  return [p];
}

/**
 * The values checked against the declarations (each problem at `values.<name>`), and the graph
 * filled with them (defaults for those not given) when they pass.
 */
export function fillTemplate(
  template: { graph: JourneyGraph; parameters: readonly ParamDecl[] },
  values: unknown,
): { problems: Problem[]; graph?: unknown; values?: Record<string, ParamValue> } {
  if (typeof values !== 'object' || values === null || Array.isArray(values))
    return { problems: [problem('TEMPLATE_VALUE_INVALID', 'values: an object of parameter name → value', undefined, 'values')] };
  const given = values as Record<string, unknown>;
  const problems: Problem[] = [];
  const filled: Record<string, ParamValue> = {};
  for (const name of Object.keys(given))
    if (!template.parameters.some((d) => d.name === name))
      problems.push(
        problem(
          'TEMPLATE_VALUE_UNKNOWN',
          `values.${name.slice(0, 64)}: the template has no parameter ${JSON.stringify(name.slice(0, 64))} (it has ${template.parameters.map((d) => d.name).join(', ') || 'none'})`,
          undefined,
          `values.${name.slice(0, 64)}`,
        ),
      );
  for (const d of template.parameters) {
    const at = `values.${d.name}`;
    if (!Object.hasOwn(given, d.name)) {
      if (d.default !== undefined) filled[d.name] = d.default;
      else problems.push(problem('TEMPLATE_VALUE_MISSING', `${at}: ${d.label} (${d.type}) is required`, undefined, at));
      continue;
    }
    const why = valueProblem(d, given[d.name]);
    if (why) problems.push(problem('TEMPLATE_VALUE_INVALID', `${at}: ${why}`, undefined, at));
    else filled[d.name] = given[d.name] as ParamValue;
  }
  if (problems.length > 0) return { problems };
  const graph = substitute(template.graph, (name) => filled[name]);
  const injected = injectionProblems(template.graph, graph, placements(template.graph).uses);
  return injected.length > 0 ? { problems: injected } : { problems, graph, values: filled };
}

/**
 * A campaign template's parameters: their declarations, the values that fill them, and where they
 * stand in the journey graph.
 *
 * The one rule for placing a parameter (docs/journeys.md, Campaign templates):
 * - `{ "$param": "<name>" }` stands for a whole value anywhere inside a node's `params` — never
 *   where it would change the graph's structure (an outlet key, a jump or send-result target, an
 *   experiment's goal, a form's `kind` or `op`, a time window's `outside`), and never outside
 *   `params` (ids, types, `next` and positions are the graph's structure and are not parameters);
 * - `{{param.<name>}}` stands inside the texts of a reach node's message template (`name`,
 *   `subject`, `body`) and is filled with the value as text.
 *
 * A filled value is data: a text value holding `{{` or `}}` is refused, so no value can add a
 * template variable to a message, and filling checks that each text's variables are unchanged.
 */
import { Type, type Static } from '@sinclair/typebox';
import { lazyValidator } from '../../validation/lazy-validator.js';
import { calendarDate, paramPath } from '../check-params.js';
import { DATE, DATE_TIME } from '../components.js';
import { problem, type Problem } from '../problems.js';
import { templateVariables } from '../template.js';

export const PARAM_TYPES = ['segment', 'date', 'datetime', 'text', 'number', 'integer', 'boolean', 'event', 'channel_text', 'cap'] as const;
type ParamType = (typeof PARAM_TYPES)[number];

/** Most parameters one template declares. */
const MAX_PARAMS = 50;
const PARAM_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** A one-line text's default and largest length; a channel text's (a message body's). */
const TEXT_LENGTH = { text: { default: 200, max: 1000 }, channel_text: { default: 10_000, max: 10_000 } } as const;

const Scalar = Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean()]);
const ParamDeclSchema = Type.Object(
  {
    name: Type.String({ pattern: PARAM_NAME.source, description: 'Lower-case letters, digits and _, starting with a letter; at most 64.' }),
    type: Type.Union(
      PARAM_TYPES.map((t) => Type.Literal(t)),
      { description: `One of ${PARAM_TYPES.join(', ')}.` },
    ),
    label: Type.String({ minLength: 1, maxLength: 200, description: 'What a form asks the branch for.' }),
    required: Type.Boolean({ description: 'The branch must give a value. A parameter that is not required has a default.' }),
    default: Type.Optional(Scalar),
    min: Type.Optional(Type.Number({ description: 'number, integer, cap: the smallest value.' })),
    max: Type.Optional(Type.Number({ description: 'number, integer, cap: the largest value.' })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: TEXT_LENGTH.text.max, description: 'text, channel_text: the longest value.' })),
  },
  { additionalProperties: false },
);
export type ParamDecl = Static<typeof ParamDeclSchema>;
export type ParamValue = string | number | boolean;

const validateDecl = lazyValidator<ParamDecl>(ParamDeclSchema, { allErrors: true, strict: false });
const DATE_RE = new RegExp(DATE);
const DATE_TIME_RE = new RegExp(DATE_TIME);
const NUMERIC: readonly ParamType[] = ['number', 'integer', 'cap'];
const TEXTUAL: readonly ParamType[] = ['text', 'channel_text'];

/** Why `value` cannot fill `decl`, or null when it can. */
export function valueProblem(decl: ParamDecl, value: unknown): string | null {
  const text = (max: number, oneLine: boolean) => {
    if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty text';
    if (value.length > max) return `must be at most ${max} characters (it has ${value.length})`;
    if (oneLine && /[\r\n]/.test(value)) return 'must be one line';
    // A value is data: {{ or }} in it would read as a template variable once placed in a message.
    if (value.includes('{{') || value.includes('}}')) return 'must not contain {{ or }}: a value is text, not template syntax';
    return null;
  };
  const range = (n: number) => {
    if (decl.min !== undefined && n < decl.min) return `must be at least ${decl.min}`;
    if (decl.max !== undefined && n > decl.max) return `must be at most ${decl.max}`;
    return null;
  };
  switch (decl.type) {
    case 'segment':
      return typeof value === 'string' && value.length >= 1 && value.length <= 64 ? null : 'must be a segment name (1 to 64 characters)';
    case 'event':
      return typeof value === 'string' && value.length >= 1 && value.length <= 128 ? null : 'must be an event name (1 to 128 characters)';
    case 'date':
      return typeof value === 'string' && DATE_RE.test(value) && calendarDate(value) ? null : 'must be a calendar date YYYY-MM-DD';
    case 'datetime':
      return typeof value === 'string' && DATE_TIME_RE.test(value) && calendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value))
        ? null
        : 'must be an ISO 8601 date-time with its zone, such as 2026-10-01T09:00:00+08:00';
    case 'text':
      return text(decl.maxLength ?? TEXT_LENGTH.text.default, true);
    case 'channel_text':
      return text(decl.maxLength ?? TEXT_LENGTH.channel_text.default, false);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? range(value) : 'must be a number';
    case 'integer':
      return Number.isSafeInteger(value) ? range(value as number) : 'must be a whole number';
    case 'cap':
      return Number.isSafeInteger(value) && (value as number) >= 0 ? range(value as number) : 'must be a whole number of at least 0';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
  }
}

/**
 * Problems of the declarations themselves (each at `parameters[i]…`, no node): their shape, a
 * name used twice, a range on a type without one, a default that does not fit.
 */
export function declarationProblems(input: unknown): { problems: Problem[]; decls: ParamDecl[] } {
  if (!Array.isArray(input) || input.length > MAX_PARAMS)
    return { problems: [problem('TEMPLATE_PARAM_INVALID', `parameters: a list of at most ${MAX_PARAMS} parameters`, undefined, 'parameters')], decls: [] };
  const problems: Problem[] = [];
  const decls: ParamDecl[] = [];
  const seen = new Set<string>();
  input.forEach((d: unknown, i) => {
    const at = (field?: string) => `parameters[${i}]${field ? `.${field}` : ''}`;
    const add = (message: string, field?: string) => problems.push(problem('TEMPLATE_PARAM_INVALID', `${at(field)}: ${message}`, undefined, at(field)));
    if (!validateDecl(d)) {
      const reported = new Set<string | undefined>();
      for (const e of validateDecl.errors ?? []) {
        const child = e.keyword === 'required' ? e.params.missingProperty : e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
        const field = paramPath(e.instancePath, child) || undefined;
        // One problem per field: a union (the type) fails once per alternative.
        if (reported.has(field)) continue;
        reported.add(field);
        if (field === 'type') add(`must be one of: ${PARAM_TYPES.join(', ')}`, field);
        else
          add(
            e.keyword === 'required'
              ? 'is required'
              : e.keyword === 'additionalProperties'
                ? 'unknown field (check its spelling)'
                : (e.message ?? 'is invalid'),
            field,
          );
      }
      return;
    }
    const before = problems.length;
    if (seen.has(d.name)) add(`${d.name} is declared twice`, 'name');
    seen.add(d.name);
    if ((d.min !== undefined || d.max !== undefined) && !NUMERIC.includes(d.type)) add(`only ${NUMERIC.join(', ')} parameters take min and max`, 'min');
    if (d.min !== undefined && d.max !== undefined && d.min > d.max) add(`max ${d.max} is below min ${d.min}`, 'max');
    if (d.maxLength !== undefined && !TEXTUAL.includes(d.type)) add(`only ${TEXTUAL.join(', ')} parameters take maxLength`, 'maxLength');
    if (d.type === 'text' && d.maxLength !== undefined && d.maxLength > TEXT_LENGTH.text.max) add(`at most ${TEXT_LENGTH.text.max} for a text`, 'maxLength');
    if (d.required && d.default !== undefined) add('a required parameter has no default: the branch gives the value', 'default');
    if (!d.required && d.default === undefined) add('a parameter that is not required needs a default', 'default');
    if (problems.length === before && d.default !== undefined) {
      const why = valueProblem(d, d.default);
      if (why) add(`${JSON.stringify(d.default).slice(0, 60)} ${why}`, 'default');
    }
    decls.push(d);
  });
  return { problems, decls };
}

/** A parameter standing in the graph. */
export interface Placement {
  nodeId: string;
  /** The parameter path in the node (`template.body`, `branches[0].conditions[1].value`). */
  param: string;
  name: string;
  /** value: `{ "$param": … }`; text: `{{param.…}}` inside a message text. */
  kind: 'value' | 'text';
}

/** Where a whole-value parameter would change the graph's structure: outlet keys, node references and the form a parameter object takes. */
const STRUCTURAL = new Set(['key', 'target', 'action', 'goal', 'kind', 'op', 'outside']);
const REACH_TEXTS = new Set(['template.name', 'template.subject', 'template.body']);
const TEXT_PARAM = /\{\{\s*param\.([^\s{}]*)\s*\}\}/g;

const isRef = (v: unknown): v is { $param: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, '$param');

type At = { nodeId: string; nodeType: string; param: string; last: string };

/** A copy of `graph` with each parameter reference passed to `ref` and each string to `text`; everything outside `params` is kept as it is. */
function mapGraph(graph: unknown, ref: (at: At, value: { $param: unknown }) => unknown, text: (at: At, value: string) => unknown): unknown {
  if (typeof graph !== 'object' || graph === null || !Array.isArray((graph as { nodes?: unknown }).nodes)) return graph;
  const g = graph as { nodes: unknown[] };
  const walk = (nodeId: string, nodeType: string, value: unknown, path: (string | number)[]): unknown => {
    const param = paramPath(`/${path.join('/')}`);
    const at = { nodeId, nodeType, param, last: String(path.at(-1) ?? '') };
    if (isRef(value)) return ref(at, value);
    if (typeof value === 'string') return text(at, value);
    if (Array.isArray(value)) return value.map((v, i) => walk(nodeId, nodeType, v, [...path, i]));
    if (typeof value === 'object' && value !== null)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(nodeId, nodeType, v, [...path, k])]));
    return value;
  };
  return {
    ...g,
    nodes: g.nodes.map((n) => {
      const node = n as { id?: unknown; type?: unknown; params?: unknown };
      if (typeof node !== 'object' || node === null || typeof node.params !== 'object' || node.params === null) return n;
      return { ...node, params: walk(String(node.id ?? ''), String(node.type ?? ''), node.params, []) };
    }),
  };
}

/** Every parameter placed in the graph, and the placements the rule refuses. */
export function placements(graph: unknown): { uses: Placement[]; problems: Problem[] } {
  const uses: Placement[] = [];
  const problems: Problem[] = [];
  const misplaced = (at: { nodeId: string; param: string }, message: string) =>
    problems.push(problem('TEMPLATE_PARAM_PLACEMENT', `${at.param}: ${message}`, at.nodeId || undefined, at.param || undefined));
  mapGraph(
    graph,
    (at, ref) => {
      const name = ref.$param;
      if (typeof name !== 'string' || Object.keys(ref as object).length !== 1) misplaced(at, '{ "$param": "<name>" } is an object with that one field');
      else if (STRUCTURAL.has(at.last))
        misplaced(at, `a parameter cannot stand here: ${at.last} shapes the graph (outlets, targets or the form of the parameter)`);
      else uses.push({ nodeId: at.nodeId, param: at.param, name, kind: 'value' });
      return ref;
    },
    (at, text) => {
      for (const m of text.matchAll(TEXT_PARAM)) {
        if (at.nodeType !== 'reach' || !REACH_TEXTS.has(at.param))
          misplaced(at, `{{${m[0].slice(2, -2).trim()}}} fills message texts only (a reach node's template); use { "$param": "${m[1]}" } for a whole value`);
        else uses.push({ nodeId: at.nodeId, param: at.param, name: m[1], kind: 'text' });
      }
      return text;
    },
  );
  return { uses, problems };
}

/**
 * The graph with every parameter replaced: a whole value by `lookup(name)`, a text placement by
 * the value as text. Names `lookup` does not know stay as they are.
 */
export function substitute(graph: unknown, lookup: (name: string) => ParamValue | undefined): unknown {
  return mapGraph(
    graph,
    (_at, ref) => (typeof ref.$param === 'string' ? (lookup(ref.$param) ?? ref) : ref),
    (_at, text) =>
      text.replace(TEXT_PARAM, (whole: string, name: string) => {
        const v = lookup(name);
        return v === undefined ? whole : String(v);
      }),
  );
}

/** A value of the declared type for checking a graph before it is filled: the default, else the lowest value the range allows. */
export function sampleValue(d: ParamDecl): ParamValue {
  if (d.default !== undefined) return d.default;
  const n = d.min ?? (d.max !== undefined && d.max < 1 ? d.max : d.type === 'cap' ? 0 : 1);
  const samples: Record<ParamType, ParamValue> = {
    segment: 'segment',
    event: 'event',
    date: '2000-01-01',
    datetime: '2000-01-01T00:00:00Z',
    text: 'text',
    channel_text: 'text',
    number: n,
    integer: Math.ceil(n),
    cap: Math.ceil(n),
    boolean: false,
  };
  return samples[d.type];
}

/**
 * Checks a filled graph's message texts carry the same template variables as the template's own
 * texts — so no value, however it meets the text around it, adds or breaks a variable. Each
 * problem names the parameters placed in that text.
 */
export function injectionProblems(template: unknown, filled: unknown, uses: readonly Placement[]): Problem[] {
  const texts = new Map<string, string>();
  mapGraph(
    template,
    (_a, r) => r,
    (at, t) => (texts.set(`${at.nodeId}\u0000${at.param}`, t), t),
  );
  const out: Problem[] = [];
  mapGraph(
    filled,
    (_a, r) => r,
    (at, t) => {
      const mine = uses.filter((u) => u.kind === 'text' && u.nodeId === at.nodeId && u.param === at.param);
      if (mine.length === 0) return t;
      const own = templateVariables(texts.get(`${at.nodeId}\u0000${at.param}`)!.replace(TEXT_PARAM, 'x'));
      const now = templateVariables(t);
      const names = (v: ReturnType<typeof templateVariables>) => ('error' in v ? null : v.variables.map((x) => x.text).join('\u0000'));
      if (names(own) !== names(now))
        for (const name of new Set(mine.map((u) => u.name)))
          out.push(
            problem(
              'TEMPLATE_VALUE_INVALID',
              `values.${name}: its value would change the template variables of ${at.nodeId}.${at.param}`,
              at.nodeId,
              `values.${name}`,
            ),
          );
      return t;
    },
  );
  return out;
}

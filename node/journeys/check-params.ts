/**
 * Each node's parameters against its component's schema (components.ts), then the rules a schema
 * cannot state: percentages that add up to 100, ranges that are not empty, keys that are unique,
 * time zones that exist. Every problem names the node and the parameter's path in it
 * (`branches[1].percent`), and all of them are reported, not the first.
 */
import { CONTROL_KEY } from './experiments/assign.js';
import type { ErrorObject } from 'ajv';
import { oneOfMessage } from '../validation/allowed-values.js';
import { lazyValidator, type LazyValidator } from '../validation/lazy-validator.js';
import { COMPONENTS, durationMinutes, type ComponentParams, type ComponentType, type Duration } from './components.js';
import type { JourneyNode, TypedNode } from './graph.js';
import { problem, type Problem } from './problems.js';

const validators = new Map<ComponentType, LazyValidator<unknown>>();
const validatorOf = (type: ComponentType) => {
  let v = validators.get(type);
  if (!v) validators.set(type, (v = lazyValidator(COMPONENTS[type].params, { allErrors: true, verbose: true, strict: false, discriminator: true })));
  return v;
};

/** `/branches/1/percent` → `branches[1].percent`. */
export function paramPath(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof child === 'string') parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** One problem per parameter: a union's alternatives are summed up in one message, not one each. */
function schemaProblems(nodeId: string, errors: readonly ErrorObject[]): Problem[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const inside = (path: string) => unions.some((u) => path.startsWith(`${u}/`));
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors) {
    if (inside(e.instancePath)) continue;
    const isUnion = unions.includes(e.instancePath);
    let param: string;
    let message: string;
    if (isUnion) {
      param = paramPath(e.instancePath);
      const first = errors.find((x) => x.instancePath === e.instancePath)!;
      const types = [...new Set(errors.filter((x) => x.instancePath === e.instancePath && x.keyword === 'type').map((x) => String(x.params.type)))];
      message = oneOfMessage(errors, first) ?? (types.length > 0 ? `must be of type ${types.join(' or ')}` : 'matches none of the allowed forms');
    } else if (e.keyword === 'required') {
      param = paramPath(e.instancePath, e.params.missingProperty);
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      param = paramPath(e.instancePath, e.params.additionalProperty);
      message = 'unknown parameter (check its spelling)';
    } else if (e.keyword === 'discriminator') {
      param = paramPath(e.instancePath, e.params.tag);
      const forms = ((e.parentSchema as { oneOf?: { properties: Record<string, { const?: string; enum?: string[] }> }[] })?.oneOf ?? []).flatMap((f) => {
        const p = f.properties[e.params.tag as string];
        return p?.const !== undefined ? [p.const] : (p?.enum ?? []);
      });
      message = `must be one of: ${forms.join(', ')}`;
    } else {
      param = paramPath(e.instancePath);
      message = e.message ?? 'is invalid';
    }
    const key = `${param}\u0000${message}`;
    if (seen.has(param) || seen.has(key)) continue;
    seen.add(param);
    seen.add(key);
    out.push(problem('PARAM_INVALID', `${param || 'params'}: ${message}`, nodeId, param || undefined));
  }
  return out;
}

/**
 * The node's problems, and the node typed when its type is known and its parameters passed their
 * schema (the later checks read typed parameters only).
 */
export function checkParams(node: JourneyNode): { problems: Problem[]; typed?: TypedNode } {
  if (!Object.hasOwn(COMPONENTS, node.type)) {
    const known = Object.keys(COMPONENTS).join(', ');
    return { problems: [problem('NODE_TYPE_UNKNOWN', `type: ${JSON.stringify(node.type.slice(0, 64))} is no component; known: ${known}`, node.id, 'type')] };
  }
  const type = node.type as ComponentType;
  const validate = validatorOf(type);
  if (!validate(node.params)) return { problems: schemaProblems(node.id, validate.errors ?? []) };
  const typed = node as TypedNode;
  return { problems: rangeProblems(typed), typed };
}

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** A key used twice, or a branch named like the `else` outlet every split has. */
/** Keys a branch or band may not take, with what already holds the name. */
const ELSE_OUTLET = { else: 'the else outlet' };
// An experiment's results and a manual winner name groups by key, the control group `control`:
// a branch of that name would be read as the control group.
const CONTROL_GROUP = { [CONTROL_KEY]: 'the control group' };

function keyProblems(nodeId: string, field: string, keys: readonly string[], reserved: Readonly<Record<string, string>>): Problem[] {
  const seen = new Set<string>();
  return keys.flatMap((key, i) => {
    const param = `${field}[${i}].key`;
    if (Object.hasOwn(reserved, key)) return [problem('KEY_DUPLICATE', `${param}: ${key} is the name of ${reserved[key]}`, nodeId, param)];
    if (seen.has(key)) return [problem('KEY_DUPLICATE', `${param}: ${key} is used by an earlier ${field.replace(/s$/, '')}`, nodeId, param)];
    seen.add(key);
    return [];
  });
}

function rangeProblems(node: TypedNode): Problem[] {
  const out: Problem[] = [];
  const id = node.id;
  const zone = (param: string, value: string | undefined) => {
    if (value !== undefined && !isTimeZone(value)) out.push(problem('PARAM_INVALID', `${param}: ${JSON.stringify(value)} is not an IANA time zone`, id, param));
  };
  switch (node.type) {
    case 'attribute_split': {
      const p: ComponentParams['attribute_split'] = node.params;
      out.push(
        ...keyProblems(
          id,
          'branches',
          p.branches.map((b) => b.key),
          ELSE_OUTLET,
        ),
      );
      p.branches.forEach((b, i) =>
        b.conditions.forEach((c, j) => {
          if (!('attribute' in c)) return;
          const param = `branches[${i}].conditions[${j}].value`;
          const list = c.op === 'in' || c.op === 'notIn';
          const none = c.op === 'isSet' || c.op === 'isNotSet';
          if (none && c.value !== undefined) out.push(problem('PARAM_INVALID', `${param}: ${c.op} takes no value`, id, param));
          else if (list && !Array.isArray(c.value)) out.push(problem('PARAM_INVALID', `${param}: ${c.op} takes a list of values`, id, param));
          else if (!none && !list && (c.value === undefined || Array.isArray(c.value)))
            out.push(problem('PARAM_INVALID', `${param}: ${c.op} takes one string, number or boolean`, id, param));
        }),
      );
      break;
    }
    case 'score_split': {
      const p: ComponentParams['score_split'] = node.params;
      out.push(
        ...keyProblems(
          id,
          'bands',
          p.bands.map((b) => b.key),
          ELSE_OUTLET,
        ),
      );
      p.bands.forEach((b, i) => {
        if (b.from !== undefined && b.to !== undefined && !(b.from < b.to))
          out.push(problem('RANGE_EMPTY', `bands[${i}]: from ${b.from} is not below to ${b.to}`, id, `bands[${i}].to`));
      });
      break;
    }
    case 'behaviour_split': {
      const p: ComponentParams['behaviour_split'] = node.params;
      if (p.atMost !== undefined && p.atMost < (p.atLeast ?? 1))
        out.push(problem('RANGE_EMPTY', `atMost: ${p.atMost} is below atLeast ${p.atLeast ?? 1}`, id, 'atMost'));
      break;
    }
    case 'delay': {
      const p: ComponentParams['delay'] = node.params;
      if (p.kind === 'random' && !(durationMinutes(p.min) < durationMinutes(p.max)))
        out.push(problem('RANGE_EMPTY', `max: ${show(p.max)} is not longer than min ${show(p.min)}`, id, 'max'));
      if (p.kind === 'until_date' && !calendarDate(p.at.slice(0, 10)))
        out.push(problem('PARAM_INVALID', `at: ${p.at.slice(0, 10)} is no calendar date`, id, 'at'));
      if (p.kind === 'until_time' || p.kind === 'active_hour') zone('timeZone', p.timeZone);
      break;
    }
    case 'time_window': {
      const p: ComponentParams['time_window'] = node.params;
      p.hours.forEach((h, i) => {
        if (h.from === h.to) out.push(problem('RANGE_EMPTY', `hours[${i}]: from and to are both ${h.from}`, id, `hours[${i}].to`));
      });
      p.holidays?.forEach((d, i) => {
        if (!calendarDate(d)) out.push(problem('PARAM_INVALID', `holidays[${i}]: ${d} is no calendar date`, id, `holidays[${i}]`));
      });
      zone('timeZone', p.timeZone);
      break;
    }
    case 'random_split': {
      const p: ComponentParams['random_split'] = node.params;
      out.push(
        ...keyProblems(
          id,
          'branches',
          p.branches.map((b) => b.key),
          p.control !== undefined || p.experiment ? CONTROL_GROUP : {},
        ),
      );
      // Assignment gives each group whole hundredths of a percent: a smaller share would get none.
      const tooSmall = (param: string, percent: number) => {
        if (Math.round(percent * 100) < 1)
          out.push(problem('PARAM_INVALID', `${param}: at least 0.01 (shares are in hundredths of a percent); got ${percent}`, id, param));
      };
      p.branches.forEach((b, i) => tooSmall(`branches[${i}].percent`, b.percent));
      if (p.control !== undefined) tooSmall('control', p.control);
      // Hundredths: 33.33 + 33.33 + 33.34 is 100 though binary floating point says otherwise.
      const total = p.branches.reduce((sum, b) => sum + Math.round(b.percent * 100), Math.round((p.control ?? 0) * 100));
      if (total !== 10_000) {
        const parts = `${p.branches.map((b) => `${b.key} ${b.percent}`).join(' + ')}${p.control !== undefined ? ` + control ${p.control}` : ''}`;
        out.push(problem('PERCENTAGES_NOT_100', `branches: ${parts} = ${total / 100}, not 100`, id, 'branches'));
      }
      if (p.experiment && p.branches.length + (p.control !== undefined ? 1 : 0) < 2)
        out.push(problem('PARAM_INVALID', 'experiment: an experiment compares at least two branches (or one and the control)', id, 'experiment'));
      break;
    }
    case 'reach': {
      // A parameter of another channel would be silently ignored: refuse it, so the author notices.
      const p: ComponentParams['reach'] = node.params;
      if (p.list !== undefined && p.channel !== 'call') out.push(problem('PARAM_INVALID', `list: only for channel call, not ${p.channel}`, id, 'list'));
      if (p.dueDays !== undefined && p.channel !== 'branch_task')
        out.push(problem('PARAM_INVALID', `dueDays: only for channel branch_task, not ${p.channel}`, id, 'dueDays'));
      break;
    }
  }
  return out;
}

/** Whether YYYY-MM-DD names a day that exists (not 2026-02-30). */
export const calendarDate = (date: string) => {
  const at = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === date;
};

const show = (d: Duration) => `${d.amount} ${d.unit}`;

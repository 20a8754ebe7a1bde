/**
 * The names a journey uses that must exist on this node: its dataset and the attributes of its
 * profiles (insight's catalogue), segments (insight, within the journey's unit scope), events and
 * their properties (the tracking plan), channels, and the variables of message templates. The
 * node's data comes through a narrow port (`JourneyReferences`) the pipeline wiring fills, so
 * this module reads no other module's tables.
 */
import type { Condition } from './components.js';
import type { JourneyGraph, TypedNode } from './graph.js';
import { problem, type Problem } from './problems.js';
import { JOURNEY_VARIABLES, templateVariables } from './template.js';

/** A profile attribute as journeys see it (node/insight's catalogue). */
export interface AttributeInfo {
  type: 'number' | 'string' | 'boolean' | 'date' | 'enum';
  /** Only dataset attributes can be set by a journey; joint and score ones are written by their agreement or model. */
  source: 'dataset' | 'joint' | 'score';
}

/** An event property as the tracking plan declares it: its type and, for an enum, the values it allows. */
interface PropertyInfo {
  type: string;
  values?: readonly string[];
}

/** What validation reads of the node's data. `unit` is the journey's unit (null: the whole organisation). */
export interface JourneyReferences {
  /** The attributes of the dataset's profiles, or null when the node has no such dataset. */
  attributes(dataset: string, unit: string | null): Promise<ReadonlyMap<string, AttributeInfo> | null>;
  /** The dataset of the segment if it exists and the unit may see it, else null. */
  segment(name: string, unit: string | null): { dataset: string } | null;
  /** The events the tracking plan declares now, each with its properties. */
  events(): ReadonlyMap<string, ReadonlyMap<string, PropertyInfo>>;
  /** The channels messages can be sent on. */
  channels: readonly string[];
}

interface Selector {
  event: string;
  filters?: readonly { property: string; op: string; value?: unknown }[];
}

/** The JSON type a filter's value must have to compare with a property of each tracking-plan type (times compare as ISO text). */
const FILTER_VALUE_TYPE: Record<string, string> = { number: 'number', string: 'string', enum: 'string', time: 'string', boolean: 'boolean' };

/** Why a filter's value cannot match the declared property type, or null. */
function filterMismatch(f: { op: string; value?: unknown }, propertyType: string): string | null {
  if (f.op === 'exists' || f.op === 'not_exists') return null;
  const want = FILTER_VALUE_TYPE[propertyType];
  if (f.op === 'contains' && propertyType !== 'string') return `contains needs a string property; it is a ${propertyType}`;
  if (['gt', 'gte', 'lt', 'lte'].includes(f.op) && propertyType !== 'number' && propertyType !== 'time')
    return `${f.op} needs a number or time property; it is a ${propertyType}`;
  const values = Array.isArray(f.value) ? f.value : [f.value];
  return want && values.some((v) => typeof v !== want) ? `the property is a ${propertyType}; compare it with a ${want}` : null;
}

/** How many of an enum's values a message lists (a plan allows 1,000). */
const VALUES_SHOWN = 10;

/**
 * Why a filter on an enum property is a typo, or null: ingestion rejects any value outside the
 * plan's list, so comparing with one never matches (eq, in) or always does (neq).
 */
function enumMismatch(f: { op: string; value?: unknown }, property: string, allowed: readonly string[]): string | null {
  if (f.op !== 'eq' && f.op !== 'neq' && f.op !== 'in') return null;
  const outside = (Array.isArray(f.value) ? f.value : [f.value]).filter((v) => !allowed.includes(v as string));
  if (outside.length === 0) return null;
  const listed = allowed.slice(0, VALUES_SHOWN).join(', ') + (allowed.length > VALUES_SHOWN ? `, … (${allowed.length - VALUES_SHOWN} more)` : '');
  return `${outside.map((v) => JSON.stringify(v)).join(', ')} ${outside.length === 1 ? 'is' : 'are'} not among the values the tracking plan allows for ${property}: ${listed}`;
}

/** The event selectors of a node, with the parameter each sits at. */
function selectorsOf(node: TypedNode): [string, Selector][] {
  switch (node.type) {
    case 'event_entry':
      return [
        ['event', node.params.event],
        ...(node.params.notFollowedBy ? [['notFollowedBy.event', node.params.notFollowedBy.event] as [string, Selector]] : []),
      ];
    case 'behaviour_split':
    case 'wait_event':
    case 'goal':
      return [['event', node.params.event]];
    default:
      return [];
  }
}

function segmentOf(node: TypedNode): [string, string] | null {
  if (node.type === 'segment_entry' || node.type === 'segment_check') return ['segment', node.params.segment];
  if (node.type === 'change_entry' && (node.params.on.kind === 'segment_joined' || node.params.on.kind === 'segment_left'))
    return ['on.segment', node.params.on.segment];
  return null;
}

const VALUE_TYPE: Record<AttributeInfo['type'], string> = { number: 'number', string: 'string', enum: 'string', boolean: 'boolean', date: 'string' };

/**
 * Every reference problem of the typed nodes of `graph`, as the journey of `unit` sees the node's data.
 * @example await referenceProblems(graph, typed, refs, null) // → [{ nodeId: 'check', param: 'segment', code: 'SEGMENT_UNKNOWN', … }]
 */
export async function referenceProblems(graph: JourneyGraph, typed: readonly TypedNode[], refs: JourneyReferences, unit: string | null): Promise<Problem[]> {
  const out: Problem[] = [];
  const attributes = await refs.attributes(graph.dataset, unit);
  if (!attributes) out.push(problem('DATASET_UNKNOWN', `dataset: this node has no dataset ${JSON.stringify(graph.dataset)}`, undefined, 'dataset'));
  const events = refs.events();

  /** The attribute at `param`, or a problem when it is unknown or of another type than `types`. */
  const attribute = (node: TypedNode, param: string, name: string, types?: readonly AttributeInfo['type'][]): AttributeInfo | undefined => {
    if (!attributes) return undefined;
    const a = attributes.get(name);
    if (!a) out.push(problem('ATTRIBUTE_UNKNOWN', `${param}: the profiles of ${graph.dataset} have no attribute ${JSON.stringify(name)}`, node.id, param));
    else if (types && !types.includes(a.type))
      out.push(problem('ATTRIBUTE_TYPE_MISMATCH', `${param}: ${name} is a ${a.type}; this needs a ${types.join(' or ')}`, node.id, param));
    else return a;
    return undefined;
  };
  const valueFits = (node: TypedNode, param: string, a: AttributeInfo, value: unknown) => {
    const values = Array.isArray(value) ? value : [value];
    const want = VALUE_TYPE[a.type];
    if (values.some((v) => v !== null && typeof v !== want))
      out.push(problem('ATTRIBUTE_TYPE_MISMATCH', `${param}: the attribute is a ${a.type}; give a ${want}`, node.id, param));
  };

  const entries = typed.filter((n) => n.type === 'event_entry' || n.type === 'segment_entry' || n.type === 'change_entry');
  /** Properties of the event that let the customer in: those every entry's trigger event declares (none unless all entries are events). */
  const eventContext = (): Set<string> => {
    if (entries.length === 0 || entries.some((e) => e.type !== 'event_entry')) return new Set();
    const sets = entries.map((e) => new Set(events.get((e as TypedNode<'event_entry'>).params.event.event)?.keys() ?? []));
    return new Set([...sets[0]].filter((p) => sets.every((s) => s.has(p))));
  };

  for (const node of typed) {
    const seg = segmentOf(node);
    if (seg) {
      const [param, name] = seg;
      const s = refs.segment(name, unit);
      if (!s) out.push(problem('SEGMENT_UNKNOWN', `${param}: no segment ${JSON.stringify(name)} in the journey's scope`, node.id, param));
      else if (attributes && s.dataset !== graph.dataset)
        out.push(
          problem(
            'SEGMENT_DATASET_MISMATCH',
            `${param}: ${name} is a segment of ${s.dataset}; the journey's customers are of ${graph.dataset}`,
            node.id,
            param,
          ),
        );
    }
    for (const [param, selector] of selectorsOf(node)) {
      const properties = events.get(selector.event);
      if (!properties) {
        out.push(problem('EVENT_UNKNOWN', `${param}.event: the tracking plan declares no event ${JSON.stringify(selector.event)}`, node.id, `${param}.event`));
        continue;
      }
      selector.filters?.forEach((f, i) => {
        const p = `${param}.filters[${i}].property`;
        const spec = properties.get(f.property);
        if (spec === undefined) out.push(problem('PROPERTY_UNKNOWN', `${p}: ${selector.event} declares no property ${JSON.stringify(f.property)}`, node.id, p));
        else {
          const at = `${param}.filters[${i}].value`;
          const why = filterMismatch(f, spec.type);
          const notAllowed = !why && spec.values ? enumMismatch(f, f.property, spec.values) : null;
          if (why) out.push(problem('PROPERTY_TYPE_MISMATCH', `${at}: ${why}`, node.id, at));
          else if (notAllowed) out.push(problem('PROPERTY_VALUE_NOT_ALLOWED', `${at}: ${notAllowed}`, node.id, at));
        }
      });
    }
    switch (node.type) {
      case 'attribute_split':
        node.params.branches.forEach((b, i) =>
          b.conditions.forEach((c: Condition, j) => {
            if (!('attribute' in c)) return;
            const a = attribute(node, `branches[${i}].conditions[${j}].attribute`, c.attribute);
            if (a && c.value !== undefined) valueFits(node, `branches[${i}].conditions[${j}].value`, a, c.value);
          }),
        );
        break;
      case 'score_split': {
        // A score split routes by what a model or a partner computed; a plain dataset number (an
        // income, an age) is an attribute split's job, where its thresholds are explicit conditions.
        const a = attribute(node, 'attribute', node.params.attribute, ['number']);
        if (a && a.source === 'dataset')
          out.push(
            problem(
              'ATTRIBUTE_TYPE_MISMATCH',
              `attribute: ${node.params.attribute} is a dataset attribute; a score split routes by a model score (a score attribute) or a joint attribute — use an attribute split for a dataset number`,
              node.id,
              'attribute',
            ),
          );
        break;
      }
      case 'delay':
        if (node.params.kind === 'until_attribute') attribute(node, 'attribute', node.params.attribute, ['date']);
        break;
      case 'change_entry':
        if (node.params.on.kind === 'joint_result') {
          const a = attribute(node, 'on.attribute', node.params.on.attribute);
          if (a && a.source !== 'joint')
            out.push(
              problem(
                'ATTRIBUTE_TYPE_MISMATCH',
                `on.attribute: ${node.params.on.attribute} is a ${a.source} attribute, not a joint result`,
                node.id,
                'on.attribute',
              ),
            );
        }
        break;
      case 'update_attribute':
        if (node.params.op === 'set') {
          const a = attribute(node, 'attribute', node.params.attribute);
          if (a && a.source !== 'dataset')
            out.push(
              problem(
                'ATTRIBUTE_NOT_WRITABLE',
                `attribute: ${node.params.attribute} is a ${a.source} attribute; only dataset attributes can be set`,
                node.id,
                'attribute',
              ),
            );
          else if (a) valueFits(node, 'value', a, node.params.value);
        }
        break;
      case 'reach': {
        if (!refs.channels.includes(node.params.channel))
          out.push(problem('CHANNEL_UNKNOWN', `channel: ${JSON.stringify(node.params.channel)} is not one of ${refs.channels.join(', ')}`, node.id, 'channel'));
        const texts: [string, string | undefined][] = [
          ['template.subject', node.params.template.subject],
          ['template.body', node.params.template.body],
        ];
        for (const [param, text] of texts) {
          if (text === undefined) continue;
          const parsed = templateVariables(text);
          if ('error' in parsed) {
            out.push(problem('TEMPLATE_INVALID', `${param}: ${parsed.error}`, node.id, param));
            continue;
          }
          for (const v of parsed.variables) {
            const unavailable = (why: string) => out.push(problem('TEMPLATE_VARIABLE_UNAVAILABLE', `${param}: {{${v.text}}} ${why}`, node.id, param));
            if (v.source === 'profile' && attributes && !attributes.has(v.name))
              unavailable(`is not available: the profiles of ${graph.dataset} have no attribute ${v.name}`);
            if (v.source === 'journey' && !JOURNEY_VARIABLES.includes(v.name))
              unavailable(`is not available: the journey context has ${JOURNEY_VARIABLES.join(', ')}`);
            if (v.source === 'event' && !eventContext().has(v.name))
              unavailable('is not available: only a journey entered by events has event properties, and only those every entry event declares');
          }
        }
        break;
      }
    }
  }
  return out;
}

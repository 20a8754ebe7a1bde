/**
 * The rule-tree editor of the segment builder. It edits the rule JSON of docs/insight.md in place:
 * groups (all / any, each node negatable with `not`), profile conditions on the dataset's attributes
 * with the operators their type allows, behaviour conditions on the tracking plan's events
 * (did / did not, property filters, how many times, a window, an aggregate), and references to
 * other segments. Each node knows its path (`rule.all[1].not`), so the server's RULE_INVALID error,
 * whose details name a path, is shown on the node it is about.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type Rule = Record<string, unknown>;

export interface Attribute {
  name: string;
  type: 'number' | 'string' | 'boolean' | 'date' | 'enum';
  values?: string[];
}
export interface EventSpec {
  properties: Record<string, { type: string; values?: string[] }>;
}
/** What the editor offers to choose from, and the server's latest complaint. */
export interface RuleContext {
  attributes: Attribute[];
  events: Record<string, EventSpec>;
  segments: string[];
  editable: boolean;
  error: { path: string; message: string } | null;
}

const COMPARE = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'];
const OPS: Record<Attribute['type'], string[]> = {
  number: [...COMPARE, 'between', 'in', 'notIn', 'isSet', 'isNotSet'],
  string: [...COMPARE, 'between', 'in', 'notIn', 'isSet', 'isNotSet'],
  enum: [...COMPARE, 'between', 'in', 'notIn', 'isSet', 'isNotSet'],
  boolean: ['eq', 'ne', 'isSet', 'isNotSet'],
  date: [...COMPARE, 'between', 'in', 'notIn', 'isSet', 'isNotSet', 'withinLast', 'notWithinLast'],
};
const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'not_exists'];
const AGGREGATE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];

/** Whether the error at `errorPath` is about this node itself rather than one of its children. */
function owns(path: string, errorPath: string, group: boolean): boolean {
  if (errorPath !== path && !errorPath.startsWith(`${path}.`) && !errorPath.startsWith(`${path}[`)) return false;
  const rest = errorPath.slice(path.length);
  return !(group && /^\.(all|any)\[|^\.not/.test(rest));
}

/** A typed value from a text field: numbers as numbers when they parse (otherwise the text, which the server names as wrong). */
function typed(type: string, text: string): unknown {
  if (type === 'number') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}
const list = (type: string, text: string): unknown[] =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => typed(type, v));
const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));
const without = (rule: Rule, ...keys: string[]): Rule => Object.fromEntries(Object.entries(rule).filter(([k]) => !keys.includes(k)));

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child, inside the label
    <label className="rule-field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** One value of an attribute or property, with the input its type calls for. */
function ValueInput({
  type,
  values,
  value,
  label,
  disabled,
  onChange,
}: {
  type: string;
  values?: string[];
  value: unknown;
  label: string;
  disabled: boolean;
  onChange(v: unknown): void;
}) {
  const text = value === undefined || value === null ? '' : String(value);
  if (type === 'boolean' || (type === 'enum' && values && values.length > 0)) {
    const choices = type === 'boolean' ? ['true', 'false'] : (values ?? []);
    return (
      <Field label={label}>
        <select value={text} disabled={disabled} onChange={(e) => onChange(typed(type, e.target.value))}>
          {!choices.includes(text) && <option value={text}>{text}</option>}
          {choices.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      </Field>
    );
  }
  const inputType = type === 'number' ? 'number' : type === 'date' ? 'date' : 'text';
  return (
    <Field label={label}>
      <input type={inputType} value={text} disabled={disabled} onChange={(e) => onChange(typed(type, e.target.value))} />
    </Field>
  );
}

interface NodeProps {
  rule: Rule;
  path: string;
  ctx: RuleContext;
  onChange(rule: Rule): void;
  onRemove?: () => void;
}

/** Any node. A negation `{ not: x }` is shown as x with its "not" ticked; unticking unwraps it. */
export function RuleNode({ rule, path, ctx, onChange, onRemove }: NodeProps) {
  if ('not' in rule) {
    const inner = (rule.not ?? {}) as Rule;
    return (
      <Plain rule={inner} path={`${path}.not`} ctx={ctx} negated onNegate={() => onChange(inner)} onChange={(r) => onChange({ not: r })} onRemove={onRemove} />
    );
  }
  return <Plain rule={rule} path={path} ctx={ctx} negated={false} onNegate={() => onChange({ not: rule })} onChange={onChange} onRemove={onRemove} />;
}

function Plain({ rule, path, ctx, onChange, onRemove, negated, onNegate }: NodeProps & { negated: boolean; onNegate(): void }) {
  const { t } = useTranslation();
  const group = 'all' in rule || 'any' in rule;
  const error = ctx.error && owns(path, ctx.error.path, group || 'not' in rule) ? ctx.error : null;
  const kind = group ? 'group' : 'not' in rule ? 'not' : 'event' in rule ? 'event' : 'segment' in rule ? 'segment' : 'attr';
  return (
    <div className={`rule-node rule-${kind}${error ? ' invalid' : ''}`} data-path={path}>
      <div className="rule-head">
        <span className="rule-kind">{t(`insight.rule.kind.${kind}`)}</span>
        <label className="rule-not">
          <input type="checkbox" checked={negated} disabled={!ctx.editable} onChange={onNegate} />
          <span>{t('insight.rule.not')}</span>
        </label>
        {onRemove && ctx.editable && (
          <button type="button" className="link" onClick={onRemove}>
            {t('insight.rule.remove')}
          </button>
        )}
      </div>
      {kind === 'not' && <RuleNode rule={rule} path={path} ctx={ctx} onChange={onChange} />}
      {kind === 'group' && <Group rule={rule} path={path} ctx={ctx} onChange={onChange} />}
      {kind === 'attr' && <AttributeCondition rule={rule} ctx={ctx} onChange={onChange} />}
      {kind === 'event' && <EventCondition rule={rule} ctx={ctx} onChange={onChange} />}
      {kind === 'segment' && (
        <Field label={t('insight.rule.segment')}>
          <select value={String(rule.segment)} disabled={!ctx.editable} onChange={(e) => onChange({ segment: e.target.value })}>
            {!ctx.segments.includes(String(rule.segment)) && <option value={String(rule.segment)}>{String(rule.segment)}</option>}
            {ctx.segments.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
      )}
      {error && (
        <p className="rule-error" data-testid="rule-error">
          <strong>{error.path}</strong> {error.message}
        </p>
      )}
    </div>
  );
}

/** New conditions start valid where they can, so the preview has a size at once. */
function newCondition(kind: 'attr' | 'event' | 'segment' | 'group', ctx: RuleContext): Rule {
  if (kind === 'event') return { event: { name: Object.keys(ctx.events)[0] ?? '' } };
  if (kind === 'segment') return { segment: ctx.segments[0] ?? '' };
  if (kind === 'group') return { any: [] };
  return { attr: ctx.attributes[0]?.name ?? '', op: 'isSet' };
}

function Group({ rule, path, ctx, onChange }: { rule: Rule; path: string; ctx: RuleContext; onChange(r: Rule): void }) {
  const { t } = useTranslation();
  const key = 'all' in rule ? 'all' : 'any';
  const items = (rule[key] as Rule[]) ?? [];
  const set = (next: Rule[]) => onChange({ [key]: next });
  return (
    <>
      <Field label={t('insight.rule.combine')}>
        <select value={key} disabled={!ctx.editable} onChange={(e) => onChange({ [e.target.value]: items })}>
          <option value="all">{t('insight.rule.all')}</option>
          <option value="any">{t('insight.rule.any')}</option>
        </select>
      </Field>
      <ol className="rule-children">
        {items.map((item, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a condition is its position in the group (as in the rule's paths)
          <li key={i}>
            <RuleNode
              rule={item}
              path={`${path}.${key}[${i}]`}
              ctx={ctx}
              onChange={(r) => set(items.map((x, j) => (j === i ? r : x)))}
              onRemove={() => set(items.filter((_, j) => j !== i))}
            />
          </li>
        ))}
      </ol>
      {ctx.editable && (
        <div className="rule-add">
          {(['attr', 'event', 'segment', 'group'] as const).map((kind) => (
            <button key={kind} type="button" className="secondary" onClick={() => set([...items, newCondition(kind, ctx)])}>
              {t(`insight.rule.add.${kind}`)}
            </button>
          ))}
        </div>
      )}
    </>
  );
}

function AttributeCondition({ rule, ctx, onChange }: { rule: Rule; ctx: RuleContext; onChange(r: Rule): void }) {
  const { t } = useTranslation();
  const attr = ctx.attributes.find((a) => a.name === rule.attr);
  const type = attr?.type ?? 'string';
  const op = String(rule.op ?? '');
  const disabled = !ctx.editable;
  const setOp = (next: string) => {
    const base = { attr: rule.attr, op: next };
    if (COMPARE.includes(next)) onChange({ ...base, value: rule.value ?? rule.min ?? (rule.values as unknown[] | undefined)?.[0] ?? '' });
    else if (next === 'between') onChange({ ...base, min: rule.min ?? rule.value ?? '', max: rule.max ?? '' });
    else if (next === 'in' || next === 'notIn') onChange({ ...base, values: rule.values ?? (rule.value === undefined ? [] : [rule.value]) });
    else if (next === 'withinLast' || next === 'notWithinLast') onChange({ ...base, days: rule.days ?? 30 });
    else onChange(base);
  };
  const setAttr = (name: string) => {
    const next = ctx.attributes.find((a) => a.name === name);
    onChange({
      attr: name,
      op: next && OPS[next.type].includes(op) && next.type === type ? op : 'isSet',
      ...(next?.type === type ? without(rule, 'attr', 'op') : {}),
    });
  };
  return (
    <div className="rule-row">
      <Field label={t('insight.rule.attribute')}>
        <select value={String(rule.attr ?? '')} disabled={disabled} onChange={(e) => setAttr(e.target.value)}>
          {!attr && <option value={String(rule.attr ?? '')}>{String(rule.attr ?? '')}</option>}
          {ctx.attributes.map((a) => (
            <option key={a.name} value={a.name}>
              {a.name} ({t(`insight.type.${a.type}`)})
            </option>
          ))}
        </select>
      </Field>
      <Field label={t('insight.rule.operator')}>
        <select value={op} disabled={disabled} onChange={(e) => setOp(e.target.value)}>
          {OPS[type].map((o) => (
            <option key={o} value={o}>
              {t(`insight.op.${o}`)}
            </option>
          ))}
        </select>
      </Field>
      {COMPARE.includes(op) && (
        <ValueInput
          type={type}
          values={attr?.values}
          value={rule.value}
          label={t('insight.rule.value')}
          disabled={disabled}
          onChange={(value) => onChange({ ...rule, value })}
        />
      )}
      {op === 'between' && (
        <>
          <ValueInput
            type={type}
            values={attr?.values}
            value={rule.min}
            label={t('insight.rule.min')}
            disabled={disabled}
            onChange={(min) => onChange({ ...rule, min })}
          />
          <ValueInput
            type={type}
            values={attr?.values}
            value={rule.max}
            label={t('insight.rule.max')}
            disabled={disabled}
            onChange={(max) => onChange({ ...rule, max })}
          />
        </>
      )}
      {(op === 'in' || op === 'notIn') && (
        <Field label={t('insight.rule.values')}>
          <input
            type="text"
            disabled={disabled}
            defaultValue={((rule.values as unknown[]) ?? []).join(', ')}
            onChange={(e) => onChange({ ...rule, values: list(type, e.target.value) })}
          />
        </Field>
      )}
      {(op === 'withinLast' || op === 'notWithinLast') && (
        <Field label={t('insight.rule.days')}>
          <input
            type="number"
            min={0}
            disabled={disabled}
            value={String(rule.days ?? '')}
            onChange={(e) => onChange({ ...rule, days: typed('number', e.target.value) })}
          />
        </Field>
      )}
    </div>
  );
}

type EventLeaf = {
  name?: string;
  did?: boolean;
  where?: { property: string; op: string; value?: unknown }[];
  times?: { atLeast?: number; atMost?: number };
  within?: { days?: number; from?: string; to?: string };
  aggregate?: { fn: string; property?: string; op: string; value: unknown };
};

function EventCondition({ rule, ctx, onChange }: { rule: Rule; ctx: RuleContext; onChange(r: Rule): void }) {
  const { t } = useTranslation();
  const leaf = (rule.event ?? {}) as EventLeaf;
  const set = (next: EventLeaf) => onChange({ event: Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)) });
  const disabled = !ctx.editable;
  const names = Object.keys(ctx.events);
  const properties = ctx.events[leaf.name ?? '']?.properties ?? {};
  const propertyNames = Object.keys(properties);
  const where = leaf.where ?? [];
  const windowKind = leaf.within === undefined ? 'none' : 'days' in leaf.within ? 'days' : 'dates';
  const setTimes = (key: 'atLeast' | 'atMost', text: string) => {
    const times = { ...leaf.times, [key]: optionalNumber(text) };
    set({ ...leaf, times: times.atLeast === undefined && times.atMost === undefined ? undefined : times });
  };
  const propertySelect = (value: string | undefined, label: string, onPick: (p: string) => void, optional = false) => (
    <Field label={label}>
      <select value={value ?? ''} disabled={disabled} onChange={(e) => onPick(e.target.value)}>
        {(optional || (value !== undefined && !propertyNames.includes(value))) && <option value={value ?? ''}>{value ?? t('insight.rule.anyEvent')}</option>}
        {propertyNames.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </Field>
  );
  return (
    <div className="rule-event">
      <div className="rule-row">
        <Field label={t('insight.rule.did')}>
          <select
            value={leaf.did === false ? 'no' : 'yes'}
            disabled={disabled}
            onChange={(e) => set({ ...leaf, did: e.target.value === 'no' ? false : undefined })}
          >
            <option value="yes">{t('insight.rule.didYes')}</option>
            <option value="no">{t('insight.rule.didNo')}</option>
          </select>
        </Field>
        <Field label={t('insight.rule.event')}>
          <select value={leaf.name ?? ''} disabled={disabled} onChange={(e) => set({ ...leaf, name: e.target.value, where: undefined, aggregate: undefined })}>
            {!names.includes(leaf.name ?? '') && <option value={leaf.name ?? ''}>{leaf.name ?? ''}</option>}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('insight.rule.atLeast')}>
          <input type="number" min={0} disabled={disabled} value={leaf.times?.atLeast ?? ''} onChange={(e) => setTimes('atLeast', e.target.value)} />
        </Field>
        <Field label={t('insight.rule.atMost')}>
          <input type="number" min={0} disabled={disabled} value={leaf.times?.atMost ?? ''} onChange={(e) => setTimes('atMost', e.target.value)} />
        </Field>
      </div>
      <div className="rule-row">
        <Field label={t('insight.rule.window')}>
          <select
            value={windowKind}
            disabled={disabled}
            onChange={(e) => set({ ...leaf, within: e.target.value === 'days' ? { days: 30 } : e.target.value === 'dates' ? { from: '', to: '' } : undefined })}
          >
            <option value="none">{t('insight.rule.windowNone')}</option>
            <option value="days">{t('insight.rule.windowDays')}</option>
            <option value="dates">{t('insight.rule.windowDates')}</option>
          </select>
        </Field>
        {windowKind === 'days' && (
          <Field label={t('insight.rule.days')}>
            <input
              type="number"
              min={1}
              disabled={disabled}
              value={leaf.within?.days ?? ''}
              onChange={(e) => set({ ...leaf, within: { days: optionalNumber(e.target.value) } })}
            />
          </Field>
        )}
        {windowKind === 'dates' && (
          <>
            <Field label={t('insight.rule.from')}>
              <input
                type="date"
                disabled={disabled}
                value={leaf.within?.from ?? ''}
                onChange={(e) => set({ ...leaf, within: { ...leaf.within, from: e.target.value } })}
              />
            </Field>
            <Field label={t('insight.rule.to')}>
              <input
                type="date"
                disabled={disabled}
                value={leaf.within?.to ?? ''}
                onChange={(e) => set({ ...leaf, within: { ...leaf.within, to: e.target.value } })}
              />
            </Field>
          </>
        )}
        <Field label={t('insight.rule.aggregate')}>
          <select
            value={leaf.aggregate?.fn ?? ''}
            disabled={disabled}
            onChange={(e) =>
              set({
                ...leaf,
                aggregate: e.target.value
                  ? {
                      op: 'gte',
                      value: 0,
                      ...leaf.aggregate,
                      fn: e.target.value,
                      ...(e.target.value !== 'count' && !leaf.aggregate?.property ? { property: propertyNames[0] } : {}),
                    }
                  : undefined,
              })
            }
          >
            <option value="">{t('insight.rule.aggregateNone')}</option>
            {['count', 'sum', 'avg', 'min', 'max'].map((fn) => (
              <option key={fn} value={fn}>
                {t(`insight.fn.${fn}`)}
              </option>
            ))}
          </select>
        </Field>
        {leaf.aggregate && (
          <>
            {propertySelect(
              leaf.aggregate.property,
              t('insight.rule.property'),
              (p) => set({ ...leaf, aggregate: { ...(leaf.aggregate as NonNullable<EventLeaf['aggregate']>), property: p || undefined } }),
              leaf.aggregate.fn === 'count',
            )}
            <Field label={t('insight.rule.operator')}>
              <select
                value={leaf.aggregate.op}
                disabled={disabled}
                onChange={(e) => set({ ...leaf, aggregate: { ...(leaf.aggregate as NonNullable<EventLeaf['aggregate']>), op: e.target.value } })}
              >
                {AGGREGATE_OPS.map((o) => (
                  <option key={o} value={o}>
                    {t(`insight.op.${o}`)}
                  </option>
                ))}
              </select>
            </Field>
            <ValueInput
              type="number"
              value={leaf.aggregate.value}
              label={t('insight.rule.value')}
              disabled={disabled}
              onChange={(value) => set({ ...leaf, aggregate: { ...(leaf.aggregate as NonNullable<EventLeaf['aggregate']>), value } })}
            />
          </>
        )}
      </div>
      {where.length > 0 && (
        <ol className="rule-filters" aria-label={t('insight.rule.filters')}>
          {where.map((filter, i) => {
            const spec = properties[filter.property];
            const change = (next: Partial<typeof filter>) => set({ ...leaf, where: where.map((f, j) => (j === i ? { ...f, ...next } : f)) });
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a filter is its position (as in the rule's paths)
              <li key={i} className="rule-row">
                {propertySelect(filter.property, t('insight.rule.property'), (property) => change({ property }))}
                <Field label={t('insight.rule.operator')}>
                  <select
                    value={filter.op}
                    disabled={disabled}
                    onChange={(e) => {
                      const op = e.target.value;
                      const { value: _drop, ...rest } = filter;
                      set({
                        ...leaf,
                        where: where.map((f, j) =>
                          j === i
                            ? op === 'exists' || op === 'not_exists'
                              ? { ...rest, op }
                              : { ...rest, op, value: op === 'in' ? [] : (filter.value ?? '') }
                            : f,
                        ),
                      });
                    }}
                  >
                    {FILTER_OPS.map((o) => (
                      <option key={o} value={o}>
                        {t(`insight.op.${o}`)}
                      </option>
                    ))}
                  </select>
                </Field>
                {filter.op === 'in' ? (
                  <Field label={t('insight.rule.values')}>
                    <input
                      type="text"
                      disabled={disabled}
                      defaultValue={((filter.value as unknown[]) ?? []).join(', ')}
                      onChange={(e) => change({ value: list(spec?.type ?? 'string', e.target.value) })}
                    />
                  </Field>
                ) : (
                  filter.op !== 'exists' &&
                  filter.op !== 'not_exists' && (
                    <ValueInput
                      type={spec?.type === 'number' ? 'number' : spec?.type === 'boolean' ? 'boolean' : spec?.type === 'enum' ? 'enum' : 'string'}
                      values={spec?.values}
                      value={filter.value}
                      label={t('insight.rule.value')}
                      disabled={disabled}
                      onChange={(value) => change({ value })}
                    />
                  )
                )}
                {ctx.editable && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => set({ ...leaf, where: where.length === 1 ? undefined : where.filter((_, j) => j !== i) })}
                  >
                    {t('insight.rule.removeFilter')}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {ctx.editable && (
        <button
          type="button"
          className="secondary"
          onClick={() => set({ ...leaf, where: [...where, { property: propertyNames[0] ?? '', op: 'eq', value: '' }] })}
        >
          {t('insight.rule.addFilter')}
        </button>
      )}
    </div>
  );
}

/**
 * The query form of one model, built from its fields (./models.ts): event selectors with their
 * property filters, lists of steps or touches, dates, choices and numbers. Event names and
 * segments are suggested from the tracking plan and the saved segments; anything may be typed.
 */
import { type FormEvent, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { FILTER_OPS, type Field, type FilterRow, type FormState, type FormValue, type ModelName, MODELS, type SelectorInput, VALUELESS } from './models';

interface Suggestions {
  events: string[];
  segments: string[];
}

function SelectorEditor({ label, value, onChange, listId }: { label: string; value: SelectorInput; onChange(v: SelectorInput): void; listId: string }) {
  const { t } = useTranslation();
  const setFilter = (i: number, patch: Partial<FilterRow>) => onChange({ ...value, filters: value.filters.map((f, j) => (j === i ? { ...f, ...patch } : f)) });
  return (
    <fieldset className="selector">
      <legend>{label}</legend>
      <label>
        <span>{t('analytics.field.eventName')}</span>
        <input
          required
          list={listId}
          value={value.event}
          onChange={(e) => onChange({ ...value, event: e.target.value })}
          aria-label={`${label}: ${t('analytics.field.eventName')}`}
        />
      </label>
      {value.filters.map((f, i) => {
        const name = t('analytics.filter.name', { what: label, n: i + 1 });
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: filter rows have no identity beyond their position
          <fieldset className="filter-row" key={i} aria-label={name}>
            <input
              aria-label={`${name}: ${t('analytics.filter.property')}`}
              placeholder={t('analytics.filter.property')}
              required
              value={f.property}
              onChange={(e) => setFilter(i, { property: e.target.value })}
            />
            <select aria-label={`${name}: ${t('analytics.filter.op')}`} value={f.op} onChange={(e) => setFilter(i, { op: e.target.value as FilterRow['op'] })}>
              {FILTER_OPS.map((op) => (
                <option key={op} value={op}>
                  {t(`analytics.op.${op}`)}
                </option>
              ))}
            </select>
            {!VALUELESS.includes(f.op) && (
              <input
                aria-label={`${name}: ${t('analytics.filter.value')}`}
                placeholder={t('analytics.filter.value')}
                value={f.value}
                onChange={(e) => setFilter(i, { value: e.target.value })}
              />
            )}
            <button type="button" className="secondary" onClick={() => onChange({ ...value, filters: value.filters.filter((_, j) => j !== i) })}>
              {t('analytics.filter.remove')}
            </button>
          </fieldset>
        );
      })}
      <button type="button" className="secondary" onClick={() => onChange({ ...value, filters: [...value.filters, { property: '', op: 'eq', value: '' }] })}>
        {t('analytics.filter.add')}
      </button>
    </fieldset>
  );
}

function FieldInput({
  field,
  value,
  onChange,
  ids,
}: {
  field: Field;
  value: FormValue;
  onChange(v: FormValue): void;
  ids: { events: string; segments: string };
}) {
  const { t } = useTranslation();
  const label = t(`analytics.field.${field.key}`);
  switch (field.kind) {
    case 'selector':
      return <SelectorEditor label={label} value={value as SelectorInput} onChange={onChange} listId={ids.events} />;
    case 'selectors': {
      const items = value as SelectorInput[];
      return (
        <fieldset className="selectors" aria-label={label}>
          {items.map((item, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: steps have no identity beyond their position
            <div className="selectors-item" key={i}>
              <SelectorEditor
                label={t(`analytics.field.${field.key}Item`, { n: i + 1 })}
                value={item}
                onChange={(v) => onChange(items.map((x, j) => (j === i ? v : x)))}
                listId={ids.events}
              />
              {items.length > field.min && (
                <button type="button" className="secondary" onClick={() => onChange(items.filter((_, j) => j !== i))}>
                  {t(`analytics.field.${field.key}Remove`, { n: i + 1 })}
                </button>
              )}
            </div>
          ))}
          {items.length < field.max && (
            <button type="button" className="secondary" onClick={() => onChange([...items, { event: '', filters: [] }])}>
              {t(`analytics.field.${field.key}Add`)}
            </button>
          )}
        </fieldset>
      );
    }
    case 'boolean':
      return (
        <label className="check">
          <input type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span>{label}</span>
        </label>
      );
    case 'choice':
      return (
        <label>
          <span>{label}</span>
          <select value={value as string} onChange={(e) => onChange(e.target.value)}>
            {field.optional && <option value="">{t('analytics.field.none')}</option>}
            {field.options.map((o) => (
              <option key={o} value={o}>
                {t(`analytics.option.${field.key}.${o}`)}
              </option>
            ))}
          </select>
        </label>
      );
    default: {
      const common = { value: value as string, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
      const input =
        field.kind === 'date' ? (
          <input type="date" required {...common} />
        ) : field.kind === 'integer' ? (
          <input type="number" min={field.min} max={field.max} step={1} required={!field.optional} {...common} />
        ) : field.kind === 'segment' ? (
          <input list={ids.segments} {...common} />
        ) : (
          <input required={field.kind === 'property' && !field.optional} placeholder={field.kind === 'numbers' ? '0, 10, 100' : undefined} {...common} />
        );
      return (
        // biome-ignore lint/a11y/noLabelWithoutControl: `input` is the control, chosen above
        <label>
          <span>{label}</span>
          {input}
        </label>
      );
    }
  }
}

export function QueryForm({
  model,
  state,
  onChange,
  onRun,
  running,
  suggestions,
}: {
  model: ModelName;
  state: FormState;
  onChange(s: FormState): void;
  onRun(): void;
  running: boolean;
  suggestions: Suggestions;
}) {
  const { t } = useTranslation();
  const id = useId();
  const ids = { events: `${id}-events`, segments: `${id}-segments` };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onRun();
  };
  const fields = MODELS[model];
  const isWide = (f: Field) => f.kind === 'selector' || f.kind === 'selectors';
  const wide = fields.filter(isWide);
  const small = fields.filter((f) => !isWide(f));
  const input = (f: Field) => (
    <FieldInput key={f.key} field={f} value={state[f.key] as FormValue} onChange={(v) => onChange({ ...state, [f.key]: v })} ids={ids} />
  );
  return (
    <form className="query" onSubmit={submit} aria-label={t('analytics.form', { model: t(`analytics.model.${model}`) })}>
      <datalist id={ids.events}>
        {suggestions.events.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <datalist id={ids.segments}>
        {suggestions.segments.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <div className="query-selectors">{wide.map(input)}</div>
      <div className="filters">{small.map(input)}</div>
      <button type="submit" disabled={running}>
        {running ? t('analytics.running') : t('analytics.run')}
      </button>
    </form>
  );
}

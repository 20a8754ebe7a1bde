/**
 * Instantiating a campaign template: a form built from the version's declared parameters (a
 * field per type: text, a message text, a number with its range, a yes/no, a date), the new
 * journey's name and optional start and end. The node checks every value and names the parameter
 * it refuses (TEMPLATE_VALUES_INVALID, `values.<name>`); left empty, a parameter takes its default.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { useAction } from '../widgets/action';

export interface Parameter {
  name: string;
  type: 'segment' | 'date' | 'datetime' | 'text' | 'channel_text' | 'number' | 'integer' | 'boolean' | 'event' | 'cap';
  label: string;
  required: boolean;
  default?: string | number | boolean;
  min?: number;
  max?: number;
  maxLength?: number;
}

/** A form field's text as the value the parameter's type takes; undefined leaves it to the default. */
function typedValue(p: Parameter, text: string): string | number | boolean | undefined {
  if (text === '') return undefined;
  if (p.type === 'boolean') return text === 'true';
  if (p.type === 'number' || p.type === 'integer' || p.type === 'cap') return Number(text);
  if (p.type === 'datetime') return new Date(text).toISOString();
  return text;
}

export function InstantiateForm({
  templateId,
  version,
  parameters,
  onCreated,
}: {
  templateId: number;
  version: number;
  parameters: Parameter[];
  onCreated(): void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const action = useAction('instantiate-result');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const values = Object.fromEntries(
        parameters.flatMap((p) => (typedValue(p, texts[p.name] ?? '') === undefined ? [] : [[p.name, typedValue(p, texts[p.name] ?? '')]])),
      );
      const created = await api<{ journey: { id: number; name: string } }>(`/v1/journey-templates/${templateId}/instances`, {
        method: 'POST',
        body: {
          name,
          values,
          version,
          ...(startsAt ? { startsAt: new Date(startsAt).toISOString() } : {}),
          ...(endsAt ? { endsAt: new Date(endsAt).toISOString() } : {}),
        },
      });
      onCreated();
      return t('templates.created', { name: created.journey.name });
    });
  };
  const field = (p: Parameter) => {
    const value = texts[p.name] ?? '';
    const set = (v: string) => setTexts({ ...texts, [p.name]: v });
    const id = `param-${p.name}`;
    const control =
      p.type === 'boolean' ? (
        <select id={id} value={value} onChange={(e) => set(e.target.value)} required={p.required}>
          <option value="">{p.required ? '' : t('templates.useDefault', { value: String(p.default) })}</option>
          <option value="true">{t('templates.yes')}</option>
          <option value="false">{t('templates.no')}</option>
        </select>
      ) : p.type === 'channel_text' ? (
        <textarea id={id} value={value} onChange={(e) => set(e.target.value)} required={p.required} maxLength={p.maxLength} rows={3} />
      ) : (
        <input
          id={id}
          type={{ number: 'number', integer: 'number', cap: 'number', date: 'date', datetime: 'datetime-local' }[p.type as string] ?? 'text'}
          step={p.type === 'number' ? 'any' : undefined}
          min={p.min ?? (p.type === 'cap' ? 0 : undefined)}
          max={p.max}
          maxLength={p.maxLength}
          required={p.required}
          placeholder={p.default === undefined ? undefined : String(p.default)}
          value={value}
          onChange={(e) => set(e.target.value)}
        />
      );
    return (
      <div className="field" key={p.name}>
        <label htmlFor={id}>
          {p.label} <span className="mono">{p.name}</span>
        </label>
        {control}
        <span className="help">
          {t(`templates.types.${p.type}`)}
          {p.required ? ` · ${t('templates.required')}` : ` · ${t('templates.default', { value: String(p.default) })}`}
        </span>
      </div>
    );
  };
  return (
    <form className="instantiate" onSubmit={submit} aria-label={t('templates.instantiate')}>
      <div className="field">
        <label htmlFor="instance-name">{t('templates.journeyName')}</label>
        <input id="instance-name" required pattern="[a-z][a-z0-9_\-]{0,63}" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      {parameters.map(field)}
      <div className="field">
        <label htmlFor="instance-starts">{t('templates.startsAt')}</label>
        <input id="instance-starts" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="instance-ends">{t('templates.endsAt')}</label>
        <input id="instance-ends" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
      </div>
      <button type="submit" disabled={action.busy}>
        {action.busy ? t('templates.creating') : t('templates.create')}
      </button>
      {action.outcome}
    </form>
  );
}

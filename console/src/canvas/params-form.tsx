/**
 * A form for a component's parameters, built from the JSON Schema the node publishes for it:
 * text, number, yes/no and choice fields; a choice of variants (a `kind`) with the chosen
 * variant's fields; nested objects as groups; anything else (lists) as JSON text. The names and
 * descriptions are the schema's own; the server validates the result either way.
 */
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JsonSchema } from './model';

type Value = unknown;
type Obj = Record<string, unknown>;

const asObject = (v: Value): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const constsOf = (s: JsonSchema): unknown[] | null => {
  const options = s.anyOf ?? [];
  return options.length > 0 && options.every((o) => o.const !== undefined) ? options.map((o) => o.const) : null;
};
/** The variant of a oneOf whose `kind` (its discriminator) is the value's. */
const variantOf = (s: JsonSchema, v: Obj): JsonSchema | undefined => s.oneOf?.find((o) => o.properties?.kind?.const === v.kind);

export function ParamsForm({ schema, value, onChange, disabled }: { schema: JsonSchema; value: Obj; onChange: (v: Obj) => void; disabled: boolean }) {
  return <ObjectFields schema={schema} value={value} onChange={(v) => onChange(asObject(v))} disabled={disabled} />;
}

function ObjectFields({ schema, value, onChange, disabled }: { schema: JsonSchema; value: Value; onChange: (v: Value) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const obj = asObject(value);
  if (schema.oneOf) {
    const variant = variantOf(schema, obj);
    const kinds = schema.oneOf.map((o) => o.properties?.kind?.const).filter((k): k is string => typeof k === 'string');
    return (
      <div className="variant">
        <label htmlFor={`${id}-kind`}>kind</label>
        <select
          id={`${id}-kind`}
          value={typeof obj.kind === 'string' ? obj.kind : ''}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value ? { kind: e.target.value } : {})}
        >
          <option value="">{t('canvas.choose')}</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        {variant && <ObjectFields schema={{ ...variant, properties: withoutKind(variant.properties) }} value={obj} onChange={onChange} disabled={disabled} />}
      </div>
    );
  }
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, prop]) => (
        <Field
          key={name}
          name={name}
          required={schema.required?.includes(name) ?? false}
          schema={prop}
          value={obj[name]}
          disabled={disabled}
          onChange={(v) => {
            const next = { ...obj };
            if (v === undefined) delete next[name];
            else next[name] = v;
            onChange(next);
          }}
        />
      ))}
    </>
  );
}

const withoutKind = (props: Record<string, JsonSchema> | undefined) => Object.fromEntries(Object.entries(props ?? {}).filter(([k]) => k !== 'kind'));

function Field({
  name,
  schema,
  value,
  onChange,
  required,
  disabled,
}: {
  name: string;
  schema: JsonSchema;
  value: Value;
  onChange: (v: Value) => void;
  required: boolean;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const label = (
    <label htmlFor={id}>
      {name}
      {required && <span aria-hidden="true"> *</span>}
    </label>
  );
  const help = schema.description ? <small className="help">{schema.description}</small> : null;
  const consts = constsOf(schema);
  if (consts) {
    return (
      <div className="field">
        {label}
        <select
          id={id}
          value={value === undefined ? '' : String(value)}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        >
          <option value="">{t('canvas.choose')}</option>
          {consts.map((c) => (
            <option key={String(c)} value={String(c)}>
              {String(c)}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  if (schema.type === 'string') {
    return (
      <div className="field">
        {label}
        <input
          id={id}
          type="text"
          value={typeof value === 'string' ? value : ''}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
        />
        {help}
      </div>
    );
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return (
      <div className="field">
        {label}
        <input
          id={id}
          type="number"
          step={schema.type === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          value={typeof value === 'number' ? value : ''}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
        {help}
      </div>
    );
  }
  if (schema.type === 'boolean') {
    return (
      <div className="field check">
        <input id={id} type="checkbox" checked={value === true} disabled={disabled} onChange={(e) => onChange(e.target.checked ? true : undefined)} />
        {label}
        {help}
      </div>
    );
  }
  if ((schema.type === 'object' && schema.properties) || schema.oneOf) {
    return (
      <fieldset>
        <legend>
          {name}
          {required && <span aria-hidden="true"> *</span>}
        </legend>
        {help}
        <ObjectFields schema={schema} value={value} onChange={onChange} disabled={disabled} />
      </fieldset>
    );
  }
  return (
    <div className="field">
      {label}
      <JsonText id={id} value={value} onChange={onChange} disabled={disabled} />
      {help}
    </div>
  );
}

/** JSON for what the form has no fields for; kept as typed until it parses. */
function JsonText({ id, value, onChange, disabled }: { id: string; value: Value; onChange: (v: Value) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 1));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(value === undefined ? '' : JSON.stringify(value, null, 1)), [value]);
  return (
    <>
      <textarea
        id={id}
        rows={3}
        value={text}
        disabled={disabled}
        aria-invalid={bad}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === '') return (setBad(false), onChange(undefined));
          try {
            onChange(JSON.parse(text));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <small className="bad">{t('canvas.badJson')}</small>}
    </>
  );
}

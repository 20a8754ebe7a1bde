/** An outcome and an optional deal value for a call or a branch task; the node checks the code. */
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

export function OutcomeForm({
  choices,
  busy,
  label,
  onSubmit,
}: {
  /** Fixed outcomes (calls), or free short codes (tasks) when absent. */
  choices?: readonly string[];
  busy: boolean;
  label: string;
  onSubmit(outcome: string, value: number | undefined): void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [outcome, setOutcome] = useState(choices?.[0] ?? '');
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(outcome.trim(), value.trim() === '' ? undefined : Number(value));
  };
  return (
    <form className="outcome-form" onSubmit={submit} aria-label={label}>
      <label htmlFor={`${id}-outcome`}>{t('reach.outcome')}</label>
      {choices ? (
        <select id={`${id}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {t(`reach.callOutcome.${c}`, { defaultValue: c })}
            </option>
          ))}
        </select>
      ) : (
        <input id={`${id}-outcome`} required pattern="[a-z][a-z0-9_]{0,31}" placeholder="sold" value={outcome} onChange={(e) => setOutcome(e.target.value)} />
      )}
      <label htmlFor={`${id}-value`}>{t('reach.value')}</label>
      <input id={`${id}-value`} type="number" min={0} step="any" value={value} onChange={(e) => setValue(e.target.value)} />
      <button type="submit" disabled={busy || outcome.trim() === ''}>
        {busy ? t('reach.saving') : t('reach.record')}
      </button>
    </form>
  );
}

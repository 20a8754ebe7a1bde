/**
 * The operator's query form: the kind, and for aggregate and score the partner's agreed columns
 * and how our records are grouped (the whole dataset, our own segments, or an attribute). The
 * node checks everything again; its refusal is shown with its code and message.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ErrorBox, useLoad } from '../ui';
import { type Agreement, allowedKinds, JOB_KINDS, type Job, type JobKind, type Segment, sides } from './model';

type Grouping = 'all' | 'segments' | 'groupBy';

export function RunForm({ agreement, onQueued }: { agreement: Agreement; onQueued(job: Job): void }) {
  const { t } = useTranslation();
  const allowed = allowedKinds(agreement);
  const columns = agreement.terms.aggregate?.columns.map((c) => c.column) ?? [];
  const ours = sides(agreement).ours.dataset;
  const [kind, setKind] = useState<JobKind>(allowed[0] ?? 'overlap');
  const [chosenColumns, setChosenColumns] = useState<string[]>(columns.slice(0, 1));
  // Terms without aggregate columns: the operator may still name some, and the node says why it refuses.
  const [typedColumns, setTypedColumns] = useState('');
  const [grouping, setGrouping] = useState<Grouping>('all');
  const [chosenSegments, setChosenSegments] = useState<string[]>([]);
  const [groupBy, setGroupBy] = useState('');
  const [histogram, setHistogram] = useState(false);
  const [formula, setFormula] = useState(columns[0] ? `size-x-mean:${columns[0]}` : '');
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const aggregates = kind === 'aggregate' || kind === 'score';
  const segments = useLoad(
    () => (aggregates ? api<{ segments: Segment[] }>(`/v1/insight/segments?dataset=${encodeURIComponent(ours)}`) : Promise.resolve({ segments: [] })),
    `${ours}:${aggregates}`,
  );

  const toggle = (list: string[], item: string) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setState({ busy: true });
    const aggregate = aggregates
      ? {
          columns: columns.length > 0 ? chosenColumns : typedColumns.split(',').flatMap((c) => (c.trim() ? [c.trim()] : [])),
          ...(histogram ? { histogram } : {}),
          ...(grouping === 'segments' ? { segments: chosenSegments } : {}),
          ...(grouping === 'groupBy' ? { groupBy: groupBy.trim() } : {}),
          ...(kind === 'score' ? { score: formula.trim() } : {}),
        }
      : undefined;
    try {
      const job = await api<Job>('/v1/jobs', { method: 'POST', body: { kind, agreementIds: [agreement.id], ...(aggregate ? { aggregate } : {}) } });
      setState({ busy: false });
      onQueued(job);
    } catch (error) {
      setState({ busy: false, error });
    }
  };

  return (
    <form className="run-form" onSubmit={submit}>
      <fieldset>
        <legend>{t('joint.run.kind')}</legend>
        {JOB_KINDS.map((k) => (
          <label key={k} className="choice">
            <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
            {t(`joint.kind.${k}`)}
            {!allowed.includes(k) && <span className="help">{t('joint.run.notInTerms')}</span>}
          </label>
        ))}
        <p className="help">{t(`joint.kindHelp.${kind}`)}</p>
      </fieldset>
      {aggregates && (
        <>
          <fieldset>
            <legend>{t('joint.run.columns')}</legend>
            {columns.length === 0 && (
              <label className="field">
                <span>{t('joint.run.typeColumns')}</span>
                <input value={typedColumns} onChange={(e) => setTypedColumns(e.target.value)} />
                <span className="help">{t('joint.run.noColumns')}</span>
              </label>
            )}
            {columns.map((c) => (
              <label key={c} className="choice">
                <input type="checkbox" checked={chosenColumns.includes(c)} onChange={() => setChosenColumns(toggle(chosenColumns, c))} />
                {c}
              </label>
            ))}
            <label className="choice">
              <input type="checkbox" checked={histogram} onChange={(e) => setHistogram(e.target.checked)} />
              {t('joint.run.histogram')}
            </label>
          </fieldset>
          <fieldset>
            <legend>{t('joint.run.grouping')}</legend>
            {(['all', 'segments', 'groupBy'] as const).map((g) => (
              <label key={g} className="choice">
                <input type="radio" name="grouping" value={g} checked={grouping === g} onChange={() => setGrouping(g)} />
                {t(`joint.run.group.${g}`, { dataset: ours })}
              </label>
            ))}
            {grouping === 'segments' &&
              (segments.error !== undefined ? (
                <ErrorBox error={segments.error} />
              ) : (segments.data?.segments.length ?? 0) === 0 ? (
                <p className="help">{t('joint.run.noSegments', { dataset: ours })}</p>
              ) : (
                <div className="choices">
                  {segments.data?.segments.map((s) => (
                    <label key={s.name} className="choice">
                      <input type="checkbox" checked={chosenSegments.includes(s.name)} onChange={() => setChosenSegments(toggle(chosenSegments, s.name))} />
                      {s.name}
                    </label>
                  ))}
                </div>
              ))}
            {grouping === 'groupBy' && (
              <label className="field">
                <span>{t('joint.run.attribute')}</span>
                <input value={groupBy} onChange={(e) => setGroupBy(e.target.value)} required />
              </label>
            )}
          </fieldset>
          {kind === 'score' && (
            <label className="field">
              <span>{t('joint.run.formula')}</span>
              <input value={formula} onChange={(e) => setFormula(e.target.value)} required />
              <span className="help">{t('joint.run.formulaHelp')}</span>
            </label>
          )}
        </>
      )}
      <button type="submit" disabled={state.busy}>
        {t('joint.run.submit', { kind: t(`joint.kind.${kind}`) })}
      </button>
      {state.error !== undefined && <ErrorBox error={state.error} />}
    </form>
  );
}

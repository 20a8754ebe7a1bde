/**
 * Proposing an agreement (administrators): a form over POST /v1/agreements. The node checks
 * everything and names the field; each complaint is shown on the field it names. Terms below this
 * node's policy floors are refused (AGREEMENT_BELOW_POLICY) until the administrator confirms the
 * override, which the node audits and signs into the terms for the peer to read. Aggregate terms
 * (columns, mechanism, group limits) are proposed with the CLI or the API.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api';
import { navigate } from '../router';
import { ErrorBox, useLoad } from '../ui';
import { Field } from '../widgets/field';
import { fieldErrors } from '../widgets/field-errors';
import type { Agreement } from './agreement-model';
import type { DatasetInfo } from './data';

const ID_KINDS = ['phone', 'email', 'national-id', 'raw'] as const;
const OPERATIONS = ['overlap', 'enrich'] as const;
const DAY_MS = 86_400_000;

interface Draft {
  peer: string;
  title: string;
  localDataset: string;
  peerDataset: string;
  idKind: string;
  operations: string[];
  shareOverlapWithAcceptor: boolean;
  enrichAttribute: string;
  minIntersection: string;
  maxQueriesPerDay: string;
  expiresAt: string;
  exactCounts: boolean;
  countEpsilon: string;
  countBudget: string;
  countDays: string;
}
const FIELDS = [
  'peer',
  'title',
  'localDataset',
  'peerDataset',
  'idKind',
  'operations',
  'enrichAttribute',
  'minIntersection',
  'maxQueriesPerDay',
  'expiresAt',
  'exactCounts',
  'countEpsilon',
  'countBudget',
  'countDays',
] as const;
/** The node's names for what the form calls otherwise. */
const ALIASES = {
  'countNoise.epsilonPerQuery': 'countEpsilon',
  'countNoise.budget.epsilon': 'countBudget',
  'countNoise.budget.periodDays': 'countDays',
  'parties.proposer.dataset': 'localDataset',
  'parties.acceptor.dataset': 'peerDataset',
  'outputs.': 'operations',
};
/** Refusals whose message names no field but are about one. */
const CODE_FIELDS: Record<string, string> = { PEER_UNKNOWN: 'peer', PEER_UNREACHABLE: 'peer', PEER_NOT_PINNED: 'peer', DATASET_NOT_FOUND: 'localDataset' };

const dateInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The request body: empty optional fields are left out, so the node's policy fills them. */
function body(d: Draft, overridePolicy: boolean): Record<string, unknown> {
  const number = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const countNoise = {
    epsilonPerQuery: number(d.countEpsilon),
    budget:
      number(d.countBudget) === undefined && number(d.countDays) === undefined
        ? undefined
        : { epsilon: number(d.countBudget), periodDays: number(d.countDays) },
  };
  return {
    peer: d.peer,
    title: d.title,
    localDataset: d.localDataset,
    peerDataset: d.peerDataset,
    idKind: d.idKind,
    operations: d.operations,
    minIntersection: number(d.minIntersection),
    maxQueriesPerDay: number(d.maxQueriesPerDay),
    // The end of the chosen day, in UTC: the agreement works through the whole of it.
    expiresAt: d.expiresAt ? new Date(`${d.expiresAt}T23:59:59.000Z`).toISOString() : '',
    ...(d.operations.includes('overlap') && d.shareOverlapWithAcceptor ? { shareOverlapWithAcceptor: true } : {}),
    ...(d.operations.includes('enrich') && d.enrichAttribute.trim() ? { enrichAttribute: d.enrichAttribute.trim() } : {}),
    ...(d.exactCounts ? { exactCounts: true } : {}),
    ...(!d.exactCounts && (countNoise.epsilonPerQuery !== undefined || countNoise.budget) ? { countNoise: JSON.parse(JSON.stringify(countNoise)) } : {}),
    ...(overridePolicy ? { overridePolicy: true } : {}),
  };
}

export function ProposeAgreement() {
  const { t } = useTranslation();
  const options = useLoad(() =>
    Promise.all([api<{ peers: { name: string }[] }>('/v1/health'), api<{ datasets: DatasetInfo[] }>('/v1/datasets')]).then(([h, d]) => ({
      peers: h.peers.map((p) => p.name),
      datasets: d.datasets,
    })),
  );
  const [draft, setDraft] = useState<Draft>({
    peer: '',
    title: '',
    localDataset: '',
    peerDataset: '',
    idKind: 'phone',
    operations: ['overlap'],
    shareOverlapWithAcceptor: false,
    enrichAttribute: '',
    minIntersection: '10',
    maxQueriesPerDay: '20',
    expiresAt: dateInput(Date.now() + 90 * DAY_MS),
    exactCounts: false,
    countEpsilon: '',
    countBudget: '',
    countDays: '',
  });
  const [override, setOverride] = useState(false);
  const [sent, setSent] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const belowPolicy = sent.error instanceof ApiError && sent.error.code === 'AGREEMENT_BELOW_POLICY';
  const errors = fieldErrors(sent.error, FIELDS, ALIASES);
  if (sent.error instanceof ApiError && CODE_FIELDS[sent.error.code]) (errors[CODE_FIELDS[sent.error.code]] ??= []).push(sent.error.message);
  const set = <K extends keyof Draft>(name: K, value: Draft[K]) => setDraft({ ...draft, [name]: value });
  const errorOf = (name: (typeof FIELDS)[number]) => errors[name]?.join(' · ');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSent({ busy: true });
    try {
      const created = await api<Agreement>('/v1/agreements', { method: 'POST', body: body(draft, belowPolicy && override) });
      navigate(`agreements/${created.id}`);
    } catch (error) {
      setOverride(false);
      setSent({ busy: false, error });
    }
  };

  const peers = options.data?.peers ?? [];
  const datasets = options.data?.datasets ?? [];
  const text = (name: 'title' | 'peerDataset' | 'enrichAttribute', help?: string) => (
    <Field label={t(`agreements.field.${name}`)} help={help} error={errorOf(name)}>
      {(control) => <input {...control} required={name !== 'enrichAttribute'} value={draft[name]} onChange={(e) => set(name, e.target.value)} />}
    </Field>
  );
  const number = (name: 'minIntersection' | 'maxQueriesPerDay' | 'countEpsilon' | 'countBudget' | 'countDays', step: string, help?: string) => (
    <Field label={t(`agreements.field.${name}`)} help={help} error={errorOf(name)}>
      {(control) => <input {...control} type="number" step={step} value={draft[name]} onChange={(e) => set(name, e.target.value)} />}
    </Field>
  );

  return (
    <>
      <div className="page-head">
        <h1>{t('agreements.proposeTitle')}</h1>
        <button type="button" onClick={() => navigate('agreements')}>
          {t('agreements.back')}
        </button>
      </div>
      {options.error !== undefined && <ErrorBox error={options.error} />}
      <form className="panel" onSubmit={submit} aria-label={t('agreements.proposeTitle')} noValidate>
        <div className="form-grid">
          <Field label={t('agreements.field.peer')} error={errorOf('peer')}>
            {(control) => (
              <select {...control} required value={draft.peer} onChange={(e) => set('peer', e.target.value)}>
                <option value="">{t('agreements.choose')}</option>
                {peers.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('title')}
          <Field label={t('agreements.field.localDataset')} error={errorOf('localDataset')}>
            {(control) => (
              <select
                {...control}
                required
                value={draft.localDataset}
                onChange={(e) => {
                  const chosen = datasets.find((d) => d.name === e.target.value);
                  setDraft({ ...draft, localDataset: e.target.value, idKind: chosen?.idKind ?? draft.idKind });
                }}
              >
                <option value="">{t('agreements.choose')}</option>
                {datasets.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('peerDataset', t('agreements.field.peerDatasetHelp'))}
          <Field label={t('agreements.field.idKind')} help={t('agreements.field.idKindHelp')} error={errorOf('idKind')}>
            {(control) => (
              <select {...control} value={draft.idKind} onChange={(e) => set('idKind', e.target.value)}>
                {ID_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset aria-invalid={errorOf('operations') ? true : undefined} aria-describedby={errorOf('operations') ? 'operations-error' : undefined}>
            <legend>{t('agreements.field.operations')}</legend>
            {OPERATIONS.map((op) => (
              <label key={op} className="check">
                <input
                  type="checkbox"
                  checked={draft.operations.includes(op)}
                  onChange={(e) => set('operations', e.target.checked ? [...draft.operations, op] : draft.operations.filter((o) => o !== op))}
                />
                {t(`agreements.op.${op}`)}
              </label>
            ))}
            {draft.operations.includes('overlap') && (
              <label className="check">
                <input type="checkbox" checked={draft.shareOverlapWithAcceptor} onChange={(e) => set('shareOverlapWithAcceptor', e.target.checked)} />
                {t('agreements.field.shareOverlap')}
              </label>
            )}
            {errorOf('operations') && (
              <span id="operations-error" className="field-error">
                {errorOf('operations')}
              </span>
            )}
          </fieldset>
          {draft.operations.includes('enrich') && text('enrichAttribute', t('agreements.field.enrichAttributeHelp'))}
          {number('minIntersection', '1', t('agreements.field.minIntersectionHelp'))}
          {number('maxQueriesPerDay', '1')}
          <Field label={t('agreements.field.expiresAt')} help={t('agreements.field.expiresAtHelp')} error={errorOf('expiresAt')}>
            {(control) => <input {...control} type="date" required value={draft.expiresAt} onChange={(e) => set('expiresAt', e.target.value)} />}
          </Field>
          <label className="check">
            <input type="checkbox" checked={draft.exactCounts} onChange={(e) => set('exactCounts', e.target.checked)} />
            {t('agreements.field.exactCounts')}
          </label>
          {!draft.exactCounts && draft.operations.includes('overlap') && (
            <>
              {number('countEpsilon', 'any', t('agreements.field.policyDefault'))}
              {number('countBudget', 'any', t('agreements.field.policyDefault'))}
              {number('countDays', '1', t('agreements.field.policyDefault'))}
            </>
          )}
        </div>
        {sent.error !== undefined && <ErrorBox error={sent.error} />}
        <div className="actions">
          {belowPolicy && (
            <label className="check">
              <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
              {t('agreements.confirmProposeOverride')}
            </label>
          )}
          <button type="submit" disabled={sent.busy}>
            {sent.busy ? t('agreements.proposing') : t('agreements.proposeButton')}
          </button>
        </div>
      </form>
    </>
  );
}

/**
 * One agreement, reviewed side by side: what each party exposes and receives, the shared
 * thresholds, noise, budget and expiry of the signed terms; what each side learns (the node's
 * disclosure); where the terms fall below this node's policy floors; the delivery state. An
 * administrator accepts a pending proposal — confirming the override when it is below the floors,
 * which the node audits — or revokes with a reason.
 */
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { navigate } from '../router';
import type { Session } from '../session';
import { ErrorBox, Panel, useLoad } from '../ui';
import { type Agreement, type BudgetView, type PartyRole, shownStatus } from './agreement-model';
import { DeliveryState } from './delivery-state';

const other = (role: PartyRole): PartyRole => (role === 'proposer' ? 'acceptor' : 'proposer');
/** The node that revoked, by the name the terms give it (the agreement records its node id). */
const revoker = (a: Agreement): string => Object.values(a.terms.parties).find((p) => p.nodeId === a.revokedBy)?.name ?? a.revokedBy ?? '—';

export function AgreementReview({ id, session }: { id: string; session: Session }) {
  const { t } = useTranslation();
  const agreement = useLoad(() => api<Agreement>(`/v1/agreements/${encodeURIComponent(id)}`), id);
  const title = agreement.data?.terms.title ?? id;
  return (
    <>
      <div className="page-head">
        <h1>{title}</h1>
        <button type="button" onClick={() => navigate('agreements')}>
          {t('agreements.back')}
        </button>
      </div>
      <Panel title={t('agreements.review')} loaded={agreement}>
        {(a) => (
          <>
            <p data-testid="agreement-status" className={`status-${shownStatus(a)}`}>
              {t('agreements.statusLine', { status: t(`agreementStatus.${shownStatus(a)}`), party: t(`agreements.party.${a.localParty}`) })}
            </p>
            <SideBySide a={a} />
          </>
        )}
      </Panel>
      {agreement.data && (
        <>
          <Learns a={agreement.data} />
          <Budget a={agreement.data} readsBudget={session.role === 'operator' || session.role === 'compliance'} />
          <section className="panel" aria-labelledby="delivery-title">
            <h2 id="delivery-title">{t('agreements.delivery')}</h2>
            <DeliveryState delivery={agreement.data.delivery} />
            {agreement.data.status === 'revoked' && (
              <p data-testid="revoked">{t('agreements.revokedBy', { by: revoker(agreement.data), reason: agreement.data.revokedReason ?? '' })}</p>
            )}
          </section>
          {session.role === 'admin' && <Actions a={agreement.data} onChanged={agreement.reload} />}
        </>
      )}
    </>
  );
}

function SideBySide({ a }: { a: Agreement }) {
  const { t } = useTranslation();
  const ours = a.localParty;
  const theirs = other(ours);
  const receives = (role: PartyRole) =>
    a.terms.operations
      .filter((op) => a.terms.outputs[op]?.includes(role))
      .map((op) => t(`agreements.op.${op}`))
      .join(', ') || t('agreements.nothing');
  const row = (label: string, value: (role: PartyRole) => ReactNode) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{value(ours)}</td>
      <td>{value(theirs)}</td>
    </tr>
  );
  const c = a.terms.countNoise;
  const g = a.terms.aggregate;
  return (
    <>
      <table className="side-by-side" data-testid="side-by-side">
        <caption>{t('agreements.parties')}</caption>
        <thead>
          <tr>
            <td />
            <th scope="col">{t('agreements.thisNode', { party: t(`agreements.party.${ours}`) })}</th>
            <th scope="col">{t('agreements.peerNode', { party: t(`agreements.party.${theirs}`) })}</th>
          </tr>
        </thead>
        <tbody>
          {row(t('agreements.node'), (r) => a.terms.parties[r].name)}
          {row(t('agreements.nodeId'), (r) => (
            <span className="mono">{a.terms.parties[r].nodeId}</span>
          ))}
          {row(t('agreements.dataset'), (r) => (
            <span className="mono">{a.terms.parties[r].dataset}</span>
          ))}
          {row(t('agreements.exposes'), (r) => (
            <span className="mono">{a.terms.parties[r].columns.join(', ')}</span>
          ))}
          {row(t('agreements.receives'), receives)}
          {row(t('agreements.signed'), (r) => {
            const s = r === 'proposer' ? a.proposerSignature : a.acceptorSignature;
            return s ? formatDate(s.at) : t('agreements.notSigned');
          })}
        </tbody>
      </table>
      <h3>{t('agreements.terms')}</h3>
      <dl className="facts" data-testid="terms">
        <dt>{t('agreements.operations')}</dt>
        <dd>{a.terms.operations.map((op) => t(`agreements.op.${op}`)).join(', ')}</dd>
        <dt>{t('agreements.idKind')}</dt>
        <dd className="mono">{a.terms.idKind}</dd>
        {a.terms.enrichAttribute && (
          <>
            <dt>{t('agreements.enrichAttribute')}</dt>
            <dd className="mono">{a.terms.enrichAttribute}</dd>
          </>
        )}
        <dt>{t('agreements.minIntersection')}</dt>
        <dd>{formatNumber(a.terms.minIntersection)}</dd>
        <dt>{t('agreements.maxQueriesPerDay')}</dt>
        <dd>{a.terms.maxQueriesPerDay === undefined ? t('agreements.noLimit') : formatNumber(a.terms.maxQueriesPerDay)}</dd>
        <dt>{t('agreements.counts')}</dt>
        <dd>
          {a.terms.exactCounts
            ? t('agreements.exact')
            : c
              ? t('agreements.noisy', {
                  epsilon: formatNumber(c.epsilonPerQuery),
                  budget: formatNumber(c.budget.epsilon),
                  days: formatNumber(c.budget.periodDays),
                })
              : '—'}
        </dd>
        {g && (
          <>
            <dt>{t('agreements.aggregate')}</dt>
            <dd>
              {t('agreements.aggregateTerms', {
                epsilon: formatNumber(g.epsilonPerQuery),
                budget: formatNumber(g.budget.epsilon),
                days: formatNumber(g.budget.periodDays),
                group: formatNumber(g.minGroupSize),
              })}
            </dd>
          </>
        )}
        <dt>{t('agreements.created')}</dt>
        <dd>{formatDate(a.terms.createdAt)}</dd>
        <dt>{t('agreements.expires')}</dt>
        <dd data-testid="expires">{formatDate(a.terms.expiresAt)}</dd>
      </dl>
    </>
  );
}

/** The node's own sentences (English, as `mofang agreements show` prints them) and the floors. */
function Learns({ a }: { a: Agreement }) {
  const { t } = useTranslation();
  const overrides = [
    ...(a.terms.proposerPolicyOverride ?? []).map((issue) => t('agreements.proposerOverrode', { issue })),
    ...(a.acceptorPolicyOverride ?? []).map((issue) => t('agreements.acceptorOverrode', { issue })),
  ];
  return (
    <section className="panel" aria-labelledby="learns-title">
      <h2 id="learns-title">{t('agreements.learns')}</h2>
      {a.disclosure.operations.map((d) => (
        <div key={d.operation}>
          <h3>{t(`agreements.op.${d.operation}`)}</h3>
          <ul>
            {d.learns.map((sentence) => (
              <li key={sentence}>{sentence}</li>
            ))}
          </ul>
        </div>
      ))}
      {a.disclosure.warnings.length > 0 && (
        <>
          <h3>{t('agreements.warnings')}</h3>
          <ul className="bad">
            {a.disclosure.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      )}
      <h3>{t('agreements.policy')}</h3>
      {a.policyIssues.length === 0 ? (
        <p className="ok">{t('agreements.meetsPolicy')}</p>
      ) : (
        <ul className="bad" data-testid="policy-issues">
          {a.policyIssues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      )}
      {overrides.length > 0 && (
        <ul>
          {overrides.map((o) => (
            <li key={o}>{o}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Budget({ a, readsBudget }: { a: Agreement; readsBudget: boolean }) {
  const { t } = useTranslation();
  const pair = a.pair?.budget;
  return (
    <section className="panel" aria-labelledby="budget-title">
      <h2 id="budget-title">{t('agreements.budget')}</h2>
      {pair ? (
        <p>
          {t('agreements.pairBudget', {
            spent: pair.spent.epsilon,
            total: pair.total.epsilon,
            from: formatDate(pair.periodStart),
            to: formatDate(pair.periodEnd),
          })}
        </p>
      ) : (
        <p>{t('agreements.noBudget')}</p>
      )}
      {readsBudget && a.status === 'accepted' && <QueryBudget id={a.id} />}
    </section>
  );
}

function QueryBudget({ id }: { id: string }) {
  const { t } = useTranslation();
  const budget = useLoad(() => api<BudgetView>(`/v1/agreements/${encodeURIComponent(id)}/budget`), id);
  if (budget.error !== undefined) return <ErrorBox error={budget.error} />;
  if (!budget.data) return null;
  const b = budget.data;
  return (
    <p data-testid="query-budget">
      {t('agreements.queryBudget', {
        agreement: b.agreementSpent.epsilon,
        perQuery: b.perQuery.epsilon,
        left: Number.isFinite(b.queriesLeft) ? formatNumber(b.queriesLeft) : '∞',
      })}
    </p>
  );
}

function Actions({ a, onChanged }: { a: Agreement; onChanged: () => void }) {
  const { t } = useTranslation();
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ busy?: 'accept' | 'revoke'; error?: unknown }>({});
  const belowFloors = a.policyIssues.length > 0;

  const act = async (action: 'accept' | 'revoke', body: unknown) => {
    setState({ busy: action });
    try {
      await api(`/v1/agreements/${encodeURIComponent(a.id)}/${action}`, { method: 'POST', body });
      setState({});
      setReason('');
      onChanged();
    } catch (error) {
      setState({ error });
    }
  };
  const revoke = (e: FormEvent) => {
    e.preventDefault();
    void act('revoke', { reason });
  };

  if (a.status === 'revoked') return null;
  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('agreements.decide')}</h2>
      {state.error !== undefined && <ErrorBox error={state.error} />}
      {a.status === 'pending' && (
        <div className="decision">
          {belowFloors && (
            <label className="check">
              <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} />
              {t('agreements.confirmOverride', { n: a.policyIssues.length })}
            </label>
          )}
          <button
            type="button"
            disabled={state.busy !== undefined || (belowFloors && !override)}
            onClick={() => void act('accept', belowFloors ? { overridePolicy: true } : {})}
          >
            {state.busy === 'accept' ? t('agreements.accepting') : t('agreements.accept')}
          </button>
        </div>
      )}
      <form className="decision" onSubmit={revoke}>
        <label htmlFor="revoke-reason">{t('agreements.reason')}</label>
        <textarea
          id="revoke-reason"
          required
          rows={2}
          maxLength={1000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          aria-describedby="revoke-help"
        />
        <span id="revoke-help" className="help">
          {t('agreements.reasonHelp')}
        </span>
        <button type="submit" className="danger" disabled={state.busy !== undefined || reason.trim() === ''}>
          {state.busy === 'revoke' ? t('agreements.revoking') : a.status === 'pending' ? t('agreements.decline') : t('agreements.revoke')}
        </button>
      </form>
    </section>
  );
}

/**
 * The Agreements page: the list with status, peer, expiry and delivery state; `agreements/new`
 * proposes (administrators); `agreements/<id>` reviews one side by side and accepts or revokes it
 * (administrators). Every role reads (docs/api.md).
 */
import './agreements.css';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate } from '../i18n';
import type { PageProps } from '../pages';
import { navigate } from '../router';
import { Panel, useLoad } from '../ui';
import { type Agreement, shownStatus } from './agreement-model';
import { AgreementReview } from './agreement-review';
import { ProposeAgreement } from './agreement-propose';
import { DeliveryState } from './delivery-state';

export function Agreements({ session, rest }: PageProps) {
  const admin = session.role === 'admin';
  const [id] = rest;
  if (id === 'new' && admin) return <ProposeAgreement />;
  if (id) return <AgreementReview id={id} session={session} />;
  return <AgreementList admin={admin} />;
}

function AgreementList({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const agreements = useLoad(() => api<{ agreements: Agreement[] }>('/v1/agreements'));
  return (
    <>
      <div className="page-head">
        <h1>{t('agreements.nav')}</h1>
        {admin && (
          <button type="button" onClick={() => navigate('agreements/new')}>
            {t('agreements.propose')}
          </button>
        )}
      </div>
      <Panel title={t('agreements.list')} loaded={agreements}>
        {({ agreements: list }) =>
          list.length === 0 ? (
            <p>{t('agreements.none')}</p>
          ) : (
            <table data-testid="agreements">
              <thead>
                <tr>
                  <th scope="col">{t('agreements.title')}</th>
                  <th scope="col">{t('agreements.peer')}</th>
                  <th scope="col">{t('agreements.ourRole')}</th>
                  <th scope="col">{t('agreements.status')}</th>
                  <th scope="col">{t('agreements.expires')}</th>
                  <th scope="col">{t('agreements.delivery')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((a) => (
                  <tr key={a.id} data-agreement={a.terms.title}>
                    <th scope="row">
                      <a
                        href={`/console/agreements/${a.id}`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`agreements/${a.id}`);
                        }}
                      >
                        {a.terms.title}
                      </a>
                    </th>
                    <td title={a.peerNodeId}>{a.peerName ?? a.peerNodeId.slice(0, 19)}</td>
                    <td>{t(`agreements.party.${a.localParty}`)}</td>
                    <td className={`status-${shownStatus(a)}`}>{t(`agreementStatus.${shownStatus(a)}`)}</td>
                    <td>{formatDate(a.terms.expiresAt)}</td>
                    <td>
                      <DeliveryState delivery={a.delivery} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
    </>
  );
}

/** Whether the peer has been told of our acceptance or revocation (docs/agreements.md, Delivery to the other node). */
import { useTranslation } from 'react-i18next';
import { formatDate, formatNumber } from '../i18n';
import type { Delivery } from './agreement-model';

export function DeliveryState({ delivery }: { delivery?: Delivery }) {
  const { t } = useTranslation();
  if (!delivery) return <span className="help">{t('agreements.nothingToTell')}</span>;
  const action = t(`agreements.action.${delivery.action}`);
  if (delivery.state === 'delivered')
    return (
      <span className="ok" data-testid="delivery">
        {t('agreements.delivered', { action, at: formatDate(delivery.deliveredAt) })}
      </span>
    );
  if (delivery.state === 'refused')
    return (
      <span className="bad" data-testid="delivery">
        {t('agreements.refused', { action, code: delivery.lastErrorCode ?? '—' })}
      </span>
    );
  return (
    <span className="bad" data-testid="delivery">
      {t('agreements.pending', {
        action,
        attempts: formatNumber(delivery.attempts),
        next: formatDate(delivery.nextAttemptAt),
        code: delivery.lastErrorCode ?? '—',
      })}
    </span>
  );
}

/** A campaign template's report (GET /v1/reach/reports/templates/:id): each instance side by side with their sum. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { Panel, useLoad } from '../ui';
import { type Figures, FiguresTable } from './figures-table';
import { DEFAULT_QUERY, ReportControls, type ReportQuery, reportParams } from './report-controls';

interface TemplateReport {
  template: number;
  instances: { journey: { id: number; name: string }; totals: Figures }[];
  totals: Figures;
  rule: string;
}

export function TemplateReportView({ templateId }: { templateId: number }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState<ReportQuery>(DEFAULT_QUERY);
  const report = useLoad(() => api<TemplateReport>(`/v1/reach/reports/templates/${templateId}?${reportParams(query)}`), JSON.stringify([templateId, query]));
  return (
    <>
      <h1>{t('reach.templateReport', { id: templateId })}</h1>
      <ReportControls value={query} onApply={setQuery} />
      <Panel title={t('reach.report')} loaded={report}>
        {(r) => (
          <>
            <p className="rule" data-testid="attribution-rule">
              <strong>{t('reach.rule')}</strong> {r.rule}
            </p>
            {r.instances.length === 0 ? (
              <p>{t('reach.noInstances')}</p>
            ) : (
              <FiguresTable
                caption={t('reach.byInstance')}
                columns={[
                  { id: 'total', label: t('reach.total'), figures: r.totals },
                  ...r.instances.map((i) => ({ id: `journey-${i.journey.id}`, label: i.journey.name, figures: i.totals })),
                ]}
              />
            )}
            <p className="help">{t('reach.roiNote')}</p>
          </>
        )}
      </Panel>
    </>
  );
}

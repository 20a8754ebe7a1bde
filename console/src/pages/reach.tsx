/**
 * Reach and monitoring: campaign reports per journey and per campaign template (`reach/journeys/<id>`,
 * `reach/templates/<id>`), dead letters, branch staff tasks and call lists. What a role may change
 * follows the routes' roles (docs/api.md): operators re-drive, take and close tasks and work call
 * lists; compliance reads reports, dead letters and tasks.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate } from '../i18n';
import type { PageProps } from '../pages';
import { Calls } from '../reach/calls';
import { CampaignReportView } from '../reach/campaign-report';
import { DeadLetters } from '../reach/dead-letters';
import { Tasks } from '../reach/tasks';
import { TemplateReportView } from '../reach/template-report';
import '../reach/reach.css';
import { navigate } from '../router';
import { Panel, useLoad } from '../ui';

const SECTIONS = ['reports', 'dead-letters', 'tasks', 'calls'] as const;
type Section = (typeof SECTIONS)[number];

export function Reach({ session, rest }: PageProps) {
  const { t } = useTranslation();
  const operator = session.role === 'operator';
  const sections = SECTIONS.filter((s) => s !== 'calls' || operator);
  const [first = 'reports', id] = rest;
  const section: Section = (sections as readonly string[]).includes(first) ? (first as Section) : 'reports';
  const journeyId = first === 'journeys' && id && /^\d+$/.test(id) ? Number(id) : null;
  const templateId = first === 'templates' && id && /^\d+$/.test(id) ? Number(id) : null;
  return (
    <>
      <div className="tabs">
        {sections.map((s) => (
          <a
            key={s}
            href={`/console/reach/${s}`}
            aria-current={s === section && journeyId === null && templateId === null ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate(`reach/${s}`);
            }}
          >
            {t(`reach.section.${s}`)}
          </a>
        ))}
      </div>
      {journeyId !== null ? (
        <CampaignReportView key={journeyId} journeyId={journeyId} />
      ) : templateId !== null ? (
        <TemplateReportView key={templateId} templateId={templateId} />
      ) : section === 'dead-letters' ? (
        <Section title={t('reach.section.dead-letters')}>
          <DeadLetters canRedrive={operator} />
        </Section>
      ) : section === 'tasks' ? (
        <Section title={t('reach.section.tasks')}>
          <Tasks canChange={operator} />
        </Section>
      ) : section === 'calls' ? (
        <Section title={t('reach.section.calls')}>
          <Calls />
        </Section>
      ) : (
        <Reports />
      )}
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <>
      <h1>{title}</h1>
      {children}
    </>
  );
}

interface Listed {
  id: number;
  name: string;
  status?: string;
  updatedAt: string;
}

/** The journeys and templates in the caller's scope, each a link to its report. */
function Reports() {
  const { t } = useTranslation();
  const journeys = useLoad(() => api<{ journeys: Listed[] }>('/v1/journeys'));
  const templates = useLoad(() => api<{ templates: Listed[] }>('/v1/journey-templates'));
  const list = (items: Listed[], base: string, none: string) =>
    items.length === 0 ? (
      <p>{none}</p>
    ) : (
      <ul className="plain report-links">
        {items.map((j) => (
          <li key={j.id}>
            <a
              href={`/console/reach/${base}/${j.id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`reach/${base}/${j.id}`);
              }}
            >
              {j.name}
            </a>{' '}
            <span className="help">
              {j.status ? `${t(`journeyStatus.${j.status}`, { defaultValue: j.status })} · ` : ''}
              {formatDate(j.updatedAt)}
            </span>
          </li>
        ))}
      </ul>
    );
  return (
    <>
      <h1>{t('reach.section.reports')}</h1>
      <div className="grid">
        <Panel title={t('reach.journeyReports')} loaded={journeys}>
          {(r) => list(r.journeys, 'journeys', t('reach.noJourneys'))}
        </Panel>
        <Panel title={t('reach.templateReports')} loaded={templates}>
          {(r) => list(r.templates, 'templates', t('reach.noTemplates'))}
        </Panel>
      </div>
    </>
  );
}

/**
 * Campaign templates (`strategy/templates`, `strategy/templates/<id>`): the templates in the
 * caller's scope and those published to its unit; one template's declared parameters, the form
 * that instantiates it (operators), and its instances with their state, results and report.
 */
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { followLink } from '../router';
import { Panel, useLoad } from '../ui';
import { InstantiateForm, type Parameter } from './instantiate-form';

interface Template {
  id: number;
  name: string;
  description: string;
  latestVersion: number;
  access: 'owner' | 'received';
  updatedBy: string;
  updatedAt: string;
}
interface Instance {
  journey: { id: number; name: string; status: string; latestVersion: number; liveVersion: number | null };
  templateVersion: number;
  startsAt: string | null;
  endsAt: string | null;
  createdBy: string;
  createdAt: string;
  results: { entered: number; active: number; converted: number; sent: number } | null;
}

export function TemplateList() {
  const { t } = useTranslation();
  const templates = useLoad(() => api<{ templates: Template[] }>('/v1/journey-templates'));
  return (
    <>
      <h1>{t('templates.title')}</h1>
      <p>
        <a href="/console/strategy" onClick={followLink('strategy')}>
          {t('templates.toJourneys')}
        </a>
      </p>
      <Panel title={t('templates.title')} loaded={templates}>
        {({ templates: list }) =>
          list.length === 0 ? (
            <p>{t('templates.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('templates.name')}</th>
                  <th scope="col">{t('templates.latest')}</th>
                  <th scope="col">{t('templates.access')}</th>
                  <th scope="col">{t('templates.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((tpl) => (
                  <tr key={tpl.id}>
                    <td>
                      <a href={`/console/strategy/templates/${tpl.id}`} onClick={followLink(`strategy/templates/${tpl.id}`)}>
                        {tpl.name}
                      </a>
                      {tpl.description && <span className="help">{tpl.description}</span>}
                    </td>
                    <td>{tpl.latestVersion}</td>
                    <td>{t(`templates.accessKind.${tpl.access}`)}</td>
                    <td>
                      {formatDate(tpl.updatedAt)} · {tpl.updatedBy}
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

export function TemplateDetail({ templateId, editable }: { templateId: number; editable: boolean }) {
  const { t } = useTranslation();
  const template = useLoad(
    () => api<{ template: Template; version: { version: number; parameters: Parameter[] } }>(`/v1/journey-templates/${templateId}`),
    String(templateId),
  );
  const instances = useLoad(() => api<{ instances: Instance[] }>(`/v1/journey-templates/${templateId}/instances`), String(templateId));
  return (
    <>
      <h1>{template.data ? t('templates.of', { name: template.data.template.name }) : t('templates.title')}</h1>
      <p className="journey-links">
        <a href="/console/strategy/templates" onClick={followLink('strategy/templates')}>
          {t('templates.toList')}
        </a>
        <a href={`/console/reach/templates/${templateId}`} onClick={followLink(`reach/templates/${templateId}`)}>
          {t('templates.report')}
        </a>
      </p>
      <div className="grid">
        <Panel title={t('templates.parameters')} loaded={template}>
          {({ template: tpl, version }) => (
            <>
              {tpl.description && <p>{tpl.description}</p>}
              <p className="help">{t('templates.versionNote', { version: version.version })}</p>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('templates.name')}</th>
                    <th scope="col">{t('templates.type')}</th>
                    <th scope="col">{t('templates.rule')}</th>
                  </tr>
                </thead>
                <tbody>
                  {version.parameters.map((p) => (
                    <tr key={p.name}>
                      <td>
                        {p.label}
                        <span className="help mono">{p.name}</span>
                      </td>
                      <td>{t(`templates.types.${p.type}`)}</td>
                      <td>
                        {p.required ? t('templates.required') : t('templates.default', { value: String(p.default) })}
                        {(p.min !== undefined || p.max !== undefined) &&
                          ` · ${formatNumber(p.min ?? Number.NEGATIVE_INFINITY)} … ${formatNumber(p.max ?? Number.POSITIVE_INFINITY)}`}
                        {p.maxLength !== undefined && ` · ${t('templates.maxLength', { n: p.maxLength })}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Panel>
        {editable && template.data && (
          <section className="panel" aria-labelledby="instantiate-title">
            <h2 id="instantiate-title">{t('templates.instantiate')}</h2>
            <InstantiateForm
              templateId={templateId}
              version={template.data.version.version}
              parameters={template.data.version.parameters}
              onCreated={instances.reload}
            />
          </section>
        )}
      </div>
      <Panel title={t('templates.instances')} loaded={instances}>
        {({ instances: list }) =>
          list.length === 0 ? (
            <p>{t('templates.noInstances')}</p>
          ) : (
            <table className="instances">
              <thead>
                <tr>
                  <th scope="col">{t('templates.journey')}</th>
                  <th scope="col">{t('templates.status')}</th>
                  <th scope="col">{t('templates.dates')}</th>
                  <th scope="col" className="num">
                    {t('templates.results')}
                  </th>
                  <th scope="col">{t('templates.reportColumn')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((i) => (
                  <tr key={i.journey.id} data-testid={`instance-${i.journey.name}`}>
                    <td>
                      <a href={`/console/strategy/${i.journey.id}`} onClick={followLink(`strategy/${i.journey.id}`)}>
                        {i.journey.name}
                      </a>
                      <span className="help">
                        {t('templates.fromVersion', { version: i.templateVersion })} · {formatDate(i.createdAt)} · {i.createdBy}
                      </span>
                    </td>
                    <td>{t(`journeyStatus.${i.journey.status}`, { defaultValue: i.journey.status })}</td>
                    <td>
                      {formatDate(i.startsAt)} – {formatDate(i.endsAt)}
                    </td>
                    <td className="num">
                      {i.results
                        ? t('templates.resultCounts', {
                            entered: formatNumber(i.results.entered),
                            active: formatNumber(i.results.active),
                            converted: formatNumber(i.results.converted),
                            sent: formatNumber(i.results.sent),
                          })
                        : '—'}
                    </td>
                    <td>
                      <a href={`/console/reach/journeys/${i.journey.id}`} onClick={followLink(`reach/journeys/${i.journey.id}`)}>
                        {t('templates.openReport')}
                      </a>
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

/** Layering as a mind map: each cell with its size and share of its parent; any cell below the root can become a segment. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatNumber } from '../i18n';
import { navigate } from '../router';
import { Panel, useLoad } from '../ui';
import { type DiagramNode, TreeDiagram } from '../widgets/tree-diagram';
import { SaveAsSegment } from './save-as-segment';

interface Cell {
  label: string;
  path: string[];
  size: number;
  shareOfParent: number;
  metrics: Record<string, number | null>;
  children: Cell[];
}
interface Layering {
  layering: { name: string; dataset: string };
  result: { root: Cell; leaves: number };
}

export function Layerings({ selected, editable }: { selected: string | null; editable: boolean }) {
  const { t } = useTranslation();
  const list = useLoad(() => api<{ layerings: { name: string; dataset: string }[] }>('/v1/insight/layerings'));
  return (
    <>
      <Panel title={t('insight.layering.list')} loaded={list}>
        {({ layerings }) =>
          layerings.length === 0 ? (
            <p>{t('insight.layering.none')}</p>
          ) : (
            <ul className="choices">
              {layerings.map((l) => (
                <li key={l.name}>
                  <a
                    href={`/console/insight/layering/${l.name}`}
                    aria-current={l.name === selected ? 'true' : undefined}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`insight/layering/${l.name}`);
                    }}
                  >
                    {l.name}
                  </a>{' '}
                  <span className="help-inline">{l.dataset}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Panel>
      {selected && <MindMap key={selected} name={selected} editable={editable} />}
    </>
  );
}

function MindMap({ name, editable }: { name: string; editable: boolean }) {
  const { t } = useTranslation();
  const loaded = useLoad(() => api<Layering>(`/v1/insight/layerings/${encodeURIComponent(name)}`));
  const nodes = useMemo(() => {
    const out: DiagramNode[] = [];
    const walk = (cell: Cell, parent: string | null) => {
      const id = cell.path.length === 0 ? '/' : cell.path.join('/');
      const what = cell.path.join(' › ') || name;
      out.push({
        id,
        parent,
        content: (
          <div className="cell-body" data-testid={`cell-${id}`}>
            <strong>{cell.path.length === 0 ? t('insight.layering.everyone') : cell.label}</strong>
            <span className="size">{t('insight.layering.size', { size: formatNumber(cell.size) })}</span>
            {parent !== null && (
              <span className="help">
                {t('insight.layering.share', { share: formatNumber(cell.shareOfParent, { style: 'percent', maximumFractionDigits: 1 }) })}
              </span>
            )}
            {Object.entries(cell.metrics).map(([metric, value]) => (
              <span key={metric} className="help">
                {metric}: {value === null ? '—' : formatNumber(value, { maximumFractionDigits: 2 })}
              </span>
            ))}
            {editable && cell.path.length > 0 && (
              <SaveAsSegment post={`/v1/insight/layerings/${encodeURIComponent(name)}/cells/segment`} body={{ path: cell.path }} what={what} />
            )}
          </div>
        ),
      });
      for (const child of cell.children) walk(child, id);
    };
    if (loaded.data) walk(loaded.data.result.root, null);
    return out;
  }, [loaded.data, name, editable, t]);
  return (
    <Panel title={t('insight.layering.map', { name })} loaded={loaded}>
      {(data) => (
        <>
          <p className="help">{t('insight.layering.about', { dataset: data.layering.dataset, leaves: formatNumber(data.result.leaves) })}</p>
          <TreeDiagram nodes={nodes} label={t('insight.layering.diagram', { name })} />
        </>
      )}
    </Panel>
  );
}

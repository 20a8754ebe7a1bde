/** The selected node: label, parameters, where each outlet leads (connecting from the keyboard), delete. */
import type { Edge } from '@xyflow/react';
import { useTranslation } from 'react-i18next';
import type { CanvasNode, Component } from './model';
import { ParamsForm } from './params-form';

interface Props {
  node: CanvasNode | null;
  nodes: CanvasNode[];
  edges: Edge[];
  component: Component | undefined;
  editable: boolean;
  onChange(id: string, change: { params?: Record<string, unknown>; label?: string }): void;
  onLink(source: string, outlet: string, target: string): void;
  onDelete(id: string): void;
}

export function SidePanel({ node, nodes, edges, component, editable, onChange, onLink, onDelete }: Props) {
  const { t } = useTranslation();
  if (!node) {
    return (
      <aside className="side" aria-label={t('canvas.panel')}>
        <h2>{t('canvas.panel')}</h2>
        <p className="help">{t('canvas.selectHelp')}</p>
      </aside>
    );
  }
  const targets = nodes.filter((n) => n.id !== node.id && n.data.kind !== 'entry');
  return (
    <aside className="side" aria-label={t('canvas.panel')} data-testid="side-panel">
      <h2>
        {t(`component.${node.data.type}`, { defaultValue: node.data.type })} <span className="mono">{node.id}</span>
      </h2>
      {component && <p className="help">{component.summary}</p>}
      <div className="field">
        <label htmlFor="node-label">{t('canvas.label')}</label>
        <input id="node-label" value={node.data.label ?? ''} disabled={!editable} onChange={(e) => onChange(node.id, { label: e.target.value })} />
      </div>
      {node.data.problems.length > 0 && (
        <ul className="bad" aria-label={t('canvas.problems')}>
          {node.data.problems.map((p) => (
            <li key={`${p.code}:${p.param ?? ''}`}>
              <strong>{p.code}</strong> {p.param ? `${p.param}: ` : ''}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      {component && (
        <fieldset>
          <legend>{t('canvas.params')}</legend>
          <ParamsForm schema={component.params} value={node.data.params} disabled={!editable} onChange={(params) => onChange(node.id, { params })} />
        </fieldset>
      )}
      {node.data.outlets.length > 0 && (
        <fieldset>
          <legend>{t('canvas.outlets')}</legend>
          {node.data.outlets.map((outlet) => {
            const id = `outlet-${node.id}-${outlet}`;
            const current = edges.find((e) => e.source === node.id && e.sourceHandle === outlet)?.target ?? '';
            return (
              <div className="field" key={outlet}>
                <label htmlFor={id}>{t('canvas.leadsTo', { outlet })}</label>
                <select id={id} value={current} disabled={!editable} onChange={(e) => onLink(node.id, outlet, e.target.value)}>
                  <option value="">{t('canvas.nowhere')}</option>
                  {targets.map((n) => (
                    <option key={n.id} value={n.id}>
                      {n.id}
                    </option>
                  ))}
                </select>
              </div>
            );
          })}
        </fieldset>
      )}
      {editable && (
        <button type="button" className="danger" onClick={() => onDelete(node.id)}>
          {t('canvas.delete')}
        </button>
      )}
    </aside>
  );
}

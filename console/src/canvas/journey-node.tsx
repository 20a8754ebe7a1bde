/** A journey node on the canvas: its component, label, an inlet, one handle per outlet, the server's problems and the dry run's count. */
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n';
import type { CanvasNode } from './model';

/** Memoised: dragging one node gives only that node new props, so the other nodes need not render again. */
export const JourneyNodeView = memo(function JourneyNodeView({ id, data, selected }: NodeProps<CanvasNode>) {
  const { t } = useTranslation();
  const name = t(`component.${data.type}`, { defaultValue: data.type });
  return (
    <div className={`jnode kind-${data.kind}${selected ? ' selected' : ''}${data.problems.length > 0 ? ' invalid' : ''}`} data-node-id={id}>
      {data.kind !== 'entry' && <Handle type="target" position={Position.Left} title={t('canvas.inlet', { node: id })} />}
      <div className="jnode-head">
        <span className="jnode-kind">{t(`kind.${data.kind}`, { defaultValue: data.kind })}</span>
        {data.count !== undefined && (
          <span className="count" data-testid={`count-${id}`} title={t('canvas.countTitle')}>
            {formatNumber(data.count)}
          </span>
        )}
      </div>
      <div className="jnode-title">{data.label || name}</div>
      <div className="jnode-id mono">{id}</div>
      {data.problems.length > 0 && (
        <ul className="jnode-problems" data-testid={`problems-${id}`}>
          {data.problems.map((p) => (
            <li key={`${p.code}:${p.param ?? ''}`}>
              <strong>{p.code}</strong> {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="outlets">
        {data.outlets.map((outlet) => (
          <div className="outlet" key={outlet}>
            <span>{outlet}</span>
            <Handle
              type="source"
              id={outlet}
              position={Position.Right}
              className="outlet-handle"
              data-outlet={outlet}
              title={t('canvas.outlet', { node: id, outlet })}
            />
          </div>
        ))}
      </div>
    </div>
  );
});

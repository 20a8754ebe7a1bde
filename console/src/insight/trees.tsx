/**
 * Decision trees: the trained models, and one tree drawn with each node's condition, size and
 * target rate; a leaf (a candidate segment, with its lift) becomes a segment.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatDate, formatNumber } from '../i18n';
import { navigate } from '../router';
import { Panel, useLoad } from '../ui';
import { type DiagramNode, TreeDiagram } from '../widgets/tree-diagram';
import { SaveAsSegment } from './save-as-segment';

interface Summary {
  id: string;
  dataset: string;
  target: string;
  leafCount: number;
  validationAuc: number | null;
  createdAt: string;
}
type Split = { attr: string; lte: number } | { attr: string; in: (string | boolean)[] };
type TreeNode = { size: number; positives: number } & ({ split: Split; left: number; right: number } | { leaf: number });
interface Tree extends Summary {
  model: { target: string; baseRate: number; features: { attr: string; type: string }[]; nodes: TreeNode[] };
  leaves: { leaf: number; rule: unknown; size: number; positiveRate: number; lift: number }[];
}

const percent = (n: number) => formatNumber(n, { style: 'percent', maximumFractionDigits: 1 });

export function Trees({ selected, editable }: { selected: string | null; editable: boolean }) {
  const { t } = useTranslation();
  const list = useLoad(() => api<{ trees: Summary[] }>('/v1/insight/trees'));
  return (
    <>
      <Panel title={t('insight.trees.list')} loaded={list}>
        {({ trees }) =>
          trees.length === 0 ? (
            <p>{t('insight.trees.none')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('insight.trees.target')}</th>
                  <th scope="col">{t('insight.segments.dataset')}</th>
                  <th scope="col">{t('insight.trees.leaves')}</th>
                  <th scope="col">{t('insight.trees.auc')}</th>
                  <th scope="col">{t('insight.trees.trained')}</th>
                </tr>
              </thead>
              <tbody>
                {trees.map((tree) => (
                  <tr key={tree.id}>
                    <td>
                      <a
                        href={`/console/insight/trees/${tree.id}`}
                        aria-current={tree.id === selected ? 'true' : undefined}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(`insight/trees/${tree.id}`);
                        }}
                      >
                        {tree.target}
                      </a>
                    </td>
                    <td>{tree.dataset}</td>
                    <td>{formatNumber(tree.leafCount)}</td>
                    <td>{tree.validationAuc === null ? '—' : formatNumber(tree.validationAuc, { maximumFractionDigits: 3 })}</td>
                    <td>{formatDate(tree.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Panel>
      {selected && <TreeView key={selected} id={selected} editable={editable} />}
    </>
  );
}

function TreeView({ id, editable }: { id: string; editable: boolean }) {
  const { t } = useTranslation();
  const loaded = useLoad(() => api<Tree>(`/v1/insight/trees/${encodeURIComponent(id)}`));
  const nodes = useMemo(() => {
    if (!loaded.data) return [];
    const { model, leaves } = loaded.data;
    const types = new Map(model.features.map((f) => [f.attr, f.type]));
    const byLeaf = new Map(leaves.map((l) => [l.leaf, l]));
    const value = (attr: string, v: number) => (types.get(attr) === 'date' ? formatDate(new Date(v).toISOString()) : formatNumber(v));
    // The condition that leads from a split to each side, written on the child.
    const conditions = new Map<number, string>();
    const parents = new Map<number, number>();
    model.nodes.forEach((node, i) => {
      if (!('split' in node)) return;
      const { split } = node;
      const left =
        'lte' in split ? `${split.attr} ≤ ${value(split.attr, split.lte)}` : t('insight.trees.in', { attr: split.attr, values: split.in.join(', ') });
      const right =
        'lte' in split ? `${split.attr} > ${value(split.attr, split.lte)}` : t('insight.trees.notIn', { attr: split.attr, values: split.in.join(', ') });
      conditions.set(node.left, left);
      conditions.set(node.right, right);
      parents.set(node.left, i);
      parents.set(node.right, i);
    });
    return model.nodes.map((node, i): DiagramNode => {
      const leaf = 'leaf' in node ? byLeaf.get(node.leaf) : undefined;
      return {
        id: String(i),
        parent: parents.has(i) ? String(parents.get(i)) : null,
        content: (
          <div className="cell-body" data-testid={`tree-node-${i}`}>
            <strong>{conditions.get(i) ?? t('insight.trees.root')}</strong>
            <span className="size">{t('insight.layering.size', { size: formatNumber(node.size) })}</span>
            <span className="help">{t('insight.trees.rate', { target: model.target, rate: node.size ? percent(node.positives / node.size) : '—' })}</span>
            {leaf && <span className="help">{t('insight.trees.lift', { leaf: leaf.leaf, lift: formatNumber(leaf.lift, { maximumFractionDigits: 2 }) })}</span>}
            {leaf && editable && leaf.rule !== null && (
              <SaveAsSegment
                post={`/v1/insight/trees/${encodeURIComponent(id)}/leaves/${leaf.leaf}/segment`}
                body={{}}
                what={t('insight.trees.leafName', { leaf: leaf.leaf })}
              />
            )}
          </div>
        ),
      };
    });
  }, [loaded.data, id, editable, t]);
  return (
    <Panel title={t('insight.trees.view')} loaded={loaded}>
      {(tree) => (
        <>
          <p className="help">{t('insight.trees.about', { target: tree.target, dataset: tree.dataset, rate: percent(tree.model.baseRate) })}</p>
          <TreeDiagram nodes={nodes} label={t('insight.trees.diagram', { target: tree.target })} />
        </>
      )}
    </Panel>
  );
}

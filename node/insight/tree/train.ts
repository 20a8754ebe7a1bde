/**
 * Training a classification tree for a boolean target: checks the input, holds out a stratified
 * validation sample, bins the attributes, grows the tree (grow.ts) and measures it on both parts.
 */
import { lazyValidator } from '../../validation/lazy-validator.js';
import { MofangError } from '../../errors.js';
import { binFeature } from './binning.js';
import type { FeatureColumn } from './columns.js';
import { growTree } from './grow.js';
import { accuracyOfGroups, aucOfGroups, type ScoreGroup } from './metrics.js';
import { DEFAULT_TREE_OPTIONS, isLeaf, MODEL_FORMAT, MODEL_VERSION, TreeOptionsSchema, type TreeMetrics, type TreeModel, type TreeOptions } from './model.js';
import { leafOfRows } from './route.js';
import { stratifiedSplit } from './validation-split.js';

export interface TrainingInput {
  /** A boolean column; rows where it is unset are left out (counted in `rows.excluded`). */
  target: FeatureColumn;
  /** Candidate attributes, all as long as the target. */
  features: readonly FeatureColumn[];
}

const validateOptions = lazyValidator<TreeOptions>(TreeOptionsSchema, { allErrors: false, strict: false });

/**
 * Trains a CART tree predicting `target` from `features`.
 *
 * @throws TREE_INPUT_INVALID naming the attribute or option at fault
 * @example
 * const model = trainTree({ target: churned, features: [age, tier] }, { maxDepth: 4, minLeaf: 100 });
 * model.metrics.validation?.auc; // e.g. 0.91
 */
export function trainTree(input: TrainingInput, options: Partial<TreeOptions> = {}): TreeModel {
  const opts: TreeOptions = { ...DEFAULT_TREE_OPTIONS, ...options };
  if (!validateOptions(opts)) {
    const e = validateOptions.errors?.[0];
    const option = e?.instancePath.slice(1) || String(e?.params?.additionalProperty ?? 'options');
    throw new MofangError('TREE_INPUT_INVALID', `option ${option} ${e?.message ?? 'is invalid'}`, { option });
  }
  const { target, features } = input;
  const invalid = (message: string, attribute: string) => new MofangError('TREE_INPUT_INVALID', message, { attribute });
  if (target.type !== 'boolean') throw invalid(`target ${target.name} is ${target.type}; a tree needs a boolean target`, target.name);
  if (features.length === 0) throw invalid('no candidate attributes given', target.name);
  const names = new Set<string>([target.name]);
  for (const f of features) {
    if (names.has(f.name)) throw invalid(`attribute ${f.name} is given twice or is the target`, f.name);
    names.add(f.name);
    if (f.missing.length !== target.missing.length) {
      throw invalid(`attribute ${f.name} has ${f.missing.length} rows, the target ${target.missing.length}`, f.name);
    }
  }

  const labels = Uint8Array.from(target.codes);
  const labelled = new Uint32Array(target.missing.length - target.missing.reduce((s, m) => s + m, 0));
  for (let r = 0, i = 0; r < target.missing.length; r++) if (!target.missing[r]) labelled[i++] = r;
  if (labelled.length === 0) throw invalid(`target ${target.name} is unset in every row`, target.name);

  const { train, validation } = stratifiedSplit(labelled, labels, opts.validationFraction, opts.seed);
  if (train.length === 0) throw invalid(`no training rows are left after holding out ${opts.validationFraction} for validation`, target.name);
  const binned = features.map((f) => binFeature(f, opts.maxBins));
  const { nodes, decrease } = growTree(binned, labels, train, opts);

  let positives = 0;
  for (const r of train) positives += labels[r];
  const totalDecrease = decrease.reduce((s, d) => s + d, 0);
  const model: TreeModel = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    target: target.name,
    features: features.map((f) => ({ attr: f.name, type: f.type })),
    options: opts,
    rows: { train: train.length, validation: validation.length, excluded: target.missing.length - labelled.length },
    baseRate: positives / train.length,
    nodes,
    metrics: { train: { rows: 0, accuracy: null, auc: null }, validation: null },
    importance: features
      .map((f, i) => ({ attr: f.name, importance: totalDecrease > 0 ? decrease[i] / totalDecrease : 0 }))
      .sort((a, b) => b.importance - a.importance),
  };
  const leaves = nodes.filter(isLeaf).sort((a, b) => a.leaf - b.leaf);
  const rate = (leaf: { size: number; positives: number }) => leaf.positives / leaf.size;
  model.metrics.train = metricsOf(leaves.map((l) => ({ score: rate(l), positives: l.positives, negatives: l.size - l.positives })));
  if (validation.length > 0) {
    const held = leaves.map(() => ({ size: 0, positives: 0 }));
    const leafOf = leafOfRows(model, features, validation);
    validation.forEach((r, k) => {
      held[leafOf[k]].size++;
      held[leafOf[k]].positives += labels[r];
    });
    leaves.forEach((l, k) => (l.validation = held[k]));
    model.metrics.validation = metricsOf(leaves.map((l, k) => ({ score: rate(l), positives: held[k].positives, negatives: held[k].size - held[k].positives })));
  }
  return model;
}

function metricsOf(groups: ScoreGroup[]): TreeMetrics {
  return { rows: groups.reduce((s, g) => s + g.positives + g.negatives, 0), accuracy: accuracyOfGroups(groups), auc: aucOfGroups(groups) };
}

/**
 * Decision trees on a dataset's profiles, as the API and CLI use them: train (and store) a model,
 * score every profile into a score attribute, save a leaf as a segment. Each state change is
 * audited in the same transaction as the write; audit details name attributes, counts and ids,
 * never a customer.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/log.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { Insight } from '../insight.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { readProfileColumns } from '../profiles/read.js';
import type { SegmentView } from '../segments/store.js';
import { featureColumn } from './profile-columns.js';
import type { TreeOptions } from './model.js';
import { scoreRows } from './route.js';
import { getTree, insertTree, listTrees, replaceScores, scoreAttributes, type ScoreAttribute, type StoredTree } from './store.js';
import { trainTree } from './train.js';

export interface TrainRequest {
  dataset: string;
  /** A boolean profile attribute (e.g. churned). */
  target: string;
  /** Candidate attributes: dataset columns or usable joint attributes. */
  attributes: string[];
  options?: Partial<TreeOptions>;
}

export interface ScoreReport extends ScoreAttribute {
  /** Mean, smallest and largest score written. */
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface TreeServiceDeps {
  db: Db;
  audit: AuditLog;
  /** Profiles and segments: the catalogue (built and audited after a re-import) and segment creation. */
  insight: Insight;
  now?: () => Date;
}

/** Score attribute names: like joint attribute names (datasets/store.ts). */
export const SCORE_ATTRIBUTE = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Most candidate attributes per tree. */
export const MAX_TREE_ATTRIBUTES = 100;

/** A score attribute may replace a score attribute, never shadow a dataset column or a joint attribute (usable or withheld). */
function refuseNameClash(catalogue: ProfileCatalogue, attribute: string): void {
  const a = catalogue.attributes.get(attribute);
  const what =
    a?.source === 'dataset'
      ? 'a column'
      : a?.source === 'joint' || catalogue.withheld.some((w) => w.name === attribute && w.modelId === undefined)
        ? 'a joint attribute'
        : null;
  if (what) {
    throw new MofangError(
      'REQUEST_INVALID',
      `attribute: ${attribute} is ${what} of dataset ${catalogue.dataset}; a score attribute may not shadow it, choose another name`,
      { field: 'attribute', attribute },
    );
  }
}

/**
 * @example
 * const trees = treeService({ db, audit, insight });
 * const tree = await trees.train({ dataset: 'customers', target: 'churned', attributes: ['age', 'tier'] }, { id: 'cli:ops' });
 * await trees.score(tree.id, { attribute: 'churn_risk' }, { id: 'cli:ops' });
 */
export function treeService({ db, audit, insight, now = () => new Date() }: TreeServiceDeps) {
  /** Checks names against the catalogue: each usable, none twice. */
  const checkAttributes = (catalogue: ProfileCatalogue, names: readonly string[], field: string) => {
    const seen = new Set<string>();
    names.forEach((name, i) => {
      if (!catalogue.attributes.has(name)) {
        throw new MofangError('TREE_INPUT_INVALID', `${field}[${i}]: dataset ${catalogue.dataset} has no usable attribute ${JSON.stringify(name)}`, {
          field: `${field}[${i}]`,
          attribute: name,
        });
      }
      if (seen.has(name)) throw new MofangError('TREE_INPUT_INVALID', `${field}[${i}]: ${name} is given twice`, { field: `${field}[${i}]`, attribute: name });
      seen.add(name);
    });
  };

  return {
    async train(req: TrainRequest, actor: { id: string }): Promise<StoredTree> {
      if (req.attributes.length === 0 || req.attributes.length > MAX_TREE_ATTRIBUTES) {
        throw new MofangError('TREE_INPUT_INVALID', `attributes: give 1 to ${MAX_TREE_ATTRIBUTES} candidate attributes`, {
          field: 'attributes',
          limit: MAX_TREE_ATTRIBUTES,
        });
      }
      const catalogue = await insight.catalogue(req.dataset, actor);
      checkAttributes(catalogue, [req.target], 'target');
      checkAttributes(catalogue, req.attributes, 'attributes');
      const target = catalogue.attributes.get(req.target)!;
      if (target.type !== 'boolean') {
        throw new MofangError('TREE_INPUT_INVALID', `target: ${req.target} is ${target.type}; a tree needs a boolean target`, {
          field: 'target',
          attribute: req.target,
        });
      }
      if (req.attributes.includes(req.target)) {
        throw new MofangError('TREE_INPUT_INVALID', `attributes: the target ${req.target} cannot also be a candidate`, {
          field: 'attributes',
          attribute: req.target,
        });
      }
      const typed = readProfileColumns(db, catalogue, [req.target, ...req.attributes]);
      const [targetColumn, ...features] = typed.columns.map(featureColumn);
      const started = performance.now();
      const model = trainTree({ target: targetColumn, features }, req.options);
      const trainMs = Math.round(performance.now() - started);
      const stored = {
        id: randomUUID(),
        dataset: req.dataset,
        generation: typed.generation,
        target: req.target,
        trainMs,
        createdBy: actor.id,
        createdAt: now().toISOString(),
        model,
      };
      db.transaction(() => {
        insertTree(db, stored);
        audit.append({
          actor: actor.id,
          action: 'insight.tree.trained',
          subject: stored.id,
          details: {
            dataset: req.dataset,
            generation: typed.generation,
            target: req.target,
            attributes: req.attributes,
            options: model.options,
            rows: model.rows,
            nodes: model.nodes.length,
            validation: model.metrics.validation,
          },
        });
      }).immediate();
      return getTree(db, stored.id);
    },

    get: (id: string): StoredTree => getTree(db, id),

    list: (filter: { dataset?: string; limit?: number } = {}) => listTrees(db, filter),

    scoreAttributes: (dataset: string) => scoreAttributes(db, dataset),

    /**
     * Scores every profile of the dataset's live generation and stores the scores as `attribute`,
     * replacing its previous values (one transaction). The attribute is then a `number` attribute
     * of the profiles of that generation (profiles/score-attributes.ts); scoring again (by any
     * model) replaces it. Refused: a dataset column's or joint attribute's name, a unit-bound caller.
     */
    async score(id: string, input: { attribute: string }, actor: { id: string; unit?: string | null }): Promise<ScoreReport> {
      const tree = getTree(db, id);
      const { attribute } = input;
      if (!SCORE_ATTRIBUTE.test(attribute)) {
        throw new MofangError('REQUEST_INVALID', `attribute: a score attribute name must match ${SCORE_ATTRIBUTE}`, { field: 'attribute' });
      }
      // Scores cover the whole dataset, so a caller who sees one unit's customers cannot write them.
      if (actor.unit) {
        throw new MofangError(
          'SCOPE_FORBIDDEN',
          `attribute: a score attribute covers every customer of dataset ${tree.dataset}; caller bound to unit ${actor.unit} sees only its scope`,
          { field: 'attribute', unit: actor.unit },
        );
      }
      const catalogue = await insight.catalogue(tree.dataset, actor);
      refuseNameClash(catalogue, attribute);
      const used = tree.model.features.map((f) => f.attr);
      checkAttributes(catalogue, used, 'model.features');
      const typed = readProfileColumns(db, catalogue, used);
      const scores = scoreRows(tree.model, typed.columns.map(featureColumn));
      const scoredAt = now().toISOString();
      const a: ScoreAttribute = {
        dataset: tree.dataset,
        attribute,
        modelId: id,
        generation: typed.generation,
        rowCount: scores.length,
        scoredBy: actor.id,
        scoredAt,
      };
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        sum += s;
        min = Math.min(min, s);
        max = Math.max(max, s);
      }
      const report: ScoreReport = { ...a, mean: scores.length ? sum / scores.length : null, min: scores.length ? min : null, max: scores.length ? max : null };
      db.transaction(() => {
        replaceScores(db, a, typed.rows, scores);
        audit.append({
          actor: actor.id,
          action: 'insight.tree.scored',
          subject: id,
          details: { dataset: tree.dataset, attribute, generation: typed.generation, rows: scores.length, mean: report.mean },
        });
      }).immediate();
      return report;
    },

    /** Saves leaf `leaf` of the tree as segment `name` (version 1, materialised) through Insight.createSegment. */
    async saveLeaf(id: string, leaf: number, input: { name: string; description?: string }, actor: { id: string }): Promise<SegmentView> {
      const tree = getTree(db, id);
      const candidate = tree.leaves.find((l) => l.leaf === leaf);
      if (!candidate) {
        throw new MofangError('REQUEST_INVALID', `leaf: tree ${id} has leaves 0 to ${tree.leaves.length - 1}`, {
          field: 'leaf',
          limit: tree.leaves.length - 1,
        });
      }
      if (!candidate.rule) throw new MofangError('REQUEST_INVALID', 'leaf: the tree is a single leaf (everyone); there is no rule to save', { field: 'leaf' });
      const description =
        input.description ??
        `Leaf ${leaf} of decision tree ${id} (${tree.target}): ${(100 * candidate.positiveRate).toFixed(1)} % positive, lift ${candidate.lift.toFixed(2)}`;
      // Saved (and audited as segment.created) by the segments' own path; this entry links it to the tree.
      const segment = await insight.createSegment({ dataset: tree.dataset, name: input.name, rule: candidate.rule, description }, actor);
      audit.append({
        actor: actor.id,
        action: 'insight.tree.leaf_saved',
        subject: segment.name,
        details: { tree: id, leaf, dataset: tree.dataset, version: segment.version, size: segment.latest?.size ?? null },
      });
      return segment;
    },
  };
}

export type TreeService = ReturnType<typeof treeService>;

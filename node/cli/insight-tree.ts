/**
 * `mofang tree …`: train a decision tree on a dataset's profiles, show it, list them, score every
 * profile into an attribute, save a leaf as a segment. The same service as the HTTP API.
 */
import type { Command } from 'commander';
import type { Actor } from '../api/services.js';
import { MofangError } from '../errors.js';
import type { CandidateSegment } from '../insight/tree/leaf-rules.js';
import type { TreeOptions } from '../insight/tree/model.js';
import type { StoredTree } from '../insight/tree/store.js';
import type { MofangNode } from '../node.js';
import { printJson } from './format.js';

export interface TreeCommandContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

/** A number option, or an error naming it (ranges are checked by the trainer, which names the option too). */
function numberOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new MofangError('REQUEST_INVALID', `${flag}: expected a number, got "${value}"`, { field: flag });
  return n;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? '–' : x.toFixed(digits));

function printLeaves(leaves: CandidateSegment[]): void {
  console.log('leaf     size  positive   lift  validation  rule');
  for (const l of [...leaves].sort((a, b) => b.lift - a.lift)) {
    const v = l.validation ? `${String(l.validation.size).padStart(6)} ${pct(l.validation.positiveRate).padStart(7)}` : ''.padStart(14);
    console.log(
      `${String(l.leaf).padStart(4)} ${String(l.size).padStart(8)} ${pct(l.positiveRate).padStart(9)} ${l.lift.toFixed(2).padStart(6)} ${v}  ${JSON.stringify(l.rule)}`,
    );
  }
}

function printTree(t: StoredTree): void {
  const { model } = t;
  console.log(`Tree ${t.id} on ${t.dataset} (generation ${t.generation}), target ${t.target}, trained by ${t.createdBy} at ${t.createdAt} in ${t.trainMs} ms`);
  console.log(
    `Rows: ${model.rows.train} training, ${model.rows.validation} validation, ${model.rows.excluded} without a target; base rate ${pct(model.baseRate)}`,
  );
  const v = model.metrics.validation;
  console.log(
    `Training: accuracy ${num(model.metrics.train.accuracy)}, AUC ${num(model.metrics.train.auc)}; validation: accuracy ${num(v?.accuracy)}, AUC ${num(v?.auc)}`,
  );
  console.log(
    `Importance: ${
      model.importance
        .filter((i) => i.importance > 0)
        .map((i) => `${i.attr} ${pct(i.importance)}`)
        .join(', ') || 'none (a single leaf)'
    }`,
  );
  printLeaves(t.leaves);
}

/**
 * @example registerTreeCommands(program, { withNode, json, actor: cliActor });
 */
export function registerTreeCommands(program: Command, ctx: TreeCommandContext): void {
  const tree = program.command('tree').description('decision trees on profiles: candidate segments and churn-risk scores');

  tree
    .command('train')
    .description('train a CART tree for a boolean target on candidate attributes')
    .requiredOption('--dataset <name>')
    .requiredOption('--target <attribute>', 'a boolean attribute, e.g. churned')
    .requiredOption('--attributes <list>', 'candidate attributes, comma-separated')
    .option('--max-depth <n>', 'deepest split level (1–16)')
    .option('--min-leaf <n>', 'fewest training rows in a leaf')
    .option('--min-impurity-decrease <x>', 'smallest weighted Gini decrease a split must bring (0–1)')
    .option('--validation <fraction>', 'share of each class held out (0–0.9)')
    .option('--seed <n>', 'seed of the validation split')
    .option('--max-bins <n>', 'most bins per numeric attribute')
    .action((o) =>
      ctx.withNode(async (node) => {
        const options: Partial<TreeOptions> = Object.fromEntries(
          Object.entries({
            maxDepth: numberOption('--max-depth', o.maxDepth),
            minLeaf: numberOption('--min-leaf', o.minLeaf),
            minImpurityDecrease: numberOption('--min-impurity-decrease', o.minImpurityDecrease),
            validationFraction: numberOption('--validation', o.validation),
            seed: numberOption('--seed', o.seed),
            maxBins: numberOption('--max-bins', o.maxBins),
          }).filter(([, v]) => v !== undefined),
        );
        const attributes = String(o.attributes)
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean);
        const t = await node.trees.train({ dataset: o.dataset, target: o.target, attributes, options }, ctx.actor());
        return ctx.json() ? printJson(t) : printTree(t);
      }),
    );

  tree
    .command('list')
    .option('--dataset <name>')
    .option('--limit <n>', 'how many', '20')
    .action((o) =>
      ctx.withNode((node) => {
        const list = node.trees.list({ dataset: o.dataset, limit: numberOption('--limit', o.limit) });
        if (ctx.json()) return printJson(list);
        for (const t of list)
          console.log(
            `${t.id}  ${t.dataset.padEnd(16)} ${t.target.padEnd(16)} ${String(t.leafCount).padStart(4)} leaves  AUC ${num(t.validationAuc)}  ${t.createdAt}`,
          );
      }),
    );

  tree
    .command('show <id>')
    .description('model, metrics and leaves (candidate segments)')
    .action((id) => ctx.withNode((node) => (ctx.json() ? printJson(node.trees.get(id)) : printTree(node.trees.get(id)))));

  tree
    .command('score <id>')
    .description("write the model's probability for every profile as an attribute")
    .requiredOption('--attribute <name>', 'the score attribute, e.g. churn_risk')
    .action((id, o) =>
      ctx.withNode(async (node) => {
        const r = await node.trees.score(id, { attribute: o.attribute }, ctx.actor());
        if (ctx.json()) return printJson(r);
        console.log(`Scored ${r.rowCount} profiles of ${r.dataset} into ${r.attribute}: mean ${num(r.mean)}, min ${num(r.min)}, max ${num(r.max)}`);
      }),
    );

  tree
    .command('save-leaf <id> <leaf>')
    .description('save a leaf as a segment (and materialise it)')
    .requiredOption('--name <segment>')
    .option('--description <text>')
    .action((id, leaf, o) =>
      ctx.withNode(async (node) => {
        const n = numberOption('<leaf>', leaf)!;
        const s = await node.trees.saveLeaf(id, n, { name: o.name, description: o.description }, ctx.actor());
        if (ctx.json()) return printJson(s);
        console.log(`Segment ${s.name} (version ${s.version}): ${s.latest?.size ?? 0} customers; rule ${JSON.stringify(s.rule)}`);
      }),
    );
}

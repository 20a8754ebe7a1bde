/**
 * Saved segments as the groups of an aggregate query ("score these candidate segments with the
 * partner's values"). Each segment's members are read from its latest materialisation, refreshed
 * first when the dataset was re-imported since; a segment of another dataset, or one that cannot
 * be brought to the generation the run reads, is refused rather than silently mis-grouped.
 */
import { MofangError } from '../errors.js';
import type { GroupSource, QueryGroup } from '../session/group-source.js';
import type { Insight } from './insight.js';

/**
 * @example segmentGroups(node.insight, ['young-savers', 'gold-tier']).groups(db, 'customers', generation)
 */
export function segmentGroups(insight: Insight, names: string[]): GroupSource {
  return {
    grouping: `segments:${names.join(',')}`,
    async groups(_db, dataset, generation): Promise<QueryGroup[]> {
      const groups: QueryGroup[] = [];
      for (const name of names) {
        const members = await insight.segmentMembers(name);
        if (members.dataset !== dataset) {
          throw new MofangError('REQUEST_INVALID', `segment '${name}' is defined on dataset ${members.dataset}; this agreement uses dataset ${dataset}`, {
            field: 'segments',
          });
        }
        if (members.generation !== generation) {
          throw new MofangError(
            'REQUEST_INVALID',
            `segment '${name}' is materialised on generation ${members.generation} of ${dataset}, the run reads generation ${generation}; refresh it and retry`,
            { field: 'segments' },
          );
        }
        groups.push({ label: name, rows: members.rows });
      }
      return groups;
    },
  };
}

/**
 * Schema migrations as data: each domain lists the steps for the tables it owns, and
 * `combineMigrations` orders the steps of all domains into the versions the database records in
 * `user_version`. Steps of several domains that share a version run as one migration, their SQL
 * joined in the order the domains are given, so a shipped version never changes its text.
 */

export interface Migration {
  /** The `user_version` the database has once this step ran; 1 is the first. */
  version: number;
  sql: string;
}

/**
 * One migration per version, from 1 up without gaps (a gap would leave databases at different
 * versions with different schemas).
 * @example combineMigrations(AUDIT_MIGRATIONS, DATASET_MIGRATIONS) // [{ version: 1, sql: audit + '\n' + datasets }, …]
 */
export function combineMigrations(...owners: readonly (readonly Migration[])[]): Migration[] {
  const byVersion = new Map<number, string[]>();
  for (const steps of owners) {
    for (const step of steps) byVersion.set(step.version, [...(byVersion.get(step.version) ?? []), step.sql]);
  }
  const versions = [...byVersion.keys()].sort((a, b) => a - b);
  versions.forEach((v, i) => {
    if (v !== i + 1) throw new Error(`schema migrations: version ${i + 1} is missing (next is ${v})`);
  });
  return versions.map((version) => ({ version, sql: byVersion.get(version)!.join('\n') }));
}

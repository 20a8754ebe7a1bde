/**
 * Schema errors that list what is allowed. A union of constants (TypeBox `Union([Literal…])`,
 * i.e. anyOf/oneOf of `const`) makes ajv report one "must be equal to constant" per branch; the
 * user needs the list of values instead.
 */
interface Issue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

// A lone `enum` already reports its allowed values; the callers word that case themselves.
const UNION_KEYWORDS = new Set(['const', 'anyOf', 'oneOf']);

/**
 * "must be one of: a, b, c" when `first` is part of a failed union of constants, else null.
 * @example oneOfMessage(validate.errors, validate.errors[0]) // → 'must be one of: info, warn'
 */
export function oneOfMessage(errors: readonly Issue[], first: Issue): string | null {
  if (!UNION_KEYWORDS.has(first.keyword)) return null;
  const values: unknown[] = [];
  for (const e of errors) {
    if (e.instancePath !== first.instancePath) continue;
    if (e.keyword === 'const') values.push(e.params.allowedValue);
    if (e.keyword === 'enum') values.push(...(e.params.allowedValues as unknown[]));
  }
  const unique = [...new Set(values)];
  return unique.length > 0 ? `must be one of: ${unique.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}` : null;
}

/** `/root/split/by` → `root.split.by`; `/metrics/0/attr` → `metrics[0].attr`. */
function fieldOfPath(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof child === 'string') parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') || '(root)';
}

/**
 * One line for a failed validation, naming the field. In a union whose branches are told apart
 * by a constant (`fn: 'count' | 'mean'…`), the branch whose constant matched is the one the user
 * meant: its error is reported (e.g. a missing field). When no constant matched, the allowed
 * values are listed.
 * @example describeIssues(validate.errors) // → 'root.split.by: must be one of: values, bands, dateBands'
 */
export function describeIssues(errors: readonly (Issue & { message?: string; schemaPath?: string })[]): string {
  const depth = (e: Issue) => e.instancePath.split('/').length;
  const isConst = (e: Issue) => e.keyword === 'const' || e.keyword === 'enum';
  for (const u of errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').sort((a, b) => depth(b) - depth(a))) {
    const prefix = `${u.schemaPath}/`;
    const branches = new Map<string, (typeof errors)[number][]>();
    for (const e of errors) {
      if (!e.schemaPath?.startsWith(prefix) || !e.instancePath.startsWith(u.instancePath)) continue;
      const n = e.schemaPath.slice(prefix.length).split('/')[0];
      branches.set(n, [...(branches.get(n) ?? []), e]);
    }
    const matched = [...branches.values()].filter((list) => !list.some(isConst));
    if (matched.length === 1 && matched[0].length > 0 && branches.size > 1) return describeOne(matched[0][0]);
  }
  const unions = errors.filter((e) => e.keyword === 'const').sort((a, b) => depth(b) - depth(a));
  if (unions[0]) return `${fieldOfPath(unions[0].instancePath)}: ${oneOfMessage(errors, unions[0])}`;
  return errors[0] ? describeOne(errors[0]) : 'is invalid';
}

function describeOne(e: Issue & { message?: string }): string {
  if (e.keyword === 'required') return `${fieldOfPath(e.instancePath, e.params.missingProperty)}: is required`;
  if (e.keyword === 'additionalProperties') return `${fieldOfPath(e.instancePath, e.params.additionalProperty)}: unknown field (check its spelling)`;
  if (e.keyword === 'enum') return `${fieldOfPath(e.instancePath)}: must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
  return `${fieldOfPath(e.instancePath)}: ${e.message ?? 'is invalid'}`;
}

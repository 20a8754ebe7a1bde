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

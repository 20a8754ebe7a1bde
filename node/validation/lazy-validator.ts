/**
 * An ajv validator compiled on its first call, not at module load. Compiling the schemas of
 * agreements and trees took much of a CLI command's start-up, though a command usually needs at
 * most one of them.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options } from 'ajv';

export interface LazyValidator<T> {
  (data: unknown): data is T;
  /** The errors of the last call, as ajv reports them. */
  errors?: ErrorObject[] | null;
}

/**
 * `schema` may be a function, for a schema that is itself costly to build or read.
 * @example const validate = lazyValidator<Terms>(TermsSchema, { allErrors: true }, (ajv) => ajv.addKeyword('x-hint'));
 */
export function lazyValidator<T>(schema: object | (() => object), options: Options, setup: (ajv: Ajv) => void = () => {}): LazyValidator<T> {
  let compiled: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
  const validate = ((data: unknown) => {
    if (!compiled) {
      // ajv itself (≈ 60 modules) is required here too: most commands never validate.
      const ajv = new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv(options);
      setup(ajv);
      compiled = ajv.compile(typeof schema === 'function' ? schema() : schema);
    }
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as LazyValidator<T>;
  return validate;
}

/**
 * An ajv validator compiled on its first call, not at module load. Compiling the schemas of
 * agreements, trees and the config took most of a CLI command's start-up, though a command
 * usually needs at most one of them.
 */
import { Ajv, type ErrorObject, type Options } from 'ajv';

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
      const ajv = new Ajv(options);
      setup(ajv);
      compiled = ajv.compile(typeof schema === 'function' ? schema() : schema);
    }
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as LazyValidator<T>;
  return validate;
}

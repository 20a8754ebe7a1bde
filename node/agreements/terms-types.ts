/** Field types shared by every section of the agreement terms. */
import { Type } from '@sinclair/typebox';

/** A string enum that Ajv reports as "must be one of …" (a Union of Literals reports per branch). */
export const StringEnum = <T extends string[]>(values: [...T]) => Type.Unsafe<T[number]>({ type: 'string', enum: values });

// `x-hint` says in words what a pattern means; it replaces the regex in error messages.
export const NodeId = Type.String({ pattern: '^sha256:[0-9a-f]{64}$', 'x-hint': "'sha256:' and 64 lowercase hex digits" });
export const Timestamp = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  'x-hint': 'a UTC timestamp like 2026-01-31T00:00:00.000Z',
});
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$', 'x-hint': 'free of control characters' });

export const PartyRoleSchema = StringEnum(['proposer', 'acceptor']);

/** Who acts on a node, as every service that changes state records it in the audit log. */
/** `ingest` may only send events (POST /v1/events): the token an SDK in a browser or app holds. */
export type Role = 'admin' | 'operator' | 'compliance' | 'ingest';

export interface Actor {
  /** e.g. `token:ops-1` or `cli:root` — never a secret. */
  id: string;
  role: Role | 'system';
  /** The organisation unit the principal is bound to (insight scope); absent: the whole organisation. */
  unit?: string;
}

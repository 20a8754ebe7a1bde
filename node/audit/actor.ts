/** Who acts on a node, as every service that changes state records it in the audit log. */
/**
 * `ingest` may only send events (POST /v1/events): the token an SDK in a browser or app holds.
 * `app` may only use the in-app inbox routes: the token the bank's app backend holds to show
 * customers their messages, which must open nothing else on the node.
 */
export type Role = 'admin' | 'operator' | 'compliance' | 'ingest' | 'app';

export interface Actor {
  /** e.g. `token:ops-1` or `cli:root` — never a secret. */
  id: string;
  role: Role | 'system';
  /** The organisation unit the principal is bound to (insight scope, branch tasks); absent: the whole organisation. */
  unit?: string;
}

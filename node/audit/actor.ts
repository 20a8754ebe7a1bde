/** Who acts on a node, as every service that changes state records it in the audit log. */
export type Role = 'admin' | 'operator' | 'compliance';

export interface Actor {
  /** e.g. `token:ops-1` or `cli:root` — never a secret. */
  id: string;
  role: Role | 'system';
  /** The organisation unit the principal is bound to (insight scope); absent: the whole organisation. */
  unit?: string;
}

/**
 * The signed-in token. Kept in sessionStorage only: it ends with the tab, is never written to
 * localStorage (which outlives the browser session) and never appears in a URL (which lands in
 * history, logs and Referer headers).
 */
const KEY = 'mofang.token';

export type Role = 'admin' | 'operator' | 'compliance' | 'ingest';

/** What GET /v1/session answers. */
export interface Session {
  actor: string;
  role: Role;
  unit: string | null;
  node: { nodeId: string; name: string; version: string };
}

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

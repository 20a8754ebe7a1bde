/**
 * The pages the console has, and which roles may use each: the roles of the API routes a page
 * needs (docs/api.md). Only built pages are listed; the server enforces the roles anyway. The
 * navigation label is `<path>.nav` in the page's catalogue.
 */
import type { Role, Session } from './session';

const PAGES = [
  { path: 'overview', roles: ['admin', 'operator', 'compliance'] },
  { path: 'data', roles: ['admin', 'operator', 'compliance'] },
  { path: 'agreements', roles: ['admin', 'operator', 'compliance'] },
  { path: 'joint', roles: ['operator', 'compliance'] },
  { path: 'insight', roles: ['operator', 'compliance'] },
  { path: 'analytics', roles: ['operator', 'compliance'] },
  { path: 'strategy', roles: ['operator', 'compliance'] },
  { path: 'reach', roles: ['operator', 'compliance'] },
  { path: 'compliance', roles: ['compliance'] },
] as const satisfies readonly { path: string; roles: readonly Role[] }[];

export type PagePath = (typeof PAGES)[number]['path'];
export interface PageEntry {
  path: PagePath;
  roles: readonly Role[];
}

export const pagesFor = (role: Role): PageEntry[] => PAGES.filter((p) => (p.roles as readonly Role[]).includes(role));

/** What each page is given: the signed-in session and the path below the page's own (e.g. a journey id). */
export interface PageProps {
  session: Session;
  rest: string[];
}

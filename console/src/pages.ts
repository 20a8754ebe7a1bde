/**
 * The pages the console has, and which roles may use each: the roles of the API routes a page
 * needs (docs/api.md). Only built pages are listed; the server enforces the roles anyway.
 */
import type { Role } from './session';

export interface PageEntry {
  path: 'overview' | 'strategy' | 'compliance';
  roles: readonly Role[];
}

const PAGES: readonly PageEntry[] = [
  { path: 'overview', roles: ['admin', 'operator', 'compliance'] },
  { path: 'strategy', roles: ['operator', 'compliance'] },
  { path: 'compliance', roles: ['compliance'] },
];

export const pagesFor = (role: Role): PageEntry[] => PAGES.filter((p) => p.roles.includes(role));

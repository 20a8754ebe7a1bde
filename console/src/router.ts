/** Paths below /console/ with the History API: the node serves index.html for each of them. */
import { useEffect, useState } from 'react';

const BASE = '/console/';

export function navigate(path: string): void {
  window.history.pushState(null, '', BASE + path.replace(/^\//, ''));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** An in-console link's click handler: the History API instead of a page load (the `href` stays for new tabs). */
export const followLink =
  (path: string) =>
  (e: { preventDefault(): void }): void => {
    e.preventDefault();
    navigate(path);
  };

const read = () => window.location.pathname.slice(BASE.length).replace(/\/+$/, '');

/** The current path below /console/, without leading or trailing slashes (e.g. `strategy/3`). */
export function usePath(): string {
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}

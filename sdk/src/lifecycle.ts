/**
 * The moments the host environment is about to stop running the tracker: a browser page hidden or
 * unloaded (`visibilitychange` to hidden, `pagehide` — the last events a page reliably gets; mobile
 * browsers never fire `unload` for a tab swiped away), or a Node process whose event loop has run
 * out of work (`beforeExit`). Environments are recognised by what they have, so one build serves
 * both, and nothing here touches DOM or Node typings.
 */

interface Listenable {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

interface Environment {
  document?: Partial<Listenable> & { visibilityState?: string };
  addEventListener?: Listenable['addEventListener'];
  removeEventListener?: Listenable['removeEventListener'];
  process?: { versions?: { node?: string }; on?(event: string, listener: () => void): void; off?(event: string, listener: () => void): void };
}

export interface LifecycleHooks {
  /** The page is hidden or going away: send everything now, with requests that outlive the page. */
  hidden(): void;
  /** The page is visible again. */
  visible(): void;
  /** The Node process has nothing left to do and is about to exit. */
  exiting(): void;
}

/** Starts listening; returns the function that stops. */
export function watchLifecycle(hooks: LifecycleHooks): () => void {
  const env = globalThis as unknown as Environment;
  const stops: Array<() => void> = [];
  const listen = (target: Partial<Listenable>, type: string, listener: () => void) => {
    target.addEventListener!(type, listener);
    stops.push(() => target.removeEventListener?.(type, listener));
  };
  const doc = env.document;
  if (doc && typeof doc.addEventListener === 'function') {
    listen(doc, 'visibilitychange', () => (doc.visibilityState === 'hidden' ? hooks.hidden() : hooks.visible()));
  }
  // Called as methods of the global object: a browser's window refuses them with another `this`.
  if (typeof env.addEventListener === 'function') {
    listen(env as Partial<Listenable>, 'pagehide', hooks.hidden);
    listen(env as Partial<Listenable>, 'pageshow', hooks.visible);
  }
  const process = env.process;
  if (typeof process?.versions?.node === 'string' && typeof process.on === 'function') {
    const onExit = () => hooks.exiting();
    process.on('beforeExit', onExit);
    stops.push(() => process.off?.('beforeExit', onExit));
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}

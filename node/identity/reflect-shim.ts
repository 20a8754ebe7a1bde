/**
 * The three `Reflect` metadata functions that tsyringe (a dependency of @peculiar/x509) checks for
 * at load time. package.json has no reflect-metadata polyfill; @peculiar/x509 only registers
 * classes without constructor parameters, so an own-metadata store is all it needs.
 * Installed only when missing, so a real polyfill loaded earlier wins.
 *
 * Import this module before '@peculiar/x509' (ES modules evaluate imports in order).
 */
type Key = unknown;
const store = new WeakMap<object, Map<Key, unknown>>();

interface ReflectMetadata {
  getMetadata?: (key: Key, target: object) => unknown;
  getOwnMetadata?: (key: Key, target: object) => unknown;
  defineMetadata?: (key: Key, value: unknown, target: object) => void;
}

const reflect = Reflect as typeof Reflect & ReflectMetadata;
if (typeof reflect.getMetadata !== 'function') {
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const map = store.get(t);
      if (map?.has(key)) return map.get(key);
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    map.set(key, value);
  };
}

export {};

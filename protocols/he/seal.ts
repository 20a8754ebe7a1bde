/**
 * The one place node-seal (Microsoft SEAL 4.1 compiled to WebAssembly) is loaded, plus the two
 * habits every caller needs with it:
 *
 * - SEAL objects live on the WASM heap, not the JS heap: the garbage collector does not see their
 *   size, so each one is deleted explicitly. `Scope` owns the objects of one step and deletes them
 *   in a `finally`, also on error.
 * - SEAL's C++ exceptions reach JS as bare numbers (pointers into the WASM heap); only the
 *   library's `Exception.safe` turns them into text. `sealMessage` does that, and never throws.
 *
 * We use node-seal 6.0.3: 7.x does not load on Node 20 (see ../shared/docs/architecture.md). Its
 * default build is the "throws" build: an operation whose result would be a transparent
 * ciphertext (one that decrypts without the key, e.g. a product with an all-zero plaintext)
 * throws instead of silently producing it.
 */
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type { SEALLibrary };

let instance: Promise<SEALLibrary> | undefined;

/**
 * The SEAL library, compiled once per process (≈ 40 ms) and shared.
 *
 * @example
 * const seal = await loadSeal();
 */
export function loadSeal(): Promise<SEALLibrary> {
  // Imported on first use: parsing the 1.4 MB module costs every process that merely links this
  // file (each CLI command) a quarter of a second, and only aggregation needs it.
  instance ??= import('node-seal')
    .then((sealModule) => {
      // The package's CommonJS main exports the factory itself; its types describe an ES default
      // export. Accept both shapes rather than depend on how the bundler wrapped it.
      const m = sealModule as unknown as { default: unknown };
      const factory = (
        typeof m === 'function' ? m : typeof m.default === 'function' ? m.default : (m.default as { default: unknown }).default
      ) as () => Promise<SEALLibrary>;
      return factory();
    })
    .catch((error: unknown) => {
      instance = undefined;
      throw error;
    });
  return instance;
}

/** The text of anything SEAL threw (a WASM exception pointer, an Error or a string). */
export function sealMessage(seal: SEALLibrary, error: unknown): string {
  try {
    const safe = seal.Exception.safe(error as number | Error | string);
    return safe.message || String(error);
  } catch {
    return error instanceof Error ? error.message : String(error);
  }
}

interface Deletable {
  delete(): void;
}

/** Owns WASM objects and deletes them all (newest first) on `dispose`. */
export class Scope {
  private owned: Deletable[] = [];

  own<T extends Deletable>(object: T): T {
    this.owned.push(object);
    return object;
  }

  /** Number of objects currently owned (for tests that check nothing is kept alive). */
  get size(): number {
    return this.owned.length;
  }

  dispose(): void {
    const owned = this.owned;
    this.owned = [];
    for (let i = owned.length - 1; i >= 0; i--) {
      try {
        owned[i].delete();
      } catch {
        // Deleting twice or after a failed construction must not mask the original error.
      }
    }
  }
}

/** Runs `body` with a fresh scope and deletes everything it owned, whatever happens. */
export function scoped<T>(body: (scope: Scope) => T): T {
  const scope = new Scope();
  try {
    return body(scope);
  } finally {
    scope.dispose();
  }
}

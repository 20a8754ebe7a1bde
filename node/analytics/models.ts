/** The analysis models by name: the HTTP API, the CLI and saved metrics find them here. */
import { eventModel } from './event.js';
import type { AnyModel } from './model.js';

export const MODELS: ReadonlyMap<string, AnyModel> = new Map([eventModel].map((m) => [m.name, m]));

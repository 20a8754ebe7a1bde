/** The analysis models by name: the HTTP API, the CLI and saved metrics find them here. */
import { distributionModel } from './distribution.js';
import { eventModel } from './event.js';
import { funnelModel } from './funnel.js';
import { retentionModel } from './retention.js';
import type { AnyModel } from './model.js';

export const MODELS: ReadonlyMap<string, AnyModel> = new Map([eventModel, funnelModel, retentionModel, distributionModel].map((m) => [m.name, m]));

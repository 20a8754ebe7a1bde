/** The analysis models by name: the HTTP API, the CLI and saved metrics find them here. */
import { attributionModel } from './attribution.js';
import { distributionModel } from './distribution.js';
import { eventModel } from './event.js';
import { funnelModel } from './funnel.js';
import { intervalModel } from './interval.js';
import { ltvModel } from './ltv.js';
import type { AnyModel } from './model.js';
import { pathModel } from './path.js';
import { retentionModel } from './retention.js';

export const MODELS: ReadonlyMap<string, AnyModel> = new Map(
  [eventModel, funnelModel, retentionModel, distributionModel, intervalModel, pathModel, attributionModel, ltvModel].map((m) => [m.name, m]),
);

/**
 * Synthetic churn data with a known cause, for the tests and the benchmark: a customer churns when
 * age < 30 and tier is basic, and each label is then flipped with probability `noise`. The other
 * eight attributes carry no signal. Columns are built directly (no row objects), so 10⁶ rows take
 * well under a second.
 */
import type { CategoricalColumn, FeatureColumn, NumericColumn } from '../../node/insight/tree/columns.js';
import { mulberry32 } from '../../node/random/seeded.js';

export interface SyntheticChurn {
  target: CategoricalColumn;
  features: FeatureColumn[];
}

const SYNTHETIC_TIERS = ['basic', 'silver', 'gold', 'platinum'];

/**
 * @param missing share of rows with `balance` and `region` unset (they carry no signal)
 * @example const { target, features } = syntheticChurn({ rows: 10_000, seed: 1, noise: 0.05 });
 */
export function syntheticChurn(o: { rows: number; seed: number; noise: number; missing?: number }): SyntheticChurn {
  const random = mulberry32(o.seed);
  const n = o.rows;
  const num = (name: string, type: 'number' | 'date' = 'number'): NumericColumn => ({ name, type, values: new Float64Array(n), missing: new Uint8Array(n) });
  const cat = (name: string, levels: (string | boolean)[], type: 'string' | 'boolean' = 'string'): CategoricalColumn => ({
    name,
    type,
    codes: new Int32Array(n),
    levels,
    missing: new Uint8Array(n),
  });
  const age = num('age');
  const balance = num('balance');
  const tenure = num('tenure_months');
  const lastLogin = num('last_login', 'date');
  const txns = num('txn_count');
  const tier = cat('tier', SYNTHETIC_TIERS);
  const region = cat(
    'region',
    Array.from({ length: 30 }, (_, i) => `R${String(i).padStart(2, '0')}`),
  );
  const channel = cat('channel', ['branch', 'web', 'app', 'phone', 'partner']);
  const card = cat('has_card', [false, true], 'boolean');
  const app = cat('uses_app', [false, true], 'boolean');
  const churned = cat('churned', [false, true], 'boolean');
  const start = Date.UTC(2024, 0, 1);
  const day = 86_400_000;
  for (let r = 0; r < n; r++) {
    age.values[r] = 18 + Math.floor(random() * 62);
    balance.values[r] = Math.round(Math.exp(6 + 4 * random()) * 100) / 100;
    tenure.values[r] = Math.floor(random() * 240);
    lastLogin.values[r] = start + Math.floor(random() * 365) * day;
    txns.values[r] = Math.floor(random() * 500);
    tier.codes[r] = Math.floor(random() * 4);
    region.codes[r] = Math.floor(random() * 30);
    channel.codes[r] = Math.floor(random() * 5);
    card.codes[r] = random() < 0.6 ? 1 : 0;
    app.codes[r] = random() < 0.5 ? 1 : 0;
    if (o.missing && random() < o.missing) balance.missing[r] = 1;
    if (o.missing && random() < o.missing) region.missing[r] = 1;
    const churn = age.values[r] < 30 && tier.codes[r] === 0;
    churned.codes[r] = (random() < o.noise ? !churn : churn) ? 1 : 0;
  }
  return { target: churned, features: [age, balance, tenure, lastLogin, txns, tier, region, channel, card, app] };
}

/**
 * Plain answers computed from the synthetic CSV files (node/demo/synthetic.ts), to compare the
 * results of joint runs with: what an aggregate over the overlap must release when noise is zero.
 */
import { readFileSync } from 'node:fs';
import { normaliseIdentifier } from '../../node/datasets/normalise.js';

/** Rows of a synthetic CSV file (no embedded commas), keyed by header. */
export function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v.replace(/^"|"$/g, '')])));
}

export interface CityTruth {
  /** Bank customers of the city that the partner also has. */
  count: number;
  /** Their partner monthly_spend, in cents. */
  spend: number;
  /** Of those, how many spend < 100, < 300, and more. */
  buckets: number[];
}

/** Per bank city: the matched customers and the partner's spend on them. */
export function matchedSpendByCity(data: { bankFile: string; partnerFile: string }): Map<string, CityTruth> {
  const spendOf = new Map(readCsv(data.partnerFile).map((r) => [normaliseIdentifier('phone', r.phone), Number(r.monthly_spend)]));
  const byCity = new Map<string, CityTruth>();
  for (const r of readCsv(data.bankFile)) {
    const spend = spendOf.get(normaliseIdentifier('phone', r.phone));
    const city = byCity.get(r.city) ?? { count: 0, spend: 0, buckets: [0, 0, 0] };
    byCity.set(r.city, city);
    if (spend === undefined) continue;
    city.count++;
    city.spend += Math.round(spend * 100);
    city.buckets[spend < 100 ? 0 : spend < 300 ? 1 : 2]++;
  }
  return byCity;
}

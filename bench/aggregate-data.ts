/**
 * The aggregate benchmark's data, derived from the synthetic pair (node/demo/synthetic.ts) without
 * changing it: the bank's file gains `segment` (S0…S9 from the customer number: ten disjoint groups
 * of equal size), the telco's gains `value`, a 32-bit integer (FNV-1a of the normalised phone
 * number, so uniform over 0…2³²−1 and computable from either side's spelling). The exact count and
 * sum per segment over the intersection is computed here, to check what the nodes release.
 */
import { createReadStream, createWriteStream, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const SEGMENT_COLUMN = 'segment';
export const VALUE_COLUMN = 'value';
export const VALUE_MAX = 2 ** 32 - 1;

/** The last 11 digits of any spelling the synthetic files use (+86, 0086, 86, separators). */
const digits = (phone: string) => phone.replace(/\D/g, '').slice(-11);

/** FNV-1a over the 11 digits: a 32-bit value per subscriber. */
export function valueFor(phone: string): number {
  let h = 0x811c9dc5;
  for (const c of digits(phone)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

export interface Expected {
  /** Per segment label: matched records and the exact sum of their values. */
  segments: Map<string, { count: number; sum: number }>;
  total: { count: number; sum: number };
}

/** Rewrites `file` in place, appending one column computed from each row's fields. */
async function appendColumn(file: string, header: string, cell: (fields: string[]) => string): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let first = true;
  let buffer: string[] = [];
  const flush = () => new Promise<void>((resolve) => (out.write(buffer.join('')) ? resolve() : out.once('drain', resolve)));
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line === '') continue;
    buffer.push(first ? `${line},${header}\n` : `${line},${cell(line.split(','))}\n`);
    first = false;
    if (buffer.length >= 10_000) {
      await flush();
      buffer = [];
    }
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  renameSync(tmp, file);
}

/**
 * Adds the two columns. The synthetic bank customer C<i+1> is in the telco's set exactly when
 * i ≥ n − overlap (see writeSyntheticPair); its segment is S(i mod groups).
 */
export async function addAggregateColumns(pair: { bankFile: string; partnerFile: string }, n: number, overlap: number, groups: number): Promise<Expected> {
  const segments = new Map<string, { count: number; sum: number }>();
  for (let g = 0; g < groups; g++) segments.set(`S${g}`, { count: 0, sum: 0 });
  const total = { count: 0, sum: 0 };
  // Bank rows: customer_id, phone, …
  await appendColumn(pair.bankFile, SEGMENT_COLUMN, (f) => {
    const i = Number(f[0].slice(1)) - 1;
    const segment = `S${i % groups}`;
    if (i >= n - overlap) {
      const v = valueFor(f[1]);
      const s = segments.get(segment)!;
      s.count++;
      s.sum += v;
      total.count++;
      total.sum += v;
    }
    return segment;
  });
  // Telco rows: phone, …
  await appendColumn(pair.partnerFile, VALUE_COLUMN, (f) => String(valueFor(f[0])));
  return { segments, total };
}

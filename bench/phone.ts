/**
 * Phone normalisation on its hot path: 10⁶ Chinese mobile numbers in the spellings the demo data
 * uses (bare, +86, spaced, dashed), normalised five times; prints the median and best rounds.
 * Run: npm run build && tsc -p bench/tsconfig.json && node dist/bench/phone.js [count]
 * Results: docs/benchmarks.md, "Phone normalisation".
 */
import { normalisePhone } from '../node/datasets/phone.js';
import { mulberry32 } from '../node/random/seeded.js';

const count = Number(process.argv[2] ?? 1_000_000);
const random = mulberry32(7);
const spellings = [
  (n: string) => n,
  (n: string) => `+86${n}`,
  (n: string) => `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`,
  (n: string) => `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`,
];
const inputs = Array.from({ length: count }, (_, i) => {
  const n = `1${3 + Math.floor(random() * 7)}${String(Math.floor(random() * 1e9)).padStart(9, '0')}`;
  return spellings[i % spellings.length](n);
});

const rounds: number[] = [];
let sink = 0;
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  for (const s of inputs) {
    const out = normalisePhone(s);
    if ('value' in out) sink += out.value.length;
  }
  rounds.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
if (sink !== 5 * 14 * count) throw new Error('a mobile number was not normalised');
rounds.sort((a, b) => a - b);
console.log(
  `${count} Chinese mobiles: median ${rounds[2].toFixed(0)} ms (${((rounds[2] * 1e6) / count).toFixed(0)} ns each), best ${rounds[0].toFixed(0)} ms, node ${process.version}`,
);

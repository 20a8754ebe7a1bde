/**
 * Deterministic synthetic customers for the demo, the tests and the benchmarks: a bank file and a partner (telco)
 * file sharing exactly `overlap` phone numbers. Phone numbers are spelled in the ways real exports
 * spell them, so the overlap only shows after normalisation.
 *
 * Distinct numbers without a set of seen ones: index i maps to a·i + b mod 7·10⁹ (a coprime to the
 * modulus, so the map is a bijection), and that to a mobile number 13x–19x plus 9 digits.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MofangError } from '../errors.js';
import { mulberry32 } from '../random/seeded.js';

export interface SyntheticPairOptions {
  dir: string;
  bankRows?: number;
  partnerRows?: number;
  /** Phone numbers present in both files (after normalisation). */
  overlap?: number;
  /** Same seed, same files. */
  seed?: number;
}

export interface SyntheticPair {
  /** Columns: customer_id, phone, age, city, assets, opened. */
  bankFile: string;
  /** Columns: phone, active, plan, monthly_spend. */
  partnerFile: string;
  expectedOverlap: number;
}

const NUMBER_SPACE = 7_000_000_000n;
const CITIES = ['北京', '上海', '广州', '深圳', '杭州', '成都', '武汉', '南京', '西安', '重庆', 'Suzhou', 'Tianjin'];
const PLANS = ['5G-Plus', '5G-Basic', '4G-Unlimited', 'Prepaid', 'Family'];
const WRITE_EVERY = 10_000;

/**
 * @example const { bankFile, partnerFile, expectedOverlap } = writeSyntheticPair({ dir: '/tmp/demo', seed: 1 });
 */
export function writeSyntheticPair(options: SyntheticPairOptions): SyntheticPair {
  const { dir, bankRows = 100_000, partnerRows = 50_000, overlap = 20_000, seed = 1 } = options;
  for (const [name, n] of Object.entries({ bankRows, partnerRows, overlap })) {
    if (!Number.isSafeInteger(n) || n < 0) throw new MofangError('REQUEST_INVALID', `${name} must be a non-negative integer`, { field: name });
  }
  if (overlap > Math.min(bankRows, partnerRows)) {
    throw new MofangError('REQUEST_INVALID', 'overlap cannot exceed bankRows or partnerRows', { field: 'overlap' });
  }
  const random = mulberry32(seed);
  const phone = phoneNumbers(random);
  mkdirSync(dir, { recursive: true });

  // Numbers 0..bankRows-1 are the bank's; the partner's start `overlap` before the bank's end.
  const bankFile = join(dir, 'bank.csv');
  writeCsv(bankFile, 'customer_id,phone,age,city,assets,opened', shuffled(bankRows, random), (i) => [
    `C${String(i + 1).padStart(8, '0')}`,
    bankSpelling(phone(i), random),
    String(18 + Math.floor(random() * 68)),
    CITIES[Math.floor(random() * CITIES.length)],
    (Math.exp(random() * 14) - 1).toFixed(2),
    isoDate(Date.UTC(2005, 0, 1) + random() * 20 * 365.25 * 86_400_000),
  ]);
  const partnerFile = join(dir, 'partner.csv');
  const first = bankRows - overlap;
  writeCsv(partnerFile, 'phone,active,plan,monthly_spend', shuffled(partnerRows, random), (j) => [
    random() < 0.5 ? phone(first + j) : `+86${phone(first + j)}`,
    random() < 0.7 ? 'true' : 'false',
    PLANS[Math.floor(random() * PLANS.length)],
    (10 + random() * 490).toFixed(2),
  ]);
  return { bankFile, partnerFile, expectedOverlap: overlap };
}

/**
 * The bank file's phone number of its customer `i` (0-based, as `C…` ids count from 1), unformatted:
 * the numbers are drawn first from the seed, so they can be found again without reading the file.
 */
export function syntheticBankPhone(seed: number): (i: number) => string {
  return phoneNumbers(mulberry32(seed));
}

/** Index → a distinct 11-digit Chinese mobile number. */
function phoneNumbers(random: () => number): (i: number) => string {
  let a = BigInt(Math.floor(random() * 6e9)) + 1_000_000_000n;
  // Coprime to 7·2⁹·5⁹: odd, and divisible by neither 5 nor 7.
  while (a % 2n === 0n || a % 5n === 0n || a % 7n === 0n) a++;
  const b = BigInt(Math.floor(random() * 7e9));
  return (i) => {
    const x = (a * BigInt(i) + b) % NUMBER_SPACE;
    return `1${3n + x / 1_000_000_000n}${String(x % 1_000_000_000n).padStart(9, '0')}`;
  };
}

/** Spellings seen in bank exports; all normalise to +86 and the 11 digits. */
function bankSpelling(n: string, random: () => number): string {
  const [a, b, c] = [n.slice(0, 3), n.slice(3, 7), n.slice(7)];
  switch (Math.floor(random() * 6)) {
    case 0:
      return `+86 ${a}-${b}-${c}`;
    case 1:
      return `0086${n}`;
    case 2:
      return `(+86) ${a} ${b} ${c}`;
    case 3:
      return `86${n}`;
    case 4:
      return `${a}.${b}.${c}`;
    default:
      return n;
  }
}

function shuffled(n: number, random: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function writeCsv(file: string, header: string, order: Uint32Array, row: (i: number) => string[]): void {
  const fd = openSync(file, 'w');
  try {
    let lines = [header];
    for (const i of order) {
      lines.push(row(i).map(csvField).join(','));
      if (lines.length >= WRITE_EVERY) {
        writeSync(fd, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length > 0) writeSync(fd, `${lines.join('\n')}\n`);
  } finally {
    closeSync(fd);
  }
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Exact non-negative rationals over bigint. Every quantity the samplers and the budget touch —
 * ε, δ, noise scales, σ² — is one of these, so no floating-point rounding can change which noise
 * value is drawn or how much budget is left (Mironov 2012: the textbook float Laplace leaks
 * through the low bits of its output).
 */
import { ProtocolError } from '../errors.js';

/** num / den with den > 0, num ≥ 0, in lowest terms. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function invalid(field: string, message: string): never {
  throw new ProtocolError('DP_INPUT_INVALID', `${field}: ${message}`);
}

/**
 * The reduced rational num/den; `field` names the parameter in the error.
 * @example rational(10n, 4n) // { num: 5n, den: 2n }
 */
export function rational(num: bigint, den: bigint = 1n, field = 'value'): Rational {
  if (den <= 0n) invalid(field, `denominator must be positive, got ${den}`);
  if (num < 0n) invalid(field, `must not be negative, got ${num}/${den}`);
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

/** a × b, reduced. */
export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

/** a / b, reduced; b must be positive. */
export function divide(a: Rational, b: Rational, field = 'divisor'): Rational {
  if (b.num === 0n) invalid(field, 'must be positive');
  return rational(a.num * b.den, a.den * b.num);
}

/** −1, 0 or 1 as a <, =, > b; exact. */
export function compare(a: Rational, b: Rational): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** ⌊a⌋. */
export function floor(a: Rational): bigint {
  return a.num / a.den;
}

/** The nearest double, for display and for the calibration arithmetic that needs logarithms. */
export function toNumber(a: Rational): number {
  // Scale so both operands stay within double range even for very large num or den.
  const shift = BigInt(Math.max(0, Math.max(a.num.toString(2).length, a.den.toString(2).length) - 1000));
  return Number(a.num >> shift) / Number(a.den >> shift);
}

// Decimal literal as JSON and JavaScript write it: "0.1", "-2", "1.5e-7", ".5".
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The exact rational a decimal literal denotes. A number is read through its shortest
 * round-trip decimal (`String(0.1)` is "0.1"), i.e. the value the operator wrote in the terms,
 * not the binary double nearest to it.
 * @example rationalFromDecimal('0.1') // { num: 1n, den: 10n }
 */
export function rationalFromDecimal(value: number | string, field = 'value'): Rational {
  if (typeof value === 'number' && !Number.isFinite(value)) invalid(field, `must be a finite number, got ${value}`);
  const text = String(value).trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) invalid(field, `'${text}' is not a decimal number`);
  if (m[1] === '-' && /[1-9]/.test(m[2] + (m[3] ?? ''))) invalid(field, `must not be negative, got ${text}`);
  const fraction = m[3] ?? '';
  const exponent = BigInt(m[4] ?? '0') - BigInt(fraction.length);
  if (exponent > 1000n || exponent < -1000n) invalid(field, `exponent out of range in ${text}`);
  const digits = BigInt((m[2] || '0') + fraction);
  return exponent >= 0n ? rational(digits * 10n ** exponent, 1n, field) : rational(digits, 10n ** -exponent, field);
}

/**
 * value × 10^digits as an exact integer, e.g. ε in micro-units (digits 6) or δ in nano-units
 * (digits 9). Throws when the value has more decimals than that: a budget is never rounded.
 * @example scaledInteger(0.1, 6, 'epsilon') // 100000
 */
export function scaledInteger(value: number | string | Rational, digits: number, field = 'value'): number {
  const r = typeof value === 'object' ? value : rationalFromDecimal(value, field);
  const scaled = r.num * 10n ** BigInt(digits);
  if (scaled % r.den !== 0n) invalid(field, `${formatRational(r)} has more than ${digits} decimal places`);
  const n = scaled / r.den;
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) invalid(field, `${formatRational(r)} is too large`);
  return Number(n);
}

/** An integer count of 10^−digits units as an exact decimal string: (1500000, 6) → "1.5". */
export function formatScaled(units: number | bigint, digits: number): string {
  const n = BigInt(units);
  const sign = n < 0n ? '-' : '';
  const abs = n < 0n ? -n : n;
  const base = 10n ** BigInt(digits);
  const fraction = (abs % base).toString().padStart(digits, '0').replace(/0+$/, '');
  return `${sign}${abs / base}${fraction ? `.${fraction}` : ''}`;
}

/** "num/den", or "num" for an integer. */
export function formatRational(r: Rational): string {
  return r.den === 1n ? `${r.num}` : `${r.num}/${r.den}`;
}

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvSource } from '../../adapters/sources/csv.js';
import { defaultGroup } from '../../protocols/group/index.js';
import { importDataset } from '../datasets/import.js';
import { normaliseIdentifier } from '../datasets/normalise.js';
import { getDataset } from '../datasets/store.js';
import { openNodeDatabase } from '../database.js';
import { syntheticBankPhone, writeSyntheticPair } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-synthetic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const normalisedPhones = async (file: string) => {
  const phones: string[] = [];
  for await (const r of csvSource(file)) {
    if (r.error !== undefined) throw new Error(`line ${r.line}: ${r.error}`);
    phones.push(normaliseIdentifier('phone', String(r.fields.phone)));
  }
  return phones;
};
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('writeSyntheticPair', () => {
  it("syntheticBankPhone finds each bank customer's phone number again from the seed: customer C…n has phone(n − 1)", async () => {
    const pair = writeSyntheticPair({ dir: join(dir, 'phones'), bankRows: 300, partnerRows: 100, overlap: 50, seed: 7 });
    const phone = syntheticBankPhone(7);
    const byCustomer = new Map<string, string>();
    for await (const r of csvSource(pair.bankFile)) {
      if (r.error !== undefined) throw new Error(`line ${r.line}: ${r.error}`);
      byCustomer.set(String(r.fields.customer_id), normaliseIdentifier('phone', String(r.fields.phone)));
    }
    expect(byCustomer.size).toBe(300);
    for (const [id, normalised] of byCustomer) expect(normaliseIdentifier('phone', phone(Number(id.slice(1)) - 1))).toBe(normalised);
  });

  it('shares exactly `overlap` phone numbers after normalisation, with no duplicates (default sizes)', async () => {
    const pair = writeSyntheticPair({ dir: join(dir, 'default'), seed: 42 });
    const bank = await normalisedPhones(pair.bankFile);
    const partner = await normalisedPhones(pair.partnerFile);
    expect(bank).toHaveLength(100_000);
    expect(partner).toHaveLength(50_000);
    const bankSet = new Set(bank);
    expect(bankSet.size).toBe(bank.length);
    expect(new Set(partner).size).toBe(partner.length);
    expect(partner.filter((p) => bankSet.has(p)).length).toBe(20_000);
    expect(pair.expectedOverlap).toBe(20_000);
  });

  it('spells phone numbers in several ways, and types its columns', async () => {
    const pair = writeSyntheticPair({ dir: join(dir, 'spellings'), bankRows: 600, partnerRows: 10, overlap: 5, seed: 3 });
    const lines = readFileSync(pair.bankFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,phone,age,city,assets,opened');
    const spellings = new Set(lines.slice(1).map((l) => l.split(',')[1].replace(/\d/g, '9')));
    expect(spellings.size).toBeGreaterThanOrEqual(5);
    expect(readFileSync(pair.partnerFile, 'utf8').split('\n')[0]).toBe('phone,active,plan,monthly_spend');
  });

  it('is deterministic for a seed', () => {
    const a = writeSyntheticPair({ dir: join(dir, 'a'), bankRows: 500, partnerRows: 300, overlap: 100, seed: 9 });
    const b = writeSyntheticPair({ dir: join(dir, 'b'), bankRows: 500, partnerRows: 300, overlap: 100, seed: 9 });
    const c = writeSyntheticPair({ dir: join(dir, 'c'), bankRows: 500, partnerRows: 300, overlap: 100, seed: 10 });
    expect(sha256(a.bankFile)).toBe(sha256(b.bankFile));
    expect(sha256(a.partnerFile)).toBe(sha256(b.partnerFile));
    expect(sha256(a.bankFile)).not.toBe(sha256(c.bankFile));
  });

  it('imports cleanly, and the imported datasets overlap by exactly `overlap`', async () => {
    const pair = writeSyntheticPair({ dir: join(dir, 'import'), bankRows: 3000, partnerRows: 2000, overlap: 700, seed: 5 });
    const db = openNodeDatabase(join(dir, 'import', 'node.db'));
    try {
      const group = defaultGroup();
      const bank = await importDataset(db, { file: pair.bankFile, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group });
      const partner = await importDataset(db, { file: pair.partnerFile, dataset: 'subscribers', idColumn: 'phone', idKind: 'phone', group });
      expect([bank.imported, bank.rejected, partner.imported, partner.rejected]).toEqual([3000, 0, 2000, 0]);
      expect(bank.columns).toEqual([
        { name: 'customer_id', type: 'string' },
        { name: 'age', type: 'number' },
        { name: 'city', type: 'string' },
        { name: 'assets', type: 'number' },
        { name: 'opened', type: 'date' },
      ]);
      expect(partner.columns.map((c) => c.type)).toEqual(['boolean', 'string', 'number']);
      const shared = db
        .prepare('SELECT count(*) FROM records a JOIN records b ON a.point = b.point WHERE a.generation = ? AND b.generation = ?')
        .pluck()
        .get(getDataset(db, 'customers').generation, getDataset(db, 'subscribers').generation);
      expect(shared).toBe(700);
    } finally {
      db.close();
    }
  });

  it('rejects an overlap larger than either side', () => {
    expect(() => writeSyntheticPair({ dir, bankRows: 10, partnerRows: 5, overlap: 6 })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});

import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import './reflect-shim.js';
import * as x509 from '@peculiar/x509';
import { MofangError } from '../errors.js';
import { createIdentity } from './create-identity.js';
import { fingerprintOf, loadIdentity, verifySignature, type Identity } from './identity.js';

let root: string;
let bank: Identity;
let partner: Identity;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mofang-identity-'));
  bank = await createIdentity(join(root, 'bank'), 'bank-a');
  partner = await createIdentity(join(root, 'partner'), 'partner-b');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof MofangError ? err.code : `not a MofangError: ${String(err)}`;
  }
  return undefined;
}

describe('createIdentity / loadIdentity', () => {
  it('writes key.pem 0600 and cert.pem 0644 and loads back the same identity', () => {
    const dir = join(root, 'bank');
    expect(statSync(join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cert.pem')).mode & 0o777).toBe(0o644);
    expect(readFileSync(join(dir, 'key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const loaded = loadIdentity(join(dir, 'key.pem'), join(dir, 'cert.pem'));
    expect(loaded.name).toBe('bank-a');
    expect(loaded.nodeId).toBe(bank.nodeId);
    expect(loaded.certPem).toBe(bank.certPem);
  });

  it('issues the certificate the brief asks for', () => {
    const cert = new X509Certificate(bank.certPem);
    expect(cert.subject).toBe('CN=bank-a\nO=Mofang node');
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:bank-a, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    const parsed = new x509.X509Certificate(bank.certPem);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: true, pathLength: 0, critical: true });
    expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(parsed.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // Node reports extKeyUsage here
    const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86_400_000);
    expect(years).toBeGreaterThan(4.99);
    expect(years).toBeLessThan(5.01);
  });

  it('refuses to overwrite an existing key (IDENTITY_EXISTS)', async () => {
    await expect(createIdentity(join(root, 'bank'), 'bank-a')).rejects.toMatchObject({ code: 'IDENTITY_EXISTS' });
  });

  it('refuses a name that cannot be a DNS SAN', async () => {
    await expect(createIdentity(join(root, 'bad'), 'bank a/1')).rejects.toMatchObject({ code: 'IDENTITY_INVALID' });
  });

  it('refuses a key file readable by others (SECRET_FILE_MODE, naming the file)', async () => {
    const dir = join(root, 'loose');
    await createIdentity(dir, 'loose');
    const keyFile = join(dir, 'key.pem');
    chmodSync(keyFile, 0o644);
    try {
      loadIdentity(keyFile, join(dir, 'cert.pem'));
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'SECRET_FILE_MODE', details: { file: keyFile, mode: '0644' } });
      expect((err as Error).message).toContain(keyFile);
    }
    chmodSync(keyFile, 0o640);
    expect(codeOf(() => loadIdentity(keyFile, join(dir, 'cert.pem')))).toBe('SECRET_FILE_MODE');
    chmodSync(keyFile, 0o400);
    expect(codeOf(() => loadIdentity(keyFile, join(dir, 'cert.pem')))).toBeUndefined();
  });

  it('refuses a key that does not belong to the certificate (IDENTITY_INVALID)', () => {
    expect(codeOf(() => loadIdentity(join(root, 'bank', 'key.pem'), join(root, 'partner', 'cert.pem')))).toBe('IDENTITY_INVALID');
  });

  it('refuses missing and malformed files (IDENTITY_INVALID)', () => {
    expect(codeOf(() => loadIdentity(join(root, 'nope', 'key.pem'), join(root, 'bank', 'cert.pem')))).toBe('IDENTITY_INVALID');
    const junk = join(root, 'junk.pem');
    writeFileSync(junk, 'not a certificate', { mode: 0o600 });
    expect(codeOf(() => loadIdentity(join(root, 'bank', 'key.pem'), junk))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => loadIdentity(junk, join(root, 'bank', 'cert.pem')))).toBe('IDENTITY_INVALID');
  });
});

describe('node id', () => {
  it("is 'sha256:' + lowercase hex of SHA-256 over the certificate DER", () => {
    expect(bank.nodeId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprintOf(bank.certPem)).toBe(bank.nodeId);
    // Same value as OpenSSL's fingerprint, which Node prints as colon-separated upper-case hex.
    const openssl = new X509Certificate(bank.certPem).fingerprint256.replaceAll(':', '').toLowerCase();
    expect(bank.nodeId).toBe(`sha256:${openssl}`);
    expect(partner.nodeId).not.toBe(bank.nodeId);
  });
});

describe('sign / verifySignature', () => {
  const data = Buffer.from('run 42: intersection 1234');

  it('signs with 64-byte IEEE P1363 signatures that verify against the certificate', () => {
    const sig = bank.sign(data);
    expect(sig.length).toBe(64);
    expect(verifySignature(bank.certPem, data, sig)).toBe(true);
  });

  it('rejects tampered data, a tampered signature and the wrong certificate', () => {
    const sig = bank.sign(data);
    expect(verifySignature(bank.certPem, Buffer.from('run 42: intersection 1235'), sig)).toBe(false);
    const flipped = Buffer.from(sig);
    flipped[10] ^= 1;
    expect(verifySignature(bank.certPem, data, flipped)).toBe(false);
    expect(verifySignature(partner.certPem, data, sig)).toBe(false);
  });

  it('returns false and never throws on malformed input', () => {
    const sig = bank.sign(data);
    expect(verifySignature('garbage', data, sig)).toBe(false);
    expect(verifySignature(bank.certPem, data, sig.subarray(0, 63))).toBe(false);
    expect(verifySignature(bank.certPem, data, new Uint8Array(0))).toBe(false);
    expect(verifySignature(bank.certPem, data, Buffer.alloc(64))).toBe(false);
    expect(verifySignature(bank.certPem, data, Buffer.alloc(64, 0xff))).toBe(false);
  });
});

describe('TLS', () => {
  it("is accepted by Node's TLS as server and client certificate, each pinned as the only CA", async () => {
    const server = createServer({
      key: bank.keyPem,
      cert: bank.certPem,
      ca: partner.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    });
    const serverSide = new Promise<TLSSocket>((resolve) => server.once('secureConnection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = connect({
        host: '127.0.0.1',
        port,
        key: partner.keyPem,
        cert: partner.certPem,
        ca: bank.certPem,
        // Names in node certificates carry no authority: peers pin the fingerprint instead.
        checkServerIdentity: () => undefined,
      });
      await new Promise<void>((resolve, reject) => {
        client.once('secureConnect', resolve);
        client.once('error', reject);
      });
      const accepted = await serverSide;
      expect(client.authorized).toBe(true);
      expect(accepted.authorized).toBe(true);
      expect(`sha256:${client.getPeerCertificate().fingerprint256.replaceAll(':', '').toLowerCase()}`).toBe(bank.nodeId);
      expect(fingerprintOf(new X509Certificate(accepted.getPeerCertificate().raw).toString())).toBe(partner.nodeId);
      client.destroy();
      accepted.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/capture-logger.js';
import { packageRoot } from '../paths.js';
import { REDACTED } from './logger.js';

describe('createLogger', () => {
  it('writes one JSON object per line with level label, name and ISO time', () => {
    const { logger, lines } = captureLogger({ name: 'bank' });
    logger.info({ route: '/v1/runs', status: 200 }, 'request');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', name: 'bank', route: '/v1/runs', status: 200, msg: 'request' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('censors identifiers, secrets and bodies', () => {
    const { logger, lines, text } = captureLogger();
    logger.info({
      authorization: 'Bearer mfg_admin_secret',
      token: 'tok-top',
      auth: { token: 'tok-nested' },
      id: 'cust-42',
      identifier: '13800138000',
      phone: '+8613800138000',
      email: 'a@example.com',
      input: { email: 'b@example.com', phone: '+1555' },
      req: { headers: { authorization: 'Bearer hdr' }, body: { identifier: 'x' } },
      body: 'raw,csv',
      route: '/v1/datasets/:name/import',
    });
    const [line] = lines();
    for (const key of ['authorization', 'token', 'id', 'identifier', 'phone', 'email', 'body']) expect(line[key]).toBe(REDACTED);
    expect(line.auth).toEqual({ token: REDACTED });
    expect(line.input).toEqual({ email: REDACTED, phone: REDACTED });
    expect(line.req).toEqual({ headers: { authorization: REDACTED }, body: REDACTED });
    expect(line.route).toBe('/v1/datasets/:name/import');
    for (const secret of ['mfg_admin_secret', 'tok-', 'cust-42', '13800138000', 'example.com', 'hdr', 'raw,csv']) {
      expect(text()).not.toContain(secret);
    }
  });

  it('respects the level', () => {
    const { logger, lines } = captureLogger({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('with stderr, keeps stdout for the command output (a one-shot CLI command with --json)', () => {
    // A child process on the built logger (dist/, as the CLI runs it), so the lines really go to file descriptors 1 and 2.
    const script = `import(${JSON.stringify(join(packageRoot(), 'dist', 'node', 'log', 'logger.js'))}).then(({ createLogger }) => {
      createLogger({ level: 'warn', name: 'bank', stderr: true }).warn('careful');
      process.stdout.write(JSON.stringify({ ok: true }));
    })`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toEqual({ ok: true });
    expect(JSON.parse(r.stderr)).toMatchObject({ level: 'warn', name: 'bank', msg: 'careful' });
  });
});

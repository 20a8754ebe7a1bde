/** The reach channels from a real config file: credentials resolved at start with errors naming channel and field (never the secret), and channels opened that send. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { gatewayServer } from '../../test/support/gateway-server.js';
import { verifyWebhook } from '../../test/support/webhook-receiver.js';
import { loadConfig } from '../config/load.js';
import { checkChannels, openChannel } from './channels.js';

const WEBHOOK_SECRET = 'webhook-secret-0123456789-abcdefghij';
const UNSUBSCRIBE_SECRET = 'unsubscribe-secret-0123456789-abcdefgh';
const SMS_KEY = 'sms-gateway-key-4711';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-reach-'));
  secretFile('webhook.key', WEBHOOK_SECRET);
  secretFile('unsubscribe.key', UNSUBSCRIBE_SECRET);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string, mode = 0o600): void {
  writeFileSync(join(dir, name), `${content}\n`);
  chmodSync(join(dir, name), mode);
}

/** A config file with these channels (credential paths relative to it, as an operator writes them). */
function config(channels: Record<string, unknown>) {
  const file = join(dir, 'mofang.yaml');
  writeFileSync(
    file,
    stringify({
      node: { name: 'bank', dataDir: '.' },
      identity: { key: 'node.key', certificate: 'node.crt' },
      grpc: { listen: '127.0.0.1:1' },
      http: { listen: '127.0.0.1:2', tokens: 'tokens.json' },
      peers: [],
      reach: { channels },
    }),
  );
  return loadConfig(file).reach.channels;
}

const sms = (credentials: unknown, endpoint = 'https://sms.example.com/v1/messages') => ({ sms: { contactColumn: 'mobile', endpoint, credentials } });
const env = { MOFANG_SMS_KEY: SMS_KEY };
const check = (channels: ReturnType<typeof config>, environment: NodeJS.ProcessEnv = env) =>
  checkChannels(channels, { userAgent: 'mofang-test', env: environment });

describe('checkChannels', () => {
  it('resolves credentials from a file next to the config or an environment variable, and keeps the defaults', () => {
    const checked = check(
      config({
        ...sms({ env: 'MOFANG_SMS_KEY' }),
        webhook: { contactColumn: 'crm_id', endpoint: 'https://crm.bank.example/hook', credentials: { file: 'webhook.key' }, rate: 200 },
        email: {
          contactColumn: 'email',
          endpoint: 'smtp://127.0.0.1:2525',
          from: 'Bank <offers@bank.example>',
          unsubscribe: { baseUrl: 'https://bank.example/unsubscribe', secret: { file: 'unsubscribe.key' } },
        },
      }),
    );
    expect(checked.map((c) => c.channel)).toEqual(['sms', 'email', 'webhook']);
    expect(checked[2].settings).toMatchObject({
      enabled: true,
      rate: 200,
      burst: 50,
      maxAttempts: 6,
      timeoutMs: 10_000,
      costPerMessage: 0,
      contactColumn: 'crm_id',
    });
  });

  it('no channel configured: nothing to check', () => {
    expect(check(config({}))).toEqual([]);
  });

  it('an unset environment variable names the channel, the field and the variable', () => {
    expect(() => check(config(sms({ env: 'MOFANG_SMS_KEY' })), {})).toThrow(
      expect.objectContaining({
        code: 'CHANNEL_CREDENTIAL_INVALID',
        message: 'reach.channels.sms.credentials: the environment variable MOFANG_SMS_KEY is not set or empty',
      }),
    );
  });

  it('a credential file others may read is refused, and the message never holds the secret', () => {
    secretFile('sms.key', SMS_KEY, 0o644);
    let message = '';
    try {
      check(config(sms({ file: 'sms.key' })));
    } catch (err) {
      expect(err).toMatchObject({ code: 'CHANNEL_CREDENTIAL_INVALID', details: { field: 'reach.channels.sms.credentials' } });
      message = (err as Error).message;
    }
    expect(message).toMatch(/^reach\.channels\.sms\.credentials: .*sms\.key: mode 0644 lets other users access it; run chmod 600/);
    expect(message).not.toContain(SMS_KEY);
  });

  it('a missing or empty credential file is refused', () => {
    expect(() => check(config(sms({ file: 'absent.key' })))).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CREDENTIAL_INVALID', message: expect.stringContaining('absent.key cannot be read') }),
    );
    secretFile('empty.key', '');
    expect(() => check(config(sms({ file: 'empty.key' })))).toThrow(expect.objectContaining({ message: expect.stringContaining('empty.key is empty') }));
  });

  it('a webhook or unsubscribe secret shorter than 32 characters is refused, without echoing it', () => {
    secretFile('short.key', 'too-short-secret');
    const refused = () =>
      check(config({ webhook: { contactColumn: 'crm_id', endpoint: 'https://crm.bank.example/hook', credentials: { file: 'short.key' } } }));
    expect(refused).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CREDENTIAL_INVALID', message: 'reach.channels.webhook.credentials: the secret must be at least 32 characters' }),
    );
  });

  it('a callback secret is resolved like the other credentials (at least 32 characters); e-mail links are signed with the unsubscribe secret', () => {
    secretFile('callback.key', WEBHOOK_SECRET);
    const email = {
      contactColumn: 'email',
      endpoint: 'smtp://127.0.0.1:2525',
      from: 'Bank <offers@bank.example>',
      unsubscribe: { baseUrl: 'https://bank.example/unsubscribe', secret: { file: 'unsubscribe.key' } },
      tracking: { baseUrl: 'https://mail.bank.example/v1/reach', opens: false },
    };
    const checked = check(config({ sms: { ...sms({ env: 'MOFANG_SMS_KEY' }).sms, callbackSecret: { file: 'callback.key' } }, email }));
    expect(checked.map((c) => [c.channel, c.feedback])).toEqual([
      ['sms', { callbackSecret: WEBHOOK_SECRET }],
      ['email', { linkSecret: UNSUBSCRIBE_SECRET }],
    ]);
    secretFile('short.key', 'too-short-secret');
    expect(() => check(config({ sms: { ...sms({ env: 'MOFANG_SMS_KEY' }).sms, callbackSecret: { file: 'short.key' } } }))).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CREDENTIAL_INVALID', message: 'reach.channels.sms.callbackSecret: the secret must be at least 32 characters' }),
    );
    expect(() => check(config({ email: { ...email, tracking: { baseUrl: 'http://mail.bank.example/v1/reach' } } }))).toThrow(
      expect.objectContaining({ message: expect.stringContaining('reach.channels.email.tracking.baseUrl') }),
    );
  });

  it('a plain-http endpoint off this machine is refused, naming the field', () => {
    expect(() => check(config(sms({ env: 'MOFANG_SMS_KEY' }, 'http://sms.example.com/send')))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', details: { field: 'reach.channels.sms.endpoint' } }),
    );
  });

  it('e-mail: credentials without a user name, or a From without an address, are refused', () => {
    const email = (extra: Record<string, unknown>) => ({
      email: {
        contactColumn: 'email',
        endpoint: 'smtp://127.0.0.1:2525',
        from: 'Bank <offers@bank.example>',
        unsubscribe: { baseUrl: 'https://bank.example/unsubscribe', secret: { file: 'unsubscribe.key' } },
        ...extra,
      },
    });
    expect(() => check(config(email({ credentials: { env: 'MOFANG_SMS_KEY' } })))).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'reach.channels.email.username' } }),
    );
    expect(() => check(config(email({ from: 'Bank offers' })))).toThrow(
      expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', message: 'reach.channels.email.from: from must hold an address, name@domain' }),
    );
  });

  it('a retry cap below the base is refused', () => {
    expect(() =>
      check(config({ ...sms({ env: 'MOFANG_SMS_KEY' }), sms: { ...sms({ env: 'MOFANG_SMS_KEY' }).sms, retryBaseMs: 5000, retryCapMs: 1000 } })),
    ).toThrow(expect.objectContaining({ code: 'CHANNEL_CONFIG_INVALID', details: { field: 'reach.channels.sms.retryCapMs' } }));
  });
});

describe('openChannel', () => {
  it('opens a checked webhook channel that sends signed messages with the secret from its file', async () => {
    const server = await gatewayServer(() => ({ status: 200, body: 'ok' }));
    try {
      const [checked] = check(config({ webhook: { contactColumn: 'crm_id', endpoint: server.url, credentials: { file: 'webhook.key' }, rate: 5, burst: 2 } }));
      const channel = openChannel(checked);
      const result = await channel.adapter.send({ key: 'j1.v1.na.e1', to: 'crm-77', text: 'hello', variables: {} });
      expect(result).toEqual({ status: 'sent' });
      const [request] = server.received;
      expect(verifyWebhook(WEBHOOK_SECRET, request.headers['mofang-signature'] as string, request.body, Math.floor(Date.now() / 1000))).toBe(true);
      expect(request.headers['user-agent']).toBe('mofang-test');
      expect([channel.limiter.take(), channel.limiter.take(), channel.limiter.take() > 0]).toEqual([0, 0, true]);
      expect(channel.retry.after(6)).toEqual({ retry: false });
    } finally {
      await server.close();
    }
  });
});

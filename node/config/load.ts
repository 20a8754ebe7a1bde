/**
 * Loads and validates the YAML configuration. Relative paths are resolved against the config
 * file's directory, so a node directory can be moved as a whole.
 */
import type { ErrorObject } from 'ajv';
import { oneOfMessage } from '../validation/allowed-values.js';
import type { LazyValidator } from '../validation/lazy-validator.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { MofangError } from '../errors.js';
import { frequencyRules } from '../journeys/frequency/rules.js';
import type { CredentialConfig, NodeConfig, ReachChannelsConfig } from './schema.js';
import validateGenerated from './validate-config.generated.js';

// Generated from config/schema.json, itself generated from ConfigSchema (tests keep both current):
// building the schema with TypeBox and compiling it with ajv at run time was most of a CLI
// command's start-up.
const validate = validateGenerated as unknown as LazyValidator<NodeConfig>;

export function loadConfig(file: string): NodeConfig {
  if (!existsSync(file)) throw new MofangError('CONFIG_NOT_FOUND', `${file}: no such configuration file`);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MofangError('CONFIG_INVALID', `${file}: not valid YAML: ${(err as Error).message}`);
  }
  return resolvePaths(validateConfig(raw, file), dirname(resolve(file)));
}

/** Validates a parsed config; the error names the field and its expected form. */
export function validateConfig(raw: unknown, source = 'config'): NodeConfig {
  const value = structuredClone(raw ?? {});
  if (!validate(value)) {
    const errors = validate.errors!;
    throw new MofangError('CONFIG_INVALID', `${source}: ${describe(errors[0], errors)}`, { field: fieldPath(errors[0]) });
  }
  const names = new Set<string>();
  value.peers.forEach((p, i) => {
    if (names.has(p.name))
      throw new MofangError('CONFIG_INVALID', `${source}: peers[${i}].name: duplicate peer name "${p.name}"`, { field: `peers[${i}].name` });
    names.add(p.name);
  });
  if (!isTimeZone(value.events.timeZone)) {
    throw new MofangError('CONFIG_INVALID', `${source}: events.timeZone: not an IANA time zone name, e.g. "Asia/Shanghai" or "UTC"`, {
      field: 'events.timeZone',
    });
  }
  frequencyRules(value.journeys.frequency, value.events.timeZone, source);
  return value;
}

function fieldPath(e: ErrorObject): string {
  const base = e.instancePath
    .replace(/^\//, '')
    .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
    .replace(/\//g, '.');
  if (e.keyword === 'required') return [base, e.params.missingProperty].filter(Boolean).join('.');
  if (e.keyword === 'additionalProperties') return [base, e.params.additionalProperty].filter(Boolean).join('.');
  return base || '(root)';
}

function describe(e: ErrorObject, all: readonly ErrorObject[]): string {
  const field = fieldPath(e);
  const schema = e.parentSchema as { description?: string; examples?: unknown[] } | undefined;
  const oneOf = oneOfMessage(all, e);
  if (oneOf) return `${field}: ${oneOf}`;
  switch (e.keyword) {
    case 'required':
      return `${field}: is required`;
    case 'additionalProperties':
      return `${field}: unknown field (check its spelling)`;
    case 'pattern': {
      if (field.endsWith('fingerprint') && typeof e.data === 'string' && !e.data.startsWith('sha256:'))
        return `${field}: fingerprint must start with sha256: (sha256:<64 lowercase hex>)`;
      const example = schema?.examples?.[0] !== undefined ? `, e.g. ${JSON.stringify(schema.examples[0])}` : '';
      return `${field}: has the wrong form — ${schema?.description ?? ''} Expected ${formOf(field, e.params.pattern)}${example}`;
    }
    default:
      return `${field}: ${e.message}${schema?.description ? ` — ${schema.description}` : ''}`;
  }
}

function formOf(field: string, pattern: string): string {
  if (pattern.includes('[0-9]{1,5}')) return 'host:port';
  if (pattern.startsWith('^sha256:')) return 'sha256:<64 lowercase hex>';
  if (field.endsWith('name')) return 'a lower-case name (letters, digits, _ and -, starting with a letter)';
  return `a value matching ${pattern}`;
}

function resolvePaths(config: NodeConfig, base: string): NodeConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    node: { ...config.node, dataDir: abs(config.node.dataDir) },
    identity: { key: abs(config.identity.key), certificate: abs(config.identity.certificate) },
    http: {
      ...config.http,
      tokens: abs(config.http.tokens),
      ...(config.http.tls
        ? {
            tls: {
              certificate: abs(config.http.tls.certificate),
              key: abs(config.http.tls.key),
              ...(config.http.tls.clientCa ? { clientCa: abs(config.http.tls.clientCa) } : {}),
            },
          }
        : {}),
    },
    imports: { ...config.imports, allowedDirs: config.imports.allowedDirs.map(abs) },
    alerts: {
      ...(config.alerts.webhook ? { webhook: { ...config.alerts.webhook, secretFile: abs(config.alerts.webhook.secretFile) } } : {}),
      webhooks: Object.fromEntries(Object.entries(config.alerts.webhooks).map(([name, w]) => [name, { ...w, secretFile: abs(w.secretFile) }])),
    },
    reach: { ...config.reach, channels: resolveReachPaths(config.reach.channels, abs) },
    peers: config.peers.map((p) => ({ ...p, certificate: abs(p.certificate) })),
  };
}

/** Credential files of the reach channels, relative to the config file like every other path. */
function resolveReachPaths(channels: ReachChannelsConfig, abs: (p: string) => string): ReachChannelsConfig {
  const file = (c: CredentialConfig): CredentialConfig => ('file' in c ? { file: abs(c.file) } : c);
  const { email, ...others } = channels;
  const callback = (c: { callbackSecret?: CredentialConfig }) => (c.callbackSecret ? { callbackSecret: file(c.callbackSecret) } : {});
  // The node-kept channels (inbox, call, branch_task) have no credentials.
  const resolved: ReachChannelsConfig = Object.fromEntries(
    Object.entries(others).map(([name, c]) => [name, 'credentials' in c ? { ...c, credentials: file(c.credentials), ...callback(c) } : c]),
  );
  if (email) {
    resolved.email = {
      ...email,
      ...(email.credentials ? { credentials: file(email.credentials) } : {}),
      ...callback(email),
      unsubscribe: { ...email.unsubscribe, secret: file(email.unsubscribe.secret) },
    };
  }
  return resolved;
}

/** The analysis models bucket days in this zone; an unknown name would only fail at the first query. */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `mofang init`: a new node directory — identity (key 0600 + self-signed certificate), a config
 * file, a data directory and a token file holding only token hashes. The clear tokens are
 * returned once, for the administrator to hand out.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { createToken } from './api/tokens.js';
import type { Role } from './api/services.js';
import type { NodeConfig } from './config/schema.js';
import { validateConfig } from './config/load.js';
import { MofangError } from './errors.js';
import { writeFileAtomic } from './fs/atomic-write.js';
import { createIdentity } from './identity/index.js';
import { MofangNode } from './node.js';
import { CONFIG_FILE } from './paths.js';

export interface InitOptions {
  dir: string;
  name: string;
  grpcListen?: string;
  httpListen?: string;
  /** A config to start from (e.g. config/bank.yaml); name, listen addresses and paths are set here. */
  template?: string;
  /** Over the template's `events` section: the demo's bank counts customers by phone number in events too. */
  events?: Partial<NodeConfig['events']>;
}

export interface InitResult {
  configFile: string;
  nodeId: string;
  certificateFile: string;
  /** One token per staff role; an `ingest` token is made when an app or site needs one (`mofang token create --role ingest`). */
  tokens: Record<Exclude<Role, 'ingest' | 'app'>, string>;
}

export async function initNode(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir);
  const configFile = join(dir, CONFIG_FILE);
  if (existsSync(configFile)) throw new MofangError('IDENTITY_EXISTS', `${configFile} already exists; this directory already holds a node`);
  const base = opts.template ? (parse(readFileSync(opts.template, 'utf8')) as Partial<NodeConfig>) : {};
  const config: NodeConfig = validateConfig(
    {
      ...base,
      ...(opts.events ? { events: { ...base.events, ...opts.events } } : {}),
      node: { name: opts.name, dataDir: './data' },
      identity: { key: './identity/key.pem', certificate: './identity/cert.pem' },
      grpc: { listen: opts.grpcListen ?? base.grpc?.listen ?? '127.0.0.1:7443' },
      http: { listen: opts.httpListen ?? base.http?.listen ?? '127.0.0.1:8080', tokens: './secrets/tokens.json' },
      peers: [],
    },
    opts.template ?? '--name/--grpc/--http',
  );
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'secrets'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'peers'), { recursive: true });
  const identity = await createIdentity(join(dir, 'identity'), opts.name);
  const tokensFile = join(dir, 'secrets', 'tokens.json');
  const tokens = {
    admin: createToken(tokensFile, { id: 'admin', role: 'admin' }),
    operator: createToken(tokensFile, { id: 'operator', role: 'operator' }),
    compliance: createToken(tokensFile, { id: 'compliance', role: 'compliance' }),
  };
  writeFileAtomic(configFile, `# Mofang node configuration; schema: config/schema.json in the Mofang package.\n${stringify(config)}`, { mode: 0o600 });
  // The log starts with the node's birth: its id and who may call its API.
  const node = MofangNode.open(configFile, { quietLogs: true });
  try {
    node.audit.record({ actor: 'cli:init', action: 'node.initialized', subject: identity.nodeId, details: { name: opts.name, tokens: Object.keys(tokens) } });
  } finally {
    node.close();
  }
  return { configFile, nodeId: identity.nodeId, certificateFile: join(dir, 'identity', 'cert.pem'), tokens };
}

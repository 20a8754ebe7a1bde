/**
 * The Peer service of `proto/mofang/v1/peer.proto`, loaded at run time by @grpc/proto-loader (the
 * .proto stays the single source of the wire format) and typed by the declarations generated from
 * the same file: each rpc's request and response in the shape messages.ts gives them.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MofangError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { mofang } from './generated/peer.js';
import { LOADER_OPTIONS, type WireMessage } from './messages.js';

export const PEER_SERVICE_NAME = 'mofang.v1.Peer';

type Service = mofang.v1.Peer;
/** The generated rpcs: each names its request and response types and whether they stream. */
type Rpc = { [K in keyof Service]: Service[K] extends { readonly path: string } ? Service[K] : never }[keyof Service];
type RpcName = Rpc['name'];
type RpcOf<N extends RpcName> = Extract<Rpc, { name: N }>;

/** The Peer service's methods by rpc name, with their messages in the runtime shape. */
export type PeerService = {
  [N in RpcName]: MethodDefinition<WireMessage<RpcOf<N>['requestType']>, WireMessage<RpcOf<N>['responseType']>>;
};

/** Each rpc, and whether it streams both ways (Run) or is unary: checked against the loaded service. */
const RPCS = {
  Handshake: false,
  ProposeAgreement: false,
  AcceptAgreement: false,
  RevokeAgreement: false,
  Run: true,
  GetCheckpoint: false,
} as const satisfies { [N in RpcName]: RpcOf<N>['requestStream'] extends true ? true : false };

/**
 * The loaded definition is the one the types were generated for: the same rpcs, paths and
 * streaming. Both come from the same file, so this fails only when the .proto changed after the
 * build.
 */
function isPeerService(def: unknown): def is PeerService {
  if (typeof def !== 'object' || def === null) return false;
  const methods = new Map(Object.entries(def));
  const expected = Object.entries(RPCS);
  return (
    methods.size === expected.length &&
    expected.every(([name, streams]) => {
      const m = methods.get(name);
      return m?.path === `/${PEER_SERVICE_NAME}/${name}` && m.requestStream === streams && m.responseStream === streams;
    })
  );
}

let cached: PeerService | undefined;

export function peerServiceDefinition(): PeerService {
  if (cached) return cached;
  // Required on first use: the proto loader and protobufjs (≈ 50 modules) serve only processes
  // that talk to a peer, while every process that opens the node links this file for its types.
  const protoLoader: typeof ProtoLoader = createRequire(import.meta.url)('@grpc/proto-loader');
  const file = join(packageRoot(), 'proto', 'mofang', 'v1', 'peer.proto');
  const def = protoLoader.loadSync(file, LOADER_OPTIONS)[PEER_SERVICE_NAME];
  if (!isPeerService(def)) {
    throw new MofangError('INTERNAL', `${file} does not define the ${PEER_SERVICE_NAME} service this build was generated for: rebuild (npm run build)`);
  }
  cached = def;
  return cached;
}

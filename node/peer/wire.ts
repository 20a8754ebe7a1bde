/**
 * The peer wire contract, loaded from `proto/mofang/v1/peer.proto` (the single source of the
 * format) and typed for the node. Field names are the proto names in camelCase.
 */
import type * as grpc from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** Bumped on any incompatible change of the wire contract or the protocol flow. */
export const PROTOCOL_VERSION = 1;

export interface SignatureMsg {
  signer: string;
  signature: Buffer;
  at: string;
}
export interface HandshakeRequest {
  nodeId: string;
  nodeName: string;
  protocolVersion: number;
  suites: string[];
  software: string;
}
export interface HandshakeResponse {
  nodeId: string;
  nodeName: string;
  protocolVersion: number;
  suite: string;
  software: string;
}
export interface AgreementProposal {
  termsJson: string;
  proposerSignature: SignatureMsg | null;
}
export interface AgreementAcceptance {
  agreementId: string;
  termsHash: string;
  acceptorSignature: SignatureMsg | null;
}
export interface AgreementRevocation {
  agreementId: string;
  reason: string;
  revokerSignature: SignatureMsg | null;
}
export interface AgreementAck {
  agreementId: string;
  status: string;
}
export interface CheckpointMsg {
  nodeId: string;
  seq: number;
  hash: string;
  at: string;
  signature: Buffer;
}

export interface AggregateRequestMsg {
  columns: string[];
  histogram: boolean;
  groupSizes: number[];
  membership: boolean;
  maxGroupsPerRecord: number;
  unionSize: number;
}
export interface RunStart {
  runId: string;
  agreementId: string;
  operation: string;
  receiverSetSize: number;
  suite: string;
  maxBatch: number;
  labelColumns: string[];
  aggregate?: AggregateRequestMsg | null;
}
export interface RunAccept {
  senderSetSize: number;
  digestLength: number;
  keyEpoch: number;
}
interface PointBatch {
  index: number;
  points: Buffer;
  group?: number;
}
interface DigestBatch {
  index: number;
  digests: Buffer;
  last: boolean;
  labels: Buffer;
}
interface RunFinish {
  released: boolean;
  count: number;
  transcriptHash: string;
}
export interface ReceiptMsg {
  runId: string;
  transcriptHash: string;
  head: CheckpointMsg | null;
  signature: SignatureMsg | null;
}
interface RunAbort {
  code: string;
  message: string;
}
export interface RunProgress {
  phase: string;
  done: number;
  total: number;
}
interface AggregateSettingsMsg {
  digest: string;
}
interface HeSetupMsg {
  planDigest: string;
  publicKeyBytes: number;
  galoisKeysBytes: number;
}
interface HeChunkMsg {
  kind: number;
  index: number;
  data: Buffer;
  last: boolean;
}
interface NoisyValuesMsg {
  values: Buffer;
}

/** One frame of a Run stream: exactly one member is set, named by `frame`. */
export type RunFrame =
  | { frame: 'start'; start: RunStart }
  | { frame: 'accept'; accept: RunAccept }
  | { frame: 'blinded'; blinded: PointBatch }
  | { frame: 'evaluated'; evaluated: PointBatch }
  | { frame: 'senderDigests'; senderDigests: DigestBatch }
  | { frame: 'finish'; finish: RunFinish }
  | { frame: 'receipt'; receipt: ReceiptMsg }
  | { frame: 'abort'; abort: RunAbort }
  | { frame: 'progress'; progress: RunProgress }
  | { frame: 'aggregateSettings'; aggregateSettings: AggregateSettingsMsg }
  | { frame: 'heSetup'; heSetup: HeSetupMsg }
  | { frame: 'heChunk'; heChunk: HeChunkMsg }
  | { frame: 'noisyValues'; noisyValues: NoisyValuesMsg };

export type FrameKind = RunFrame['frame'];

const LOADER_OPTIONS: ProtoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

let cached: grpc.ServiceDefinition | undefined;

export function peerServiceDefinition(): grpc.ServiceDefinition {
  if (cached) return cached;
  // Required on first use: the proto loader and protobufjs (≈ 50 modules) serve only processes
  // that talk to a peer, while every process that opens the node links this file for its types.
  const protoLoader = createRequire(import.meta.url)('@grpc/proto-loader') as typeof ProtoLoader;
  const def = protoLoader.loadSync(join(packageRoot(), 'proto', 'mofang', 'v1', 'peer.proto'), LOADER_OPTIONS);
  cached = def['mofang.v1.Peer'] as grpc.ServiceDefinition;
  return cached;
}

export const PEER_SERVICE_NAME = 'mofang.v1.Peer';

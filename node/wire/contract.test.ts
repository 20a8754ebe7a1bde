/**
 * The types of messages.ts against the runtime loader: real messages are encoded and decoded by
 * the loaded service definition, and what comes back must equal a value of the type the code
 * relies on. The samples are typed with those types, so a field the .proto adds, drops or
 * retypes fails the type check of this file, and a loader option that decodes differently (longs
 * as strings, bytes as arrays, absent messages as undefined) fails the comparison.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { runFrameCodec } from './codec.js';
import { PEER_SERVICE_NAME, peerServiceDefinition } from './contract.js';
import type {
  AgreementAcceptance,
  AgreementAck,
  AgreementProposal,
  AgreementRevocation,
  CheckpointMsg,
  DecodedRunFrame,
  FrameKind,
  HandshakeRequest,
  HandshakeResponse,
  RunFrame,
} from './messages.js';

const service = peerServiceDefinition();
const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);
/** Above 2^32, so a 64-bit field that decoded to anything but a number would show. */
const BIG = 2 ** 40 + 7;

const requestRoundTrip = <Q, R>(method: MethodDefinition<Q, R>, message: Q): Q => method.requestDeserialize(method.requestSerialize(message));
const responseRoundTrip = <Q, R>(method: MethodDefinition<Q, R>, message: R): R => method.responseDeserialize(method.responseSerialize(message));

const signature = { signer: 'sha256:ab', signature: bytes(64, 1), at: '2026-01-01T00:00:00.000Z' };
const checkpoint: CheckpointMsg = { nodeId: 'sha256:cd', seq: BIG, hash: 'f'.repeat(64), at: '2026-01-01T00:00:00.000Z', signature: bytes(64, 2) };

/** One decoded frame of every kind, every field set to a value other than its default. */
const FRAMES: { [K in FrameKind]: Extract<DecodedRunFrame, { frame: K }> } = {
  start: {
    frame: 'start',
    start: {
      runId: 'run-1',
      agreementId: 'agr-1',
      operation: 'aggregate',
      receiverSetSize: BIG,
      suite: 'x25519',
      maxBatch: 4096,
      labelColumns: ['segment'],
      aggregate: { columns: ['balance'], histogram: true, groupSizes: [BIG, 3], membership: true, maxGroupsPerRecord: 2, unionSize: BIG },
      querierGeneration: bytes(16, 9),
    },
  },
  accept: { frame: 'accept', accept: { senderSetSize: BIG, digestLength: 12, keyEpoch: 3 } },
  blinded: { frame: 'blinded', blinded: { index: 1, points: bytes(64, 3), group: 2 } },
  evaluated: { frame: 'evaluated', evaluated: { index: 2, points: bytes(32, 4), group: 1 } },
  senderDigests: { frame: 'senderDigests', senderDigests: { index: 3, digests: bytes(24, 5), last: true, labels: bytes(8, 6) } },
  finish: { frame: 'finish', finish: { released: true, count: BIG, transcriptHash: 'e'.repeat(64) } },
  receipt: { frame: 'receipt', receipt: { runId: 'run-1', transcriptHash: 'e'.repeat(64), head: checkpoint, signature } },
  abort: { frame: 'abort', abort: { code: 'AGREEMENT_REVOKED', message: 'revoked' } },
  progress: { frame: 'progress', progress: { phase: 'exchange', done: BIG, total: BIG + 1 } },
  aggregateSettings: { frame: 'aggregateSettings', aggregateSettings: { digest: 'd'.repeat(64) } },
  heSetup: { frame: 'heSetup', heSetup: { planDigest: 'c'.repeat(64), publicKeyBytes: BIG, galoisKeysBytes: 5 } },
  heChunk: { frame: 'heChunk', heChunk: { kind: 3, index: 4, data: bytes(16, 7), last: true } },
  noisyValues: { frame: 'noisyValues', noisyValues: { values: bytes(16, 8) } },
};

/** True only if A and B are the same type (`any` is the same as nothing but `any`). */
type Exactly<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('the wire contract: generated types against the runtime loader', () => {
  it('field types are precise: an unresolved import in the generated declarations would make them any', () => {
    // Checked by tsc: each constant only type-checks while its condition holds.
    const seq: Exactly<CheckpointMsg['seq'], number> = true;
    const bytesField: Exactly<CheckpointMsg['signature'], Buffer> = true;
    const message: Exactly<AgreementProposal['proposerSignature'], { signer: string; signature: Buffer; at: string } | null> = true;
    const list: Exactly<HandshakeRequest['suites'], string[]> = true;
    expect([seq, bytesField, message, list]).toEqual([true, true, true, true]);
  });

  it('loads the Peer service with the rpcs the types were generated for', () => {
    expect(Object.keys(service).sort()).toEqual(['AcceptAgreement', 'GetCheckpoint', 'Handshake', 'ProposeAgreement', 'RevokeAgreement', 'Run']);
    expect(service.Run).toMatchObject({ path: `/${PEER_SERVICE_NAME}/Run`, requestStream: true, responseStream: true });
    expect(service.Handshake).toMatchObject({ path: `/${PEER_SERVICE_NAME}/Handshake`, requestStream: false, responseStream: false });
  });

  // Typed as RunFrame, what links send and receive: every decoded frame must be one.
  const frames: RunFrame[] = Object.values(FRAMES);
  it.each(frames.map((f) => [f.frame, f] as const))('frame %s decodes to exactly its typed value: its kind, its body, no other member', (_kind, frame) => {
    const codec = runFrameCodec();
    expect(codec.decode(codec.encode(frame))).toStrictEqual(frame);
  });

  it('every field of the unary messages decodes to its typed value: 64-bit integers as numbers, bytes as Buffers', () => {
    const hello: HandshakeRequest = { nodeId: 'sha256:ab', nodeName: 'bank', protocolVersion: 1, suites: ['x25519', 'p256'], software: 'mofang/0.1.0' };
    const helloBack: HandshakeResponse = { nodeId: 'sha256:cd', nodeName: 'partner', protocolVersion: 1, suite: 'x25519', software: 'mofang/0.1.0' };
    const proposal: AgreementProposal = { termsJson: '{"a":1}', proposerSignature: signature };
    const acceptance: AgreementAcceptance = {
      agreementId: 'agr-1',
      termsHash: 'a'.repeat(64),
      acceptorSignature: signature,
      acceptorPolicyOverride: ['policy.minGroupSize: 1 is below 10'],
    };
    const revocation: AgreementRevocation = { agreementId: 'agr-1', reason: 'ended', revokerSignature: signature };
    const ack: AgreementAck = { agreementId: 'agr-1', status: 'pending_review' };

    expect(requestRoundTrip(service.Handshake, hello)).toStrictEqual(hello);
    expect(responseRoundTrip(service.Handshake, helloBack)).toStrictEqual(helloBack);
    expect(requestRoundTrip(service.ProposeAgreement, proposal)).toStrictEqual(proposal);
    expect(requestRoundTrip(service.AcceptAgreement, acceptance)).toStrictEqual(acceptance);
    expect(requestRoundTrip(service.RevokeAgreement, revocation)).toStrictEqual(revocation);
    expect(responseRoundTrip(service.RevokeAgreement, ack)).toStrictEqual(ack);
    expect(requestRoundTrip(service.GetCheckpoint, {})).toStrictEqual({});
    expect(responseRoundTrip(service.GetCheckpoint, checkpoint)).toStrictEqual(checkpoint);
    expect(responseRoundTrip(service.GetCheckpoint, checkpoint).signature).toBeInstanceOf(Buffer);
  });

  it('a field a peer left out decodes as its default: empty text, 0, empty bytes and lists, and null for a message', () => {
    const empty = Buffer.alloc(0);
    const proposal: AgreementProposal = { termsJson: '', proposerSignature: null };
    expect(service.ProposeAgreement.requestDeserialize(empty)).toStrictEqual(proposal);
    const hello: HandshakeRequest = { nodeId: '', nodeName: '', protocolVersion: 0, suites: [], software: '' };
    expect(service.Handshake.requestDeserialize(empty)).toStrictEqual(hello);
    const none: CheckpointMsg = { nodeId: '', seq: 0, hash: '', at: '', signature: empty };
    expect(service.GetCheckpoint.responseDeserialize(empty)).toStrictEqual(none);
    // A frame with an empty body: the body is there, with every field at its default.
    const codec = runFrameCodec();
    const receipt: DecodedRunFrame = { frame: 'receipt', receipt: { runId: '', transcriptHash: '', head: null, signature: null } };
    expect(codec.decode(codec.encode({ frame: 'receipt', receipt: { runId: '', transcriptHash: '', head: null, signature: null } }))).toStrictEqual(receipt);
  });

  it('the bytes on the wire are those of peer.proto (a node built from an earlier commit reads them)', () => {
    const codec = runFrameCodec();
    // RunFrame.blinded (field 3) { index (1) = 1, points (2) = 01 02 }
    expect(codec.encode({ frame: 'blinded', blinded: { index: 1, points: Buffer.from([1, 2]) } }).toString('hex')).toBe('1a0608011202' + '0102');
    // RunFrame.abort (field 8) { code (1) = "X", message (2) = "y" }
    expect(codec.encode({ frame: 'abort', abort: { code: 'X', message: 'y' } }).toString('hex')).toBe('4206' + '0a0158' + '120179');
  });

  it("the querier's generation is field 9 of RunStart: a start from an older node (without it) decodes with empty bytes, unknown", () => {
    const codec = runFrameCodec();
    const start = { runId: 'r', agreementId: 'a', operation: 'overlap', receiverSetSize: 5, suite: 's', maxBatch: 1, labelColumns: [] };
    const old = codec.encode({ frame: 'start', start });
    const decoded = codec.decode(old);
    expect(decoded.frame === 'start' && decoded.start.querierGeneration).toStrictEqual(Buffer.alloc(0));
    const tagged = codec.encode({ frame: 'start', start: { ...start, querierGeneration: bytes(16, 0xab) } });
    // RunStart's field 9, length-delimited (tag 0x4a), 16 bytes (0x10): appended after the fields an older node writes.
    expect(tagged.subarray(-18).toString('hex')).toBe(`4a10${'ab'.repeat(16)}`);
    const again = codec.decode(tagged);
    expect(again.frame === 'start' && again.start.querierGeneration).toStrictEqual(bytes(16, 0xab));
  });

  it('a batch sent without a group keeps its size: an omittable field left out is not written, set to 0 it is', () => {
    const codec = runFrameCodec();
    const without: RunFrame = { frame: 'evaluated', evaluated: { index: 0, points: bytes(32, 1) } };
    const withZero: RunFrame = { frame: 'evaluated', evaluated: { index: 0, points: bytes(32, 1), group: 0 } };
    expect(codec.sizeOf(withZero) - codec.sizeOf(without)).toBe(2);
    // Received, both read the same: group 0.
    expect(codec.decode(codec.encode(without))).toStrictEqual({ frame: 'evaluated', evaluated: { index: 0, points: bytes(32, 1), group: 0 } });
  });
});

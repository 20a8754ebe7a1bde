/**
 * The peer wire contract as the node sees it: the messages of `proto/mofang/v1/peer.proto`, typed
 * from the declarations `npm run proto:gen` generates from that file (generated/peer.d.ts), in the
 * shape the runtime loader decodes them to (LOADER_OPTIONS). A field renamed, added or retyped in
 * the .proto changes these types, so the build fails wherever the code disagrees.
 */
import type * as ProtoLoader from '@grpc/proto-loader';
import type { mofang } from './generated/peer.js';

/** Bumped on any incompatible change of the wire contract or the protocol flow. */
export const PROTOCOL_VERSION = 1;

/**
 * How @grpc/proto-loader turns wire bytes into objects (and back). The types below assume each
 * of these values; the `satisfies` clause pins them, so changing one means changing the types.
 */
export const LOADER_OPTIONS = {
  keepCase: false, // camelCase field names, as the generated declarations have them
  longs: Number, // 64-bit integers as numbers: exact below 2^53, and a peer's counts are checked against the limits
  enums: String, // the contract has no enums yet: one added needs its mapping below
  bytes: Buffer,
  defaults: true, // every field present: scalars as their default, messages as null, lists as []
  oneofs: true, // a oneof's name holds the name of the member that is set (RunFrame.frame)
} as const satisfies ProtoLoader.Options & {
  keepCase: false;
  longs: NumberConstructor;
  enums: StringConstructor;
  bytes: BufferConstructor;
  defaults: true;
  oneofs: true;
};

/** A 64-bit integer in the generated declarations (the `long` package's Long). */
interface LongValue {
  low: number;
  high: number;
  unsigned: boolean;
}

/** One value of a field, as decoded: bytes are Buffers, 64-bit integers numbers, messages objects. */
type Element<V> = V extends Uint8Array ? Buffer : V extends string | number | boolean ? V : V extends LongValue ? number : Decoded<V>;

/** A field's value: lists hold elements, a message field that is not set is null (`defaults: true`). */
type Value<V> = V extends readonly (infer E)[] ? Element<E>[] : V extends Uint8Array | string | number | boolean | LongValue ? Element<V> : Element<V> | null;

/**
 * A generated message (its class or its `$Properties`, where every field is optional and nullable)
 * as the loader decodes it: every field present and not null, except message fields.
 * (`$unknowns` is protobufjs's, not a field.)
 */
type Decoded<M> = {
  -readonly [K in keyof M as K extends `$${string}` ? never : K]-?: Value<Exclude<M[K], null | undefined>>;
};

type V1 = typeof mofang.v1;
/** The messages of the contract, by their name in the .proto (every class but the service). */
type MessageName = { [N in keyof V1]: InstanceType<V1[N]> extends { rpcCall: unknown } ? never : N }[keyof V1];
type Message<N extends MessageName> = Decoded<InstanceType<V1[N]>>;

/**
 * Fields a sender may leave out. proto3 scalars have no presence: an absent field decodes as its
 * default, but one set to its default is still written. Runs without groups leave `group` out, so
 * their frames keep their size; PSI runs leave `aggregate` out; a node older than
 * `querierGeneration` leaves it out.
 */
type Omittable<M, K extends keyof M> = Omit<M, K> & Partial<Pick<M, K>>;

export type SignatureMsg = Message<'Signature'>;
export type HandshakeRequest = Message<'HandshakeRequest'>;
export type HandshakeResponse = Message<'HandshakeResponse'>;
export type AgreementProposal = Message<'AgreementProposal'>;
export type AgreementAcceptance = Message<'AgreementAcceptance'>;
export type AgreementRevocation = Message<'AgreementRevocation'>;
export type AgreementAck = Message<'AgreementAck'>;
export type CheckpointMsg = Message<'Checkpoint'>;
export type AggregateRequestMsg = Message<'AggregateRequest'>;
export type RunStart = Omittable<Message<'RunStart'>, 'aggregate' | 'querierGeneration'>;
export type RunAccept = Message<'RunAccept'>;
export type ReceiptMsg = Message<'Receipt'>;
export type RunProgress = Message<'RunProgress'>;
type PointBatch = Omittable<Message<'PointBatch'>, 'group'>;

/** The members of RunFrame's oneof `frame`: the kinds of frame a Run stream carries. */
export type FrameKind = NonNullable<InstanceType<V1['RunFrame']>['frame']>;

/** Each frame kind's body, as decoded. */
type DecodedBodies = { [K in FrameKind]: Exclude<Message<'RunFrame'>[K], null> };
/** Each frame kind's body, as sent or received (the bodies with omittable fields). */
type Bodies = { [K in FrameKind]: K extends 'start' ? RunStart : K extends 'blinded' | 'evaluated' ? PointBatch : DecodedBodies[K] };

type Frame<B, K extends FrameKind> = { frame: K } & { [P in K]: B[P & keyof B] };

/** One frame of a Run stream: exactly one member is set, named by `frame`. */
export type RunFrame = { [K in FrameKind]: Frame<Bodies, K> }[FrameKind];
/** A frame exactly as the loader decodes it, for the contract test: every field present. */
export type DecodedRunFrame = { [K in FrameKind]: Frame<DecodedBodies, K> }[FrameKind];
export type FrameBody<K extends FrameKind> = Bodies[K];

/** The frame's body if it is of `kind` (a generic `frame.frame === kind` does not narrow the union). */
export function frameBody<K extends FrameKind>(frame: RunFrame, kind: K): Bodies[K] | undefined {
  const bodies: Partial<Bodies> = frame;
  return frame.frame === kind ? bodies[kind] : undefined;
}

/** A message by its name in the .proto, in the runtime shape (RunFrame as the union above). */
export type WireMessage<N extends string> = N extends 'RunFrame' ? RunFrame : N extends MessageName ? Message<N> : never;

/**
 * gRPC status numbers, fixed by the gRPC specification. Importing grpc-js for them would load it
 * in every process that opens a node, including one-shot CLI commands that never talk to a peer.
 */
import type { status as GrpcStatusEnum } from '@grpc/grpc-js';

export const GrpcStatus = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const satisfies { [K in keyof typeof GrpcStatusEnum]?: (typeof GrpcStatusEnum)[K] };
export type GrpcStatus = (typeof GrpcStatus)[keyof typeof GrpcStatus];

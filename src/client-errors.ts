import {
  isGrpcServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { REJECTION } from '../workflows/messages';
import type { FieldProblem } from './subscription-requests';

/**
 * Why a SubscriptionClient call failed, in terms a caller can act on (the HTTP server maps each to a status):
 * - invalid_request: the request is malformed (400)
 * - not_found: no such subscription (404)
 * - already_exists: a subscription with this id is running (409)
 * - conflict: the request does not fit the subscription's status, e.g. resume when not paused (409)
 * - idempotency_conflict: the Idempotency-Key was already used for another request (409)
 * - customer_uid_in_use: another running subscription bills this customer_uid (409; allow_shared_customer_uid)
 * - unavailable: Temporal could not be reached, or the subscription did not answer in time (503). The request may
 *   still take effect (a start or an update whose answer was lost): repeat it with the same Idempotency-Key (or
 *   update id), which Temporal applies at most once, or look the subscription up before repeating it without one.
 */
export type SubscriptionErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'idempotency_conflict'
  | 'customer_uid_in_use'
  | 'unavailable';

export class SubscriptionError extends Error {
  override name = 'SubscriptionError';
  constructor(
    readonly code: SubscriptionErrorCode,
    message: string,
    readonly problems?: FieldProblem[],
    /** what Temporal answered (for the operator's log; never shown to the caller) */
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

// gRPC status codes (@grpc/grpc-js is not a direct dependency): CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED,
// UNAVAILABLE.
const UNAVAILABLE_CODES = new Set([1, 4, 8, 14]);

/** Translates what the Temporal client threw; anything unrecognised is rethrown as it is. */
export function toSubscriptionError(error: unknown, subscriptionId: string): unknown {
  if (error instanceof SubscriptionError) return error;
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return new SubscriptionError('already_exists', `subscription ${subscriptionId} already exists and is running`);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new SubscriptionError('not_found', `subscription ${subscriptionId} not found`);
  }
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const { type, message } = error.cause;
    if (type === REJECTION.invalid) return new SubscriptionError('invalid_request', message);
    if (type === REJECTION.conflict) return new SubscriptionError('conflict', message);
    if (type === REJECTION.notFound) return new SubscriptionError('not_found', message);
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isUnavailable(error)) {
    return new SubscriptionError(
      'unavailable',
      'Temporal or the subscription worker did not answer in time; the request may still take effect: repeat it with the same Idempotency-Key, or check before repeating it',
      undefined,
      error,
    );
  }
  return error;
}

/** A gRPC failure anywhere in the cause chain that means "not reachable / not in time". */
export function isUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (isGrpcServiceError(current) && UNAVAILABLE_CODES.has(current.code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

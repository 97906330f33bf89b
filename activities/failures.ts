import { ApplicationFailure } from '@temporalio/common';
import { isIamportError } from '../src/iamport';
import { FAILURE } from '../workflows/failure-types';

export { FAILURE };

/**
 * Maps any error to a Temporal failure of a known type, so nothing untyped ever leaves an activity:
 * - auth → IamportAuthFailed (retryable: fixing the key resumes billing)
 * - retryable iamport errors (network, timeout, 5xx, 429, non-iamport 4xx pages) → IamportUnavailable (retryable)
 * - everything else (business codes where no refusal is possible, iamport's 4xx, malformed answers, bugs) →
 *   IamportUnexpected, not retryable: the workflow records it and decides when to try again.
 * Messages carry only what IamportError puts in them (endpoint, status, code, iamport's redacted message).
 */
export function toActivityFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (isIamportError(error)) {
    if (error.kind === 'auth') return ApplicationFailure.retryable(error.message, FAILURE.authFailed);
    if (error.retryable) return ApplicationFailure.retryable(error.message, FAILURE.unavailable);
    return ApplicationFailure.nonRetryable(error.message, FAILURE.unexpected, { kind: error.kind });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
  return ApplicationFailure.nonRetryable(message, FAILURE.unexpected);
}

export function unexpected(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FAILURE.unexpected);
}

export function unavailable(message: string): ApplicationFailure {
  return ApplicationFailure.retryable(message, FAILURE.unavailable);
}

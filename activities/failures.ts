import { ApplicationFailure } from '@temporalio/common';
import { isIamportError } from '../src/iamport';
import { FAILURE } from '../workflows/failure-types';

export { FAILURE };

/** Maps an iamport client error to a Temporal failure with a stable type; anything else is rethrown (retried). */
export function toActivityFailure(error: unknown, rejectedType: string = FAILURE.rejected): unknown {
  if (!isIamportError(error)) return error;
  if (error.kind === 'auth') return ApplicationFailure.retryable(error.message, FAILURE.authFailed);
  if (error.retryable) return ApplicationFailure.retryable(error.message, FAILURE.unavailable);
  return ApplicationFailure.nonRetryable(error.message, rejectedType);
}

/** Type names of the failures activities raise; the workflow branches on these, never on messages. */
export const FAILURE = {
  /** network, timeout, 5xx, 429: retried with backoff */
  unavailable: 'IamportUnavailable',
  /** the API key/secret was refused: retried, so fixing the configuration resumes billing */
  authFailed: 'IamportAuthFailed',
  /** iamport refused to register a charge (e.g. no billing key for the customer_uid): not retried */
  chargeRejected: 'ChargeRejected',
  /** any other refusal: not retried */
  rejected: 'IamportRejected',
  /** an answer that cannot be classified: not retried by the activity; the workflow needs attention and retries */
  unexpected: 'IamportUnexpected',
} as const;

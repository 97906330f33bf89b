/** Type names of the failures activities raise; the workflow branches on these, never on messages. */
export const FAILURE = {
  /** network, timeout, 5xx, 429, a 4xx page that is not iamport's (proxy, WAF): retried with backoff */
  unavailable: 'IamportUnavailable',
  /** the API key/secret was refused: retried, so fixing the configuration resumes billing */
  authFailed: 'IamportAuthFailed',
  /**
   * An answer nobody can act on automatically: iamport's 4xx with its envelope (400, 403), a 200 with a non-zero code
   * where no refusal is possible, a payload missing documented fields, a merchant_uid held for another charge. Not
   * retried by Temporal; the workflow puts the subscription into needs_attention and tries again later itself.
   */
  unexpected: 'IamportUnexpected',
  /** @deprecated no longer raised (registerCharge answers `{ outcome: 'refused' }`); kept for recorded histories */
  chargeRejected: 'ChargeRejected',
  /** @deprecated no longer raised (now `unexpected`); kept for recorded histories */
  rejected: 'IamportRejected',
} as const;

/** The failure types Temporal must not retry. */
export const NON_RETRYABLE_FAILURES: string[] = [FAILURE.unexpected, FAILURE.chargeRejected, FAILURE.rejected];

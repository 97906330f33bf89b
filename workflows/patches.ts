/**
 * patched() ids of changes made while subscriptions may be running (README: Upgrading workflow code). Each names the
 * recorded history in test/fixtures/histories that replays the code path before it.
 */
export const PATCH = {
  /** The restructured subscription core; runs recorded before it replay in workflows/legacy/subscription-v1.ts.
   * Fixtures: happy-cycle, dunning-then-recovery*, pause-resume-cancel-at-period-end, cancel-while-registering. */
  subscriptionCoreV2: 'subscription-core-v2',
} as const;

/**
 * patched() ids of changes made while subscriptions may be running (README: Upgrading workflow code). Each names the
 * recorded history in test/fixtures/histories that replays the code path before it.
 */
export const PATCH = {
  /** The restructured subscription core; runs recorded before it replay in workflows/legacy/subscription-v1.ts.
   * Fixtures: v1-happy-cycle, v1-dunning-then-recovery*, v1-pause-resume-cancel-at-period-end,
   * v1-cancel-while-registering (test/fixtures/histories). */
  subscriptionCoreV2: 'subscription-core-v2',
} as const;

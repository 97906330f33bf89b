/** Activities that do nothing but count themselves, so the bench can tell when every no-op workflow is waiting. */
export function createNoopActivities(counts: { register: number; verify: number }) {
  return {
    async register(_cycle: number): Promise<void> {
      counts.register += 1;
    },
    async verify(_impUid: string): Promise<void> {
      counts.verify += 1;
    },
  };
}

export type NoopActivities = ReturnType<typeof createNoopActivities>;

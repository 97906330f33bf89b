import { describeMillis, productionFloorProblems } from '../src/production-floors';

describe('production floors', () => {
  it('refuses exact billing intervals under a day against the live iamport, naming the likely typo', () => {
    expect(productionFloorProblems('live', { interval: 'PT1M' })).toEqual([
      {
        field: 'plan.interval',
        message:
          'PT1M is one minute; against the live iamport a billing interval must be at least one day (P1D), or a ' +
          'calendar interval such as P1M or P1Y; did you mean P1M?',
      },
    ]);
    expect(productionFloorProblems('live', { interval: 'PT3M' })[0].message).toMatch(
      /^PT3M is 3 minutes; .*did you mean P3M\?$/,
    );
    expect(productionFloorProblems('live', { interval: 'PT23H59M59S' })[0].message).toMatch(
      /^PT23H59M59S is 86399 seconds;/,
    );
    expect(productionFloorProblems('live', { interval: 'PT12H', intervalField: 'interval' })).toEqual([
      { field: 'interval', message: expect.stringMatching(/^PT12H is 12 hours; .*P1Y$/) },
    ]);
  });

  it.each(['P1D', 'PT24H', 'P7D', 'P1W', 'P1M', 'P3M', 'P1Y', 'P1Y6M'])(
    'allows %s against the live iamport',
    (interval) => {
      expect(productionFloorProblems('live', { interval })).toEqual([]);
    },
  );

  it('refuses dunning delays under an hour against the live iamport, naming each', () => {
    expect(productionFloorProblems('live', { retryDelays: ['P1D', 'PT59M', 'PT1H', 'PT30S'] })).toEqual([
      {
        field: 'dunning.retry_delays[1]',
        message: 'PT59M is 59 minutes; against the live iamport a dunning delay must be at least one hour (PT1H)',
      },
      { field: 'dunning.retry_delays[3]', message: expect.stringContaining('PT30S is 30 seconds') },
    ]);
  });

  it('lets the sandbox keep short intervals and delays', () => {
    expect(productionFloorProblems('sandbox', { interval: 'PT1S', retryDelays: ['PT1S'] })).toEqual([]);
  });

  it('leaves malformed values to the schema', () => {
    expect(productionFloorProblems('live', { interval: 'monthly', retryDelays: ['P1M', 'soon'] })).toEqual([]);
  });

  it('describes durations in words', () => {
    expect(describeMillis(60_000)).toBe('one minute');
    expect(describeMillis(5_400_000)).toBe('90 minutes');
    expect(describeMillis(7_200_000)).toBe('2 hours');
    expect(describeMillis(1_500)).toBe('1.5 seconds');
  });
});

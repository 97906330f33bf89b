import { SpinGuard } from '../workflows/spin-guard';

describe('SpinGuard', () => {
  it('lets a loop turn up to the limit at one instant and stops it past the limit', () => {
    const guard = new SpinGuard(3);
    expect([guard.turn(1000), guard.turn(1000), guard.turn(1000)]).toEqual([false, false, false]);
    expect(guard.turn(1000)).toBe(true);
  });

  it('starts counting again when workflow time moves (a new activation) or after a reset', () => {
    const guard = new SpinGuard(2);
    guard.turn(1000);
    guard.turn(1000);
    expect(guard.turn(1001)).toBe(false);
    expect(guard.turn(1001)).toBe(false);
    expect(guard.turn(1001)).toBe(true);
    guard.reset();
    expect(guard.turn(1001)).toBe(false);
  });
});

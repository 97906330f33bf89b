import { ApplicationFailure } from '@temporalio/common';
import { validateCommand } from '../workflows/commands';
import type { OperatorCommand } from '../workflows/messages';
import { initialState } from '../workflows/state';
import type { BillingStatus as SubscriptionStatus, SubscriptionState } from '../workflows/types';

function stateWith(status: SubscriptionStatus, extra: Partial<SubscriptionState> = {}): SubscriptionState {
  const state = initialState(
    {
      subscription_id: 's1',
      customer_uid: 'c1',
      plan: { name: 'Basic', amount: 5000, interval: 'P1M' },
      created_at: '2026-11-21T00:00:00.000Z',
    },
    Date.parse('2026-11-21T00:00:00.000Z'),
  );
  return { ...state, status, ...extra };
}

function rejection(state: SubscriptionState, command: OperatorCommand): { type?: string; message: string } | undefined {
  try {
    validateCommand(state, command);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ApplicationFailure);
    return { type: (error as ApplicationFailure).type ?? undefined, message: (error as Error).message };
  }
}

describe('validateCommand', () => {
  it.each<[SubscriptionStatus, OperatorCommand]>([
    ['active', { command: 'cancel', args: {} }],
    ['active', { command: 'cancel', args: { at_period_end: true } }],
    ['trialing', { command: 'cancel', args: { at_period_end: true } }],
    ['past_due', { command: 'cancel', args: {} }],
    ['unpaid', { command: 'cancel' }],
    ['paused', { command: 'cancel', args: {} }],
    ['active', { command: 'pause' }],
    ['past_due', { command: 'pause' }],
    ['paused', { command: 'resume' }],
    ['active', { command: 'changePlan', args: { amount: 12000 } }],
    ['paused', { command: 'changePlan', args: { interval: 'P1Y', name: 'Yearly' } }],
    ['unpaid', { command: 'updatePaymentMethod', args: { customer_uid: 'c2' } }],
  ])('accepts on a %s subscription: %j', (status, command) => {
    expect(rejection(stateWith(status), command)).toBeUndefined();
  });

  it.each<[SubscriptionStatus, OperatorCommand, string]>([
    ['canceled', { command: 'resume' }, 'the subscription is canceled'],
    ['active', { command: 'resume' }, 'not paused (status is active)'],
    ['paused', { command: 'pause' }, 'already paused'],
    ['unpaid', { command: 'pause' }, 'update the payment method'],
    ['past_due', { command: 'cancel', args: { at_period_end: true } }, 'status is past_due'],
    ['active', { command: 'undoCancel' }, 'no cancellation is scheduled'],
  ])('refuses on a %s subscription %j as InvalidState', (status, command, message) => {
    expect(rejection(stateWith(status), command)).toEqual({
      type: 'InvalidState',
      message: expect.stringContaining(message),
    });
  });

  it('refuses to pause while a cancellation is scheduled, and allows undoing it', () => {
    const state = stateWith('active', { cancel_at_period_end: true });
    expect(rejection(state, { command: 'pause' })?.message).toContain('undo it before pausing');
    expect(rejection(state, { command: 'undoCancel' })).toBeUndefined();
  });

  it.each<[OperatorCommand, string]>([
    [{ command: 'changePlan', args: {} }, 'at least one of name, amount, interval'],
    [{ command: 'changePlan', args: { amount: 0 } }, 'whole number of KRW greater than 0'],
    [{ command: 'changePlan', args: { amount: 99.5 } }, 'whole number'],
    [{ command: 'changePlan', args: { amount: '5000' as unknown as number } }, 'whole number'],
    [{ command: 'changePlan', args: { name: '' } }, 'plan.name'],
    [{ command: 'changePlan', args: { name: 'x'.repeat(41) } }, 'at most 40'],
    [{ command: 'changePlan', args: { interval: 'P1M15D' } }, 'Invalid billing interval "P1M15D"'],
    [{ command: 'changePlan', args: { interval: 'monthly' } }, 'not an ISO-8601 duration'],
    [{ command: 'updatePaymentMethod', args: { customer_uid: '' } }, 'customer_uid'],
    [{ command: 'updatePaymentMethod', args: { customer_uid: 'has space' } }, 'without spaces'],
    [{ command: 'explode' } as unknown as OperatorCommand, 'unknown command "explode"'],
  ])('refuses malformed %j as InvalidRequest', (command, message) => {
    expect(rejection(stateWith('active'), command)).toEqual({
      type: 'InvalidRequest',
      message: expect.stringContaining(message),
    });
  });
});

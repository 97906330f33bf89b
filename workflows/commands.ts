import { ApplicationFailure } from '@temporalio/common';
import { InvalidIntervalError, parseInterval } from './calendar';
import { REJECTION, type OperatorCommand } from './messages';
import type { SubscriptionState } from './types';

export const PLAN_NAME_MAX_LENGTH = 40;
export const CUSTOMER_UID_MAX_LENGTH = 80;
/** The shortest exact interval a plan may have; shorter ones exist only to make demos and tests fast. */
export const MIN_EXACT_INTERVAL_MS = 1000;

const invalid = (message: string) =>
  ApplicationFailure.create({ type: REJECTION.invalid, message, nonRetryable: true });
const conflict = (message: string) =>
  ApplicationFailure.create({ type: REJECTION.conflict, message, nonRetryable: true });

export function validatePlanName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > PLAN_NAME_MAX_LENGTH) {
    throw invalid(`plan.name must be a non-empty string of at most ${PLAN_NAME_MAX_LENGTH} characters`);
  }
  return name;
}

export function validateAmount(amount: unknown): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    throw invalid('plan.amount must be a whole number of KRW greater than 0');
  }
  return amount;
}

export function validateInterval(interval: unknown): string {
  if (typeof interval !== 'string') throw invalid('plan.interval must be an ISO-8601 duration such as P1M');
  try {
    parseInterval(interval, { minExactMs: MIN_EXACT_INTERVAL_MS });
  } catch (error) {
    if (error instanceof InvalidIntervalError) throw invalid(error.message);
    throw error;
  }
  return interval;
}

export function validateCustomerUid(customerUid: unknown): string {
  if (
    typeof customerUid !== 'string' ||
    customerUid.length === 0 ||
    customerUid.length > CUSTOMER_UID_MAX_LENGTH ||
    /\s/.test(customerUid)
  ) {
    throw invalid(`customer_uid must be 1 to ${CUSTOMER_UID_MAX_LENGTH} characters without spaces`);
  }
  return customerUid;
}

/**
 * Throws an ApplicationFailure (InvalidRequest or InvalidState) when the command is malformed or does not fit the
 * subscription's current status. Pure: runs in update validators and again when the command is applied.
 */
export function validateCommand(state: SubscriptionState, command: OperatorCommand): void {
  if (state.status === 'canceled') throw conflict('the subscription is canceled');
  switch (command.command) {
    case 'cancel':
      if (command.args?.refund !== undefined && !['none', 'prorated', 'full'].includes(command.args.refund)) {
        throw invalid('refund must be "none", "prorated" or "full"');
      }
      if (command.args?.at_period_end && state.status !== 'active' && state.status !== 'trialing') {
        throw conflict(`cancel at period end needs an active or trialing subscription (status is ${state.status})`);
      }
      return;
    case 'undoCancel':
      if (!state.cancel_at_period_end) throw conflict('no cancellation is scheduled');
      return;
    case 'pause':
      if (state.status === 'paused') throw conflict('the subscription is already paused');
      if (state.status === 'unpaid')
        throw conflict('an unpaid subscription cannot be paused; update the payment method');
      if (state.cancel_at_period_end) throw conflict('a cancellation is scheduled; undo it before pausing');
      return;
    case 'resume':
      if (state.status !== 'paused') throw conflict(`the subscription is not paused (status is ${state.status})`);
      return;
    case 'changePlan': {
      const change = command.args ?? {};
      if (typeof change !== 'object' || Array.isArray(change)) throw invalid('the plan change must be an object');
      if (change.name === undefined && change.amount === undefined && change.interval === undefined) {
        throw invalid('give at least one of name, amount, interval');
      }
      if (change.name !== undefined) validatePlanName(change.name);
      if (change.amount !== undefined) validateAmount(change.amount);
      if (change.interval !== undefined) validateInterval(change.interval);
      if (change.amount !== undefined && change.amount > state.plan.amount) {
        // A price rise waits for the customer's consent before the next charge (workflows/consent.ts).
        if (state.status !== 'active' && state.status !== 'trialing') {
          throw conflict(
            `a price rise needs the customer's consent before the next charge, asked only of an active or trialing ` +
              `subscription (status is ${state.status})`,
          );
        }
        if (state.cancel_at_period_end) throw conflict('a cancellation is scheduled; undo it before raising the price');
      }
      return;
    }
    case 'refund': {
      const args = command.args;
      if (typeof args !== 'object' || args === null) throw invalid('the refund must be an object');
      if (typeof args.reason !== 'string' || args.reason.trim() === '' || args.reason.length > 200) {
        throw invalid('reason must be a non-empty string of at most 200 characters');
      }
      if (args.amount !== undefined && (!Number.isSafeInteger(args.amount) || args.amount <= 0)) {
        throw invalid('amount must be a whole number of KRW greater than 0');
      }
      if (args.imp_uid !== undefined && (typeof args.imp_uid !== 'string' || !/^imp_[0-9]{1,28}$/.test(args.imp_uid))) {
        throw invalid('imp_uid must be an iamport payment id such as imp_1234567890');
      }
      return;
    }
    case 'consent': {
      const args = command.args;
      if (typeof args !== 'object' || args === null) throw invalid('the consent must be an object');
      if (typeof args.change_id !== 'string' || args.change_id === '') throw invalid('change_id is required');
      if (args.decision !== 'granted' && args.decision !== 'declined') {
        throw invalid('decision must be "granted" or "declined"');
      }
      if (typeof args.channel !== 'string' || !/^[A-Za-z0-9_.-]{1,40}$/.test(args.channel)) {
        throw invalid('channel must be 1 to 40 letters, digits, "_", "." or "-" (e.g. portal, app, kakao)');
      }
      if (typeof args.at !== 'string' || Number.isNaN(Date.parse(args.at))) {
        throw invalid('the consent time must be an ISO-8601 date-time');
      }
      return;
    }
    case 'updatePaymentMethod':
      validateCustomerUid(command.args?.customer_uid);
      return;
    case 'retry':
      if (!state.attention || state.attention.kind === 'unexpected') {
        throw conflict('nothing to retry: the subscription does not wait for an operator');
      }
      return;
    default:
      throw invalid(`unknown command ${JSON.stringify((command as { command?: unknown }).command)}`);
  }
}

import { IamportClient, type IamportClientOptions } from './client';

export function createIamportClient(options: IamportClientOptions): IamportClient {
  return new IamportClient(options);
}

export {
  IamportClient,
  DEFAULT_CHARGE_TIMEOUT_MS,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  type CallOptions,
  type IamportClientOptions,
  type PaymentLookupOptions,
  type SchedulesByCustomerQuery,
} from './client';
export {
  IamportError,
  isIamportError,
  isRetryableIamportError,
  type IamportErrorDetails,
  type IamportErrorKind,
} from './errors';
export * from './types';
export { IMP_UID_PATTERN, MERCHANT_UID_PATTERN, isUsableImpUid, isUsableMerchantUid } from './ids';

/** Where iamport posts payment notifications; the worker sends PUBLIC_URL + this as each charge's notice_url. */
export const WEBHOOK_PATH = '/iamport-callback/schedule';

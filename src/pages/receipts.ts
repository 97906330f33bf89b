/**
 * The workflow's payment records carry no receipt_url, so the portal asks iamport for each paid payment it shows
 * (at most RECENT_PAYMENTS_KEPT, in parallel, each with a short deadline). A lookup that fails only loses the link.
 */
import type { IamportClient } from '../iamport';
import type { PaymentRecord } from '../../workflows/types';

const LOOKUP_DEADLINE_MS = 3_000;

export async function receiptUrls(iamport: IamportClient, payments: PaymentRecord[]): Promise<Map<string, string>> {
  const wanted = payments.filter((payment) => payment.imp_uid && payment.status !== 'failed');
  const found = await Promise.allSettled(
    wanted.map(async (payment) => {
      const lookup = iamport.getPayment(payment.imp_uid!);
      const deadline = new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error('receipt lookup timed out')), LOOKUP_DEADLINE_MS).unref();
      });
      const found = await Promise.race([lookup, deadline]);
      return [payment.imp_uid!, found.receipt_url] as const;
    }),
  );
  const urls = new Map<string, string>();
  for (const result of found) {
    if (result.status !== 'fulfilled') continue;
    const [impUid, url] = result.value;
    if (typeof url === 'string' && /^https?:\/\//.test(url)) urls.set(impUid, url);
  }
  return urls;
}

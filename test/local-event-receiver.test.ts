/** The receiver `npm start` runs (tools/local-stack/event-receiver.ts), fed by the real deliverEvent activity. */
import { createDeliverEvent } from '../activities/deliver-event';
import { startMerchantEventReceiver } from '../tools/local-stack/event-receiver';
import type { MerchantEvent } from '../workflows/events';
import { newSecret } from './helpers/event-receiver';

it('prints each verified event once per id and refuses one signed with another secret', async () => {
  const secret = newSecret();
  const lines: string[] = [];
  const receiver = await startMerchantEventReceiver(0, secret, (line) => lines.push(line));
  try {
    const event = {
      id: 'evt_demo-1_abc_2',
      type: 'payment.succeeded',
      timestamp: new Date().toISOString(),
      data: { subscription_id: 'demo-1', customer_uid: 'c', sequence: 2, amount: 1000, subscription: {} },
    } as unknown as MerchantEvent;
    const deliver = createDeliverEvent({ url: receiver.url, secrets: [secret] });
    expect(await deliver(event)).toEqual({ outcome: 'delivered', status: 204 });
    expect(await deliver(event)).toEqual({ outcome: 'delivered', status: 204 });
    expect(lines).toEqual(['event #2 payment.succeeded · demo-1 · amount 1000 (evt_demo-1_abc_2)']);
    const forged = createDeliverEvent({ url: receiver.url, secrets: [newSecret()] });
    expect(await forged({ ...event, id: 'evt_demo-1_abc_3' })).toMatchObject({ outcome: 'failed', status: 400 });
    expect(lines).toHaveLength(1);
  } finally {
    receiver.server.close();
  }
});

/**
 * `npm start`: the whole system on this machine — Temporal dev server (with Web UI), iamport sandbox, billing worker,
 * HTTP server — wired together, with state under .data/ so the next start resumes the same subscriptions.
 * TEMPORAL_ADDRESS and/or IAMPORT_API_URL, when set, are used instead of starting a dev server / the sandbox.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/temporal-binaries';
import { mkdirSync } from 'node:fs';
import { eventsSecretIn, startMerchantEventReceiver } from './event-receiver';
import { startLocalStack, type LocalStack } from './stack';

const DATA_DIR = process.env.DATA_DIR ?? join(PROJECT_ROOT, '.data');
const port = (variable: string, fallback: number) => Number(process.env[variable] ?? fallback);

function banner(stack: LocalStack, eventsUrl: string, ownReceiver: boolean): string {
  const demo = JSON.stringify({
    customer_uid: `demo-${Date.now().toString(36)}`,
    card: { card_number: '4242-4242-4242-4242', expiry: '2030-12', birth: '900101', pwd_2digit: '00' },
    plan: { name: 'Demo plan', amount: 1000, interval: 'PT1M' },
  });
  return [
    '',
    'iamport billing is running.',
    stack.urls.ui
      ? `  Temporal UI       ${stack.urls.ui}   (filter: SubscriptionStatus="active")`
      : `  Temporal          ${stack.urls.temporal}`,
    `  Subscription API  ${stack.urls.api}   API_TOKEN=${stack.apiToken}`,
    stack.urls.sandbox
      ? `  iamport sandbox   ${stack.urls.sandbox}   (dashboard: ${stack.urls.sandbox}/ ; ledger: ${stack.urls.sandbox}/__sandbox/ledger)`
      : '',
    `  Worker metrics    ${stack.urls.metrics}`,
    `  Merchant events   ${eventsUrl}${ownReceiver ? '   (a local receiver: received events are printed below)' : ''}`,
    stack.urls.codec
      ? `  Codec server      ${stack.urls.codec}   (decrypts payloads for the UI; token in ${join(DATA_DIR, 'codec-token')})`
      : '',
    stack.encryptionKeys
      ? `  Payloads          encrypted (key ${stack.encryptionKeys[0].id}; PAYLOAD_ENCRYPTION_KEYS or ${join(DATA_DIR, 'payload-encryption-keys')})`
      : '  Payloads          NOT encrypted',
    `  Logs and data     ${DATA_DIR}`,
    '',
    'Sign up a demo subscription billed every minute (a sandbox test card):',
    `  curl -s -X POST ${stack.urls.api}/subscriptions -H 'Authorization: Bearer ${stack.apiToken}' -H 'Content-Type: application/json' -d '${demo}'`,
    '',
    'Ctrl-C stops everything; the next `npm start` resumes the same subscriptions.',
    '',
  ]
    .filter((line, i, lines) => line !== '' || lines[i - 1] !== '')
    .join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(DATA_DIR, { recursive: true });
  // Merchant events go to EVENTS_URL when set; otherwise to a small local receiver that prints them.
  const ownReceiver = !process.env.EVENTS_URL;
  const eventsSecret = process.env.EVENTS_SECRET ?? eventsSecretIn(DATA_DIR);
  const receiver = ownReceiver
    ? await startMerchantEventReceiver(port('EVENTS_RECEIVER_PORT', 3001), eventsSecret, (line) =>
        console.log(`[merchant] ${line}`),
      )
    : undefined;
  const eventsUrl = process.env.EVENTS_URL ?? receiver!.url;
  const stack = await startLocalStack({
    dataDir: DATA_DIR,
    ports: {
      temporal: port('TEMPORAL_PORT', 7233),
      temporalUi: port('TEMPORAL_UI_PORT', 8233),
      sandbox: port('SANDBOX_PORT', 7070),
      http: port('PORT', 3000),
      metrics: port('METRICS_PORT', 9464),
      codec: port('CODEC_SERVER_PORT', 8089),
    },
    temporalAddress: process.env.TEMPORAL_ADDRESS,
    iamportApiUrl: process.env.IAMPORT_API_URL,
    env: { EVENTS_URL: eventsUrl, EVENTS_SECRET: eventsSecret },
  });
  console.log(banner(stack, eventsUrl, ownReceiver));
  console.log(`(ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack.stop();
    receiver?.server.close();
    process.exit(code);
  };
  for (const managed of [stack.codecServer, stack.temporal, stack.sandbox, stack.worker, stack.server]) {
    if (!managed) continue;
    managed.onUnexpectedExit = (code, signal) => {
      if (stopping) return; // a Ctrl-C reaches the children too
      console.error(`${managed.spec.name} exited (${signal ?? code}); see ${managed.spec.logFile}`);
      void stop(1);
    };
  }
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`Logs: ${join(DATA_DIR, 'logs')}`);
  process.exit(1);
});

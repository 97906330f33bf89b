import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import {
  authedClient,
  httpClient,
  API_KEY,
  API_SECRET,
  issueKey,
  scheduleItem,
  startTestSandbox,
} from './sandbox-helpers';

/**
 * The sandbox's answers must match the response models of the official V1 spec (Swagger 2.0), so a client
 * built against the spec works against the sandbox. Field names are checked too: the spec does not forbid
 * extra properties, so a misspelt field would otherwise pass.
 */
const SPEC_CANDIDATES = [
  process.env.IAMPORT_SPEC_PATH,
  // ../shared sits beside the project in development and in CI
  join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'iamport-v1.openapi.json'),
];
type Schema = Record<string, unknown>;

/**
 * Documented deviations (src/iamport/types.ts, iamport-v1-notes.md §5/§10): real responses carry `null` for
 * optional values that do not apply (payment_status before execution, imp_uid before execution, fail_reason of
 * a paid payment, absent buyer fields...), where the spec only says "string"/"integer".
 */
const NULLABLE: Record<string, string[]> = {
  CustomerAnnotation: [
    'customer_id',
    'card_code',
    'card_issuer_code',
    'card_issuer_name',
    'card_publisher_code',
    'card_publisher_name',
    'card_number',
    'card_type',
    'customer_name',
    'customer_tel',
    'customer_email',
    'customer_addr',
    'customer_postcode',
  ],
  ScheduleResultAnnotation: [
    'imp_uid',
    'pg_provider',
    'pg_id',
    'customer_id',
    'currency',
    'name',
    'buyer_name',
    'buyer_email',
    'buyer_tel',
    'buyer_addr',
    'buyer_postcode',
    'custom_data',
    'payment_status',
    'fail_reason',
    'promotion_id',
  ],
  PaymentAnnotation: [
    'pay_method',
    'channel',
    'pg_provider',
    'pg_tid',
    'pg_id',
    'apply_num',
    'card_code',
    'card_name',
    'card_quota',
    'card_number',
    'card_type',
    'name',
    'buyer_name',
    'buyer_email',
    'buyer_tel',
    'custom_data',
    'fail_reason',
    'cancel_reason',
    'receipt_url',
    'customer_uid',
    'customer_uid_usage',
  ],
};

// The spec writes some numeric keywords as strings ("maxLength": "32"), which JSON Schema does not allow.
const NUMERIC_KEYWORDS = new Set(['maxLength', 'minLength', 'maximum', 'minimum', 'maxItems', 'minItems']);

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const out: Schema = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('x-') || key === 'example') continue;
    out[key] = NUMERIC_KEYWORDS.has(key) && typeof v === 'string' ? Number(v) : normalise(v);
  }
  return out;
}

function loadDefinitions(): Record<string, Schema> {
  const path = SPEC_CANDIDATES.find((candidate) => candidate && existsSync(candidate));
  if (!path)
    throw new Error(`iamport V1 spec not found; set IAMPORT_SPEC_PATH (looked in ${SPEC_CANDIDATES.join(', ')})`);
  const spec = JSON.parse(readFileSync(path, 'utf8')) as { definitions: Record<string, Schema> };
  const definitions = normalise(spec.definitions) as Record<string, Schema>;
  for (const [name, fields] of Object.entries(NULLABLE)) {
    const properties = definitions[name].properties as Record<string, Schema>;
    for (const field of fields) {
      const property = properties[field];
      if (!property) throw new Error(`${name}.${field} is not in the spec; fix the NULLABLE list`);
      property.type = [property.type as string, 'null'];
    }
  }
  return definitions;
}

const definitions = loadDefinitions();
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'iamport-v1', definitions });

function validator(name: string): ValidateFunction {
  const validate = ajv.getSchema(`iamport-v1#/definitions/${name}`);
  if (!validate) throw new Error(`no definition ${name}`);
  return validate;
}

function expectValid(name: string, data: unknown): void {
  const validate = validator(name);
  const valid = validate(data);
  if (!valid) throw new Error(`${name}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(data)}`);
}

/** Every field the sandbox sends is a field of the spec's model. */
function expectKnownFields(name: string, data: Record<string, unknown>): void {
  const known = Object.keys(definitions[name].properties as Schema);
  expect(Object.keys(data).filter((key) => !known.includes(key))).toEqual([]);
}

function expectEnvelope(responseModel: string, body: { code: unknown; message: unknown; response: unknown }): void {
  expect(Object.keys(body).sort()).toEqual(['code', 'message', 'response']);
  expectValid(responseModel, body);
}

describe('sandbox: responses conform to the official V1 spec', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
  });
  afterAll(() => sandbox.close());

  it('the validator is not vacuous: it rejects wrong types and missing required fields', () => {
    expect(validator('AuthAnnotation')({ access_token: 'x', expired_at: '1700000000', now: 1 })).toBe(false);
    expect(validator('PaymentAnnotation')({ imp_uid: 'imp_1', merchant_uid: 'm', amount: 1 })).toBe(false);
    expect(validator('CustomerAnnotation')({ customer_uid: 'c' })).toBe(false);
    expect(validator('ScheduleResultAnnotation')({ schedule_at: 1.5 })).toBe(false);
    // The envelope models reach into their payload through allOf/$ref.
    expect(validator('PaymentResponse')({ code: 0, message: '', response: { imp_uid: 1 } })).toBe(false);
    expect(validator('ScheduleResponse')({ code: 0, message: '', response: [{ amount: 'many' }] })).toBe(false);
  });

  it('POST /users/getToken → AuthResponse', async () => {
    const res = await httpClient(sandbox.url).post('/users/getToken', { imp_key: API_KEY, imp_secret: API_SECRET });
    expectEnvelope('AuthResponse', res.data);
    expectKnownFields('AuthAnnotation', res.data.response);
  });

  it('POST, GET and DELETE /subscribe/customers/{uid} → CustomerResponse', async () => {
    const issued = await api.post('/subscribe/customers/spec_c', {
      card_number: '4242-4242-4242-4242',
      expiry: '2031-01',
      customer_name: '홍길동',
    });
    const got = await api.get('/subscribe/customers/spec_c');
    await issueKey(api, 'spec_del');
    const deleted = await api.delete('/subscribe/customers/spec_del');
    for (const res of [issued, got, deleted]) {
      expectEnvelope('CustomerResponse', res.data);
      expectKnownFields('CustomerAnnotation', res.data.response);
    }
  });

  it('schedule, unschedule, single schedule and list → ScheduleResultAnnotation', async () => {
    const at = sandbox.clock.nowSeconds() + 60;
    const scheduled = await api.post('/subscribe/payments/schedule', {
      customer_uid: 'spec_c',
      schedules: [
        scheduleItem('spec_s1', at),
        scheduleItem('spec_s2', at + 60, { buyer_email: 'a@example.com', notice_url: 'http://127.0.0.1:1/x' }),
      ],
    });
    expectEnvelope('ScheduleResponse', scheduled.data);
    expect(scheduled.data.response).toHaveLength(2);
    scheduled.data.response.forEach((r: Record<string, unknown>) => expectKnownFields('ScheduleResultAnnotation', r));

    const pending = await api.get('/subscribe/payments/schedule/spec_s1');
    expectEnvelope('SingleScheduleResponse', pending.data);
    expect(pending.data.response.payment_status).toBeNull();

    sandbox.clock.advance(60_000);
    await sandbox.runDue();
    const executed = await api.get('/subscribe/payments/schedule/spec_s1');
    expectEnvelope('SingleScheduleResponse', executed.data);
    expectKnownFields('ScheduleResultAnnotation', executed.data.response);

    const revoked = await api.post('/subscribe/payments/unschedule', { customer_uid: 'spec_c' });
    expectEnvelope('ScheduleResponse', revoked.data);

    // Documented deviation: list endpoints answer the paged shape the official clients parse.
    const list = await api.get('/subscribe/payments/schedule/customers/spec_c', {
      params: { from: at - 60, to: at + 3600 },
    });
    expect(list.data.response).toEqual({ total: 2, previous: 0, next: 0, list: expect.any(Array) });
    list.data.response.list.forEach((item: unknown) => expectValid('ScheduleResultAnnotation', item));
  });

  it('again, payments/{imp_uid}, find and cancel → PaymentResponse', async () => {
    await issueKey(api, 'spec_ko', { card_number: '4000-0000-0000-0003' });
    const paid = await api.post('/subscribe/payments/again', {
      customer_uid: 'spec_c',
      merchant_uid: 'spec_p1',
      amount: 10000,
      name: '구독',
    });
    const failed = await api.post('/subscribe/payments/again', {
      customer_uid: 'spec_ko',
      merchant_uid: 'spec_p2',
      amount: 10000,
      name: '구독',
    });
    const got = await api.get(`/payments/${paid.data.response.imp_uid}`);
    const found = await api.get('/payments/find/spec_p2');
    const partial = await api.post('/payments/cancel', {
      imp_uid: paid.data.response.imp_uid,
      amount: 1000,
      reason: 'r',
    });
    const full = await api.post('/payments/cancel', { merchant_uid: 'spec_p1' });
    for (const res of [paid, failed, got, found, partial, full]) {
      expectEnvelope('PaymentResponse', res.data);
      expectKnownFields('PaymentAnnotation', res.data.response);
      for (const entry of res.data.response.cancel_history) expectKnownFields('PaymentCancelAnnotation', entry);
    }
    expect(full.data.response.cancel_history).toHaveLength(2);
    expect(['ready', 'paid', 'failed', 'cancelled']).toContain(failed.data.response.status);
  });

  it('onetime, with and without customer_uid → PaymentResponse', async () => {
    const card = { card_number: '4242-4242-4242-4242', expiry: '2031-01', amount: 3000, name: '단건' };
    const keyless = await api.post('/subscribe/payments/onetime', { ...card, merchant_uid: 'spec_o1' });
    const stored = await api.post('/subscribe/payments/onetime', {
      ...card,
      merchant_uid: 'spec_o2',
      customer_uid: 'spec_onetime_key',
    });
    const declined = await api.post('/subscribe/payments/onetime', {
      ...card,
      card_number: '4000-0000-0000-0004',
      merchant_uid: 'spec_o3',
    });
    for (const res of [keyless, stored, declined]) {
      expectEnvelope('PaymentResponse', res.data);
      expectKnownFields('PaymentAnnotation', res.data.response);
    }
    expect(declined.data.response.status).toBe('failed');
    const refused = await api.post('/subscribe/payments/onetime', {
      ...card,
      card_number: '1',
      merchant_uid: 'spec_o4',
    });
    expectEnvelope('ResponseAnnotation', refused.data);
  });

  it('errors keep the ResponseAnnotation shape', async () => {
    const responses = [
      await api.get('/payments/imp_000000777777'),
      await api.post('/payments/cancel', { imp_uid: 'imp_000000777777' }),
      await api.post('/subscribe/payments/again', { nonsense: true }),
      await httpClient(sandbox.url).get('/subscribe/customers/spec_c'),
    ];
    for (const res of responses) {
      expectEnvelope('ResponseAnnotation', res.data);
      expect(res.data.response).toBeNull();
      expect(res.data.code).not.toBe(0);
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { createCodecApp } from '../../src/codec-server/app';
import { toJson } from '../../src/codec-server/payloads-json';
import { EncryptionCodec } from '../../src/temporal/codec';
import { parseEncryptionKeys } from '../../src/temporal/encryption-keys';

const TOKEN = randomBytes(24).toString('hex');
const UI = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseEncryptionKeys(`k1:${randomBytes(32).toString('base64')}`));
const buyer = { name: '김철수', email: 'chulsoo@example.com', tel: '010-9876-5432' };

let server: Server;
let base: string;

beforeAll(async () => {
  server = createCodecApp({ codec, tokens: [TOKEN], corsOrigins: [UI] }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const encryptedBody = async () => toJson(await codec.encode([defaultPayloadConverter.toPayload(buyer)]));

describe('codec server', () => {
  it('decodes what the worker encrypted, for a caller with the bearer token', async () => {
    const response = await post('/decode', await encryptedBody(), { authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0].data, 'base64').toString())).toEqual(buyer);
  });

  it('accepts the token as the first path segment (Temporal UI sends no header of its own)', async () => {
    const response = await post(`/${TOKEN}/decode`, await encryptedBody());
    expect(response.status).toBe(200);
  });

  it('encodes, and what it encodes decodes back', async () => {
    const plain = toJson([defaultPayloadConverter.toPayload(buyer)]);
    const encoded = await post('/encode', plain, { authorization: `Bearer ${TOKEN}` });
    expect(encoded.status).toBe(200);
    const body = (await encoded.json()) as { payloads: { data: string }[] };
    expect(Buffer.from(body.payloads[0].data, 'base64').toString('latin1')).not.toContain(buyer.email);
    const decoded = await post('/decode', body, { authorization: `Bearer ${TOKEN}` });
    expect(((await decoded.json()) as typeof plain).payloads[0].data).toBe(plain.payloads[0].data);
  });

  it.each([
    ['no credential', '/decode', {}],
    ['a wrong bearer token', '/decode', { authorization: 'Bearer wrong-token-wrong-token' }],
    ['a wrong path token', '/wrong-token/decode', {}],
    ['a malformed path token', '/%E0%A4%A/decode', {}],
  ])('refuses %s with 401 and decrypts nothing', async (_what, path, headers) => {
    const response = await post(path, await encryptedBody(), headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(buyer.email);
  });

  it("answers the UI origin's preflight, and gives other origins no CORS grant", async () => {
    const preflight = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');

    const foreign = await fetch(`${base}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const foreignPost = await post(`/${TOKEN}/decode`, await encryptedBody(), { origin: 'https://evil.example' });
    expect(foreignPost.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a bad body with 400, and a payload under an unknown key with 422 naming the key id', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await post('/decode', '{not json', auth)).status).toBe(400);
    expect((await post('/decode', { payloads: 'x' }, auth)).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '***' }] }, auth)).status).toBe(400);
    const other = new EncryptionCodec(parseEncryptionKeys(`other:${randomBytes(32).toString('base64')}`));
    const foreign = toJson(await other.encode([defaultPayloadConverter.toPayload(buyer)]));
    const response = await post('/decode', foreign, auth);
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toContain('"other"');
  });

  it('serves an unauthenticated health check and 404 elsewhere', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/other`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });
});

import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, ValueError, type Payload } from '@temporalio/common';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/temporal/codec';
import { parseEncryptionKeys } from '../../src/temporal/encryption-keys';

const key = () => randomBytes(32).toString('base64');
const old = `old:${key()}`;
const next = `new:${key()}`;
const buyer = { name: '홍길동', email: 'gildong@example.com', tel: '010-1234-5678' };
const meta = (payload: Payload, name: string) => Buffer.from(payload.metadata?.[name] ?? []).toString('utf8');

describe('EncryptionCodec', () => {
  it('round-trips a payload and leaves none of its content in clear', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(old));
    const plain = defaultPayloadConverter.toPayload(buyer);
    const [encrypted] = await codec.encode([plain]);
    expect(meta(encrypted, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(encrypted, KEY_ID_METADATA)).toBe('old');
    const stored = Buffer.from(encrypted.data!).toString('latin1');
    for (const value of [...Object.values(buyer), 'json/plain', 'gildong']) expect(stored).not.toContain(value);
    const [decoded] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(buyer);
    expect(meta(decoded, 'encoding')).toBe('json/plain');
  });

  it('uses a fresh IV per payload: the same value encrypts differently each time', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(old));
    const plain = defaultPayloadConverter.toPayload(buyer);
    const [a, b] = await codec.encode([plain, plain]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('rotates: after a new key is put first, new payloads use it and payloads under the old key still decode', async () => {
    const before = new EncryptionCodec(parseEncryptionKeys(old));
    const [written] = await before.encode([defaultPayloadConverter.toPayload(buyer)]);

    const after = new EncryptionCodec(parseEncryptionKeys(`${next},${old}`));
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(buyer)]);
    expect(meta(fresh, KEY_ID_METADATA)).toBe('new');
    const [oldDecoded, freshDecoded] = await after.decode([written, fresh]);
    expect(defaultPayloadConverter.fromPayload(oldDecoded)).toEqual(buyer);
    expect(defaultPayloadConverter.fromPayload(freshDecoded)).toEqual(buyer);
  });

  it('names an unknown key id, and the keys it knows, without printing key material', async () => {
    const [written] = await new EncryptionCodec(parseEncryptionKeys(old)).encode([
      defaultPayloadConverter.toPayload(buyer),
    ]);
    const withoutOld = new EncryptionCodec(parseEncryptionKeys(next));
    const failure = await withoutOld.decode([written]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ValueError);
    expect((failure as Error).message).toContain('key id "old"');
    expect((failure as Error).message).toContain('known: new');
    expect((failure as Error).message).not.toContain(next.slice(4));
  });

  it('detects tampering with the ciphertext', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(old));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(buyer)]);
    const data = Buffer.from(encrypted.data!);
    data[20] ^= 0x01;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(/failed authentication/);
  });

  it('detects a payload relabelled with another key id', async () => {
    const sameKey = key();
    const codec = new EncryptionCodec(parseEncryptionKeys(`a:${sameKey},b:${sameKey}`));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(buyer)]);
    const relabelled = {
      ...encrypted,
      metadata: { ...encrypted.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('b') },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);
  });

  it('detects a truncated payload', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(old));
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload(buyer)]);
    await expect(codec.decode([{ ...encrypted, data: encrypted.data!.subarray(0, 10) }])).rejects.toThrow(/truncated/);
  });

  it('passes payloads written before encryption was turned on through unchanged', async () => {
    const codec = new EncryptionCodec(parseEncryptionKeys(old));
    const plain = defaultPayloadConverter.toPayload(buyer);
    const [decoded] = await codec.decode([plain]);
    expect(decoded).toBe(plain);
  });
});

import { randomBytes } from 'node:crypto';
import { EncryptionKeyError, parseEncryptionKeys } from '../../src/temporal/encryption-keys';

const b64 = (bytes = 32) => randomBytes(bytes).toString('base64');

describe('parseEncryptionKeys', () => {
  it('reads id:base64key pairs in order, the first being the one that encrypts', () => {
    const a = b64();
    const b = randomBytes(32).toString('base64url');
    const keys = parseEncryptionKeys(` k2026:${a} , k2025:${b} `);
    expect(keys.map((k) => k.id)).toEqual(['k2026', 'k2025']);
    expect(keys[0].key.equals(Buffer.from(a, 'base64'))).toBe(true);
    expect(keys[1].key.equals(Buffer.from(b, 'base64url'))).toBe(true);
  });

  it.each([
    ['', /no key/],
    ['nocolon', /id:base64key/],
    [`:${b64()}`, /key id/],
    [`bad id:${b64()}`, /key id/],
    ['k1:not base64!', /not base64/],
    [`k1:${b64(16)}`, /32 bytes.*got 16/],
    [`k1:${b64()},k1:${b64()}`, /listed twice/],
  ])('rejects %j clearly', (value, message) => {
    expect(() => parseEncryptionKeys(value)).toThrow(EncryptionKeyError);
    expect(() => parseEncryptionKeys(value)).toThrow(message);
  });

  it('never puts key material in an error', () => {
    const short = b64(16);
    expect(() => parseEncryptionKeys(`k1:${short}`)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(short) }),
    );
  });
});

/**
 * Sessions without a database: a session is a sealed token, its data encrypted and authenticated with AES-256-GCM
 * under a key derived (HKDF-SHA256) from the pages secret. Any replica holding the secret opens it; nobody without
 * it can read the buyer's details in the URL or forge a session. Expiry is inside the sealed data.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

export type OpenResult<T> = { ok: true; value: T } | { ok: false; reason: 'invalid' | 'expired' };

export class TokenSealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('TokenSealer: the secret must be at least 32 characters');
    this.key = Buffer.from(hkdfSync('sha256', secret, 'iamport-temporal-billing', 'hosted-pages session v1', 32));
  }

  /** `purpose` is bound into the token: a portal token does not open as a checkout session. */
  seal(purpose: string, payload: object, expiresAtMs: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${VERSION}.${purpose}`));
    const plain = Buffer.from(JSON.stringify({ exp: expiresAtMs, data: payload }));
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
  }

  open<T>(purpose: string, token: string, nowMs: number): OpenResult<T> {
    const [version, body, ...rest] = token.split('.');
    if (version !== VERSION || !body || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(body)) {
      return { ok: false, reason: 'invalid' };
    }
    const raw = Buffer.from(body, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return { ok: false, reason: 'invalid' };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(`${VERSION}.${purpose}`));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      const { exp, data } = JSON.parse(plain.toString('utf8')) as { exp: number; data: T };
      if (typeof exp !== 'number' || nowMs >= exp) return { ok: false, reason: 'expired' };
      return { ok: true, value: data };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
  }
}

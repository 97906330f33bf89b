/**
 * The payload codec: every payload the worker and the clients hand to Temporal (workflow inputs, query answers,
 * update arguments, activity inputs and results, memos) is encrypted with AES-256-GCM before it leaves the process,
 * so buyer names, e-mails and phone numbers never sit in Temporal's database, its backups or an unauthenticated UI.
 * Search attributes are not payloads the codec sees: they stay plain and hold no personal data.
 *
 * A payload becomes `{ metadata: { encoding: binary/encrypted, encryption-key-id: <id> }, data: iv | ciphertext | tag }`
 * where the ciphertext is the original Payload protobuf. The key id is also bound as additional authenticated data,
 * so a payload whose metadata was altered to name another key fails authentication too.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKey } from './encryption-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export class EncryptionCodec implements PayloadCodec {
  private readonly encryptWith: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  /** `keys[0]` encrypts; every key decrypts (see encryption-keys.ts). */
  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.encryptWith = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.encryptWith;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
      data: new Uint8Array(data),
    };
  }

  /** Payloads that are not encrypted (written before encryption was turned on) pass through unchanged. */
  private decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (!id) throw new ValueError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.byId.get(id);
    if (!key) {
      throw new ValueError(
        `a payload is encrypted with key id "${id}", which is not in PAYLOAD_ENCRYPTION_KEYS (known: ${[...this.byId.keys()].join(', ')}); ` +
          'keep every key that open workflows still use',
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError(`an encrypted payload (key id "${id}") is truncated`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new ValueError(
        `an encrypted payload (key id "${id}") failed authentication: it was altered, or the key under that id changed`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain) as Payload;
  }
}

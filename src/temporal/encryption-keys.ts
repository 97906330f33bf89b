/**
 * PAYLOAD_ENCRYPTION_KEYS: the AES-256 keys of the payload codec, as `id:base64key` pairs separated by commas.
 * The FIRST key is the newest: it encrypts every new payload; every listed key decrypts. To rotate, put a new key in
 * front (`new:…,old:…`), deploy it to every worker, server and codec server, and drop the old one only once no open
 * workflow history still holds payloads written under it (see README, Production).
 */
export interface EncryptionKey {
  /** stored in each payload's `encryption-key-id` metadata, so a payload names the key that decrypts it */
  id: string;
  /** 32 bytes (AES-256) */
  key: Buffer;
}

export class EncryptionKeyError extends Error {
  override name = 'EncryptionKeyError';
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;

/** Parses PAYLOAD_ENCRYPTION_KEYS; the error names the entry at fault but never prints key material. */
export function parseEncryptionKeys(value: string): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new EncryptionKeyError('PAYLOAD_ENCRYPTION_KEYS holds no key');
  const keys: EncryptionKey[] = [];
  entries.forEach((entry, index) => {
    const where = `PAYLOAD_ENCRYPTION_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) throw new EncryptionKeyError(`${where} must be id:base64key`);
    const id = entry.slice(0, colon).trim();
    const material = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new EncryptionKeyError(`${where}: the key id must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (!BASE64.test(material)) throw new EncryptionKeyError(`${where} (${id}): the key is not base64`);
    const key = Buffer.from(material, material.includes('-') || material.includes('_') ? 'base64url' : 'base64');
    if (key.length !== 32) {
      throw new EncryptionKeyError(
        `${where} (${id}): the key must be 32 bytes (AES-256), got ${key.length}; make one with: openssl rand -base64 32`,
      );
    }
    if (keys.some((k) => k.id === id)) throw new EncryptionKeyError(`${where}: key id ${id} is listed twice`);
    keys.push({ id, key });
  });
  return keys;
}

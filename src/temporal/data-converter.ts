import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec';
import type { EncryptionKey } from './encryption-keys';

/**
 * The data converter of every worker and client of this system: the default JSON payload converter, then the
 * encryption codec when PAYLOAD_ENCRYPTION_KEYS is set. Worker and clients must agree: a client without the keys
 * cannot read what a worker with them wrote (the codec server decrypts for Temporal UI and the CLI).
 */
export function billingDataConverter(keys: readonly EncryptionKey[] | undefined): DataConverter | undefined {
  return keys && keys.length > 0 ? { payloadCodecs: [new EncryptionCodec(keys)] } : undefined;
}

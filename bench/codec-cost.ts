import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { EncryptionCodec, ENCRYPTED_ENCODING } from '../src/temporal/codec';
import type { EncryptionKey } from '../src/temporal/encryption-keys';

export interface CodecCost {
  /** whether this run's payloads were encrypted */
  encrypted: boolean;
  /** payloads in one happy cycle's history, and their plain size */
  payloads: number;
  plainBytes: number;
  /** CPU time the codec spends on one cycle's payloads in this process (median of the repetitions) */
  encodeMs: number;
  decodeMs: number;
}

function payloadsIn(value: unknown, found: Payload[], depth = 0): void {
  if (depth > 12 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) payloadsIn(item, found, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.payloads) && record.payloads.every((p) => p && typeof p === 'object' && 'metadata' in p)) {
    found.push(...(record.payloads as Payload[]));
    return;
  }
  for (const child of Object.values(record)) payloadsIn(child, found, depth + 1);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The codec's cost per billing cycle, measured in the same run: every payload of a happy cycle's history is encoded
 * and decoded again, as the worker and the clients do over the cycle (each payload once each way, at least). Without
 * encryption in this run, a codec with a throwaway key is timed on the plain payloads: what turning it on would cost.
 */
export async function measureCodecCost(
  history: temporal.api.history.v1.IHistory,
  keys: readonly EncryptionKey[] | undefined,
  repetitions = 200,
): Promise<CodecCost> {
  const stored: Payload[] = [];
  payloadsIn(history.events ?? [], stored);
  const codec = new EncryptionCodec(keys ?? [{ id: 'bench', key: randomBytes(32) }]);
  const encrypted = stored.some(
    (p) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString() === ENCRYPTED_ENCODING,
  );
  const plain = encrypted ? await codec.decode(stored) : stored;
  const encodeTimes: number[] = [];
  const decodeTimes: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    let started = process.hrtime.bigint();
    const encoded = await codec.encode(plain);
    encodeTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    started = process.hrtime.bigint();
    await codec.decode(encoded);
    decodeTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return {
    encrypted,
    payloads: plain.length,
    plainBytes: plain.reduce((sum, p) => sum + (p.data?.length ?? 0), 0),
    encodeMs: median(encodeTimes),
    decodeMs: median(decodeTimes),
  };
}

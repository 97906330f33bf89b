/**
 * The codec server protocol's body: `{ "payloads": [ { "metadata": { "<key>": "<base64>" }, "data": "<base64>" } ] }`,
 * the Payloads protobuf in its JSON form (bytes as base64), as Temporal UI and the CLI send and expect it.
 */
import type { Payload } from '@temporalio/common';
import { z } from 'zod';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

export const payloadsBodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        data: base64.optional(),
      }),
    )
    .max(10_000),
});

export type PayloadsJson = z.infer<typeof payloadsBodySchema>;

export function fromJson(body: PayloadsJson): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  }));
}

export function toJson(payloads: Payload[]): PayloadsJson {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

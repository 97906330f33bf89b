/**
 * `npm run codec-server`: the payload codec over HTTP for Temporal UI and the Temporal CLI (see app.ts). Settings:
 *   PAYLOAD_ENCRYPTION_KEYS   the same keys as the worker and server (required)
 *   CODEC_SERVER_TOKEN        the credential callers present (required); CODEC_SERVER_TOKEN_PREVIOUS during a rotation
 *   CODEC_CORS_ORIGINS        comma-separated origins of Temporal UI, e.g. http://127.0.0.1:8080
 *   CODEC_SERVER_PORT         default 8089; CODEC_SERVER_HOST default 127.0.0.1 (0.0.0.0 in a container)
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { ConfigError } from '../config';
import { createLogger } from '../logger';
import { EncryptionCodec } from '../temporal/codec';
import { parseEncryptionKeys } from '../temporal/encryption-keys';
import { createCodecApp } from './app';

const logger = createLogger({ component: 'codec-server' });

const schema = z.object({
  PAYLOAD_ENCRYPTION_KEYS: z.string({ message: 'PAYLOAD_ENCRYPTION_KEYS is required' }).min(1),
  CODEC_SERVER_TOKEN: z
    .string({ message: 'CODEC_SERVER_TOKEN is required' })
    .min(16, 'CODEC_SERVER_TOKEN must be at least 16 characters'),
  CODEC_SERVER_TOKEN_PREVIOUS: z.string().optional(),
  CODEC_CORS_ORIGINS: z.string().default(''),
  CODEC_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8089),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
});

async function main(): Promise<void> {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
    );
  }
  const env = parsed.data;
  let keys;
  try {
    keys = parseEncryptionKeys(env.PAYLOAD_ENCRYPTION_KEYS);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
  const corsOrigins = env.CODEC_CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const app = createCodecApp({
    codec: new EncryptionCodec(keys),
    tokens: [env.CODEC_SERVER_TOKEN, env.CODEC_SERVER_TOKEN_PREVIOUS ?? ''],
    corsOrigins,
    onError: (err) => logger.error('codec request failed', { err }),
  });
  const server: Server = app.listen(env.CODEC_SERVER_PORT, env.CODEC_SERVER_HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  logger.info('codec server listening', {
    host: env.CODEC_SERVER_HOST,
    port: env.CODEC_SERVER_PORT,
    keys: keys.map((k) => k.id),
    cors_origins: corsOrigins,
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  logger.error(
    err instanceof ConfigError ? err.message : 'codec server failed',
    err instanceof ConfigError ? {} : { err },
  );
  process.exit(1);
});

import { randomBytes } from 'node:crypto';
import { requireIamportCredentials, requireProductionSettings, type Config } from '../config';

export interface ServerSettings {
  apiToken: string;
  /** true when API_TOKEN was not set and one was generated (sandbox only) */
  generatedToken: boolean;
  iamport: { apiKey: string; apiSecret: string };
}

/**
 * What the HTTP server needs before it may start. Against the real iamport: API_TOKEN, the iamport key and secret,
 * and PUBLIC_URL (where iamport sends webhooks) are all required. Against a sandbox a missing API_TOKEN is generated
 * for the run, so a local setup works with no configuration.
 */
export function serverSettings(config: Config): ServerSettings {
  requireProductionSettings(config, 'server');
  const iamport = requireIamportCredentials(config);
  if (config.http.apiToken) return { apiToken: config.http.apiToken, generatedToken: false, iamport };
  return { apiToken: randomBytes(24).toString('base64url'), generatedToken: true, iamport };
}

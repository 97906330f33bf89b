import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { describeConnection, temporalConnectionFromEnv } from '../../src/temporal/connection';

describe('temporalConnectionFromEnv (the SDK environment configuration)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'envconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const noFile = { HOME: dir }; // no ~/.config/temporalio/temporal.toml there

  it('defaults to a local plain-text server and the default namespace', () => {
    expect(temporalConnectionFromEnv(noFile)).toEqual({
      connection: { address: 'localhost:7233' },
      namespace: 'default',
    });
  });

  it('connects to Temporal Cloud with an API key: TLS on, key passed, nothing secret in the description', () => {
    const settings = temporalConnectionFromEnv({
      ...noFile,
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'billing.a1b2c',
      TEMPORAL_API_KEY: 'secret-api-key',
    });
    expect(settings).toEqual({
      connection: { address: 'eu-west-1.aws.api.temporal.io:7233', apiKey: 'secret-api-key', tls: true },
      namespace: 'billing.a1b2c',
    });
    expect(JSON.stringify(describeConnection(settings))).not.toContain('secret-api-key');
    expect(describeConnection(settings)).toMatchObject({ tls: 'on', auth: 'api key' });
  });

  it('reads mTLS client certificate and CA paths, and treats empty variables (compose defaults) as unset', () => {
    const cert = join(dir, 'client.pem');
    const key = join(dir, 'client.key');
    writeFileSync(cert, 'CERT');
    writeFileSync(key, 'KEY');
    const settings = temporalConnectionFromEnv({
      ...noFile,
      TEMPORAL_ADDRESS: 'billing.a1b2c.tmprl.cloud:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '',
      TEMPORAL_API_KEY: '',
    });
    const tls = settings.connection.tls as { clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toBe('CERT');
    expect(Buffer.from(tls.clientCertPair!.key).toString()).toBe('KEY');
    expect(settings.connection.apiKey).toBeUndefined();
    expect(describeConnection(settings)).toMatchObject({ tls: 'on', auth: 'mTLS client certificate' });
  });

  it('reads a profile of a TOML file, and variables override it', () => {
    const file = join(dir, 'temporal.toml');
    writeFileSync(
      file,
      ['[profile.prod]', 'address = "prod.example.com:7233"', 'namespace = "billing"', 'api_key = "from-file"'].join(
        '\n',
      ),
    );
    const fromProfile = temporalConnectionFromEnv({ ...noFile, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    expect(fromProfile).toEqual({
      connection: { address: 'prod.example.com:7233', apiKey: 'from-file', tls: true },
      namespace: 'billing',
    });
    const overridden = temporalConnectionFromEnv({
      ...noFile,
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'billing-staging',
    });
    expect(overridden.namespace).toBe('billing-staging');
  });

  it('fails clearly on a missing config file or profile, and loadConfig names it as a configuration error', () => {
    expect(() => temporalConnectionFromEnv({ ...noFile, TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') })).toThrow(
      /none\.toml does not exist/,
    );
    expect(() => loadConfig({ ...noFile, TEMPORAL_CONFIG_FILE: join(dir, 'none.toml') })).toThrow(ConfigError);
    const file = join(dir, 'empty.toml');
    writeFileSync(file, '');
    expect(() =>
      temporalConnectionFromEnv({ ...noFile, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' }),
    ).toThrow(/nope/);
  });

  it('loadConfig exposes the connection and the encryption keys, and refuses bad keys', () => {
    const config = loadConfig({
      ...noFile,
      TEMPORAL_ADDRESS: 'temporal:7233',
      PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(config.temporal.connection).toEqual({ address: 'temporal:7233' });
    expect(config.temporal.encryptionKeys?.map((k) => k.id)).toEqual(['k1']);
    expect(() => loadConfig({ ...noFile, PAYLOAD_ENCRYPTION_KEYS: 'k1:short' })).toThrow(/32 bytes/);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../src/config';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

interface Service {
  image?: string;
  build?: string;
  healthcheck?: { test: string[] };
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  command?: string | string[];
  environment?: Record<string, string>;
}

const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, a schema job, the Temporal server, a namespace job and Temporal UI', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui']),
    );
    expect(services.postgresql.image).toMatch(/^postgres:/);
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    // auto-setup is deprecated: no service may use it.
    for (const service of Object.values(services)) expect(service.image ?? '').not.toMatch(/auto-setup/);
  });

  it('publishes the Temporal frontend on 7233, the UI on 8080 and the codec server on 8089, on loopback only', () => {
    expect(services.temporal.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services['codec-server'].ports).toEqual(['127.0.0.1:8089:8089']);
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) {
        expect({ name, port, loopback: port.startsWith('127.0.0.1:') }).toEqual({ name, port, loopback: true });
      }
    }
  });

  it('has no default database password: it must come from .env', () => {
    const raw = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const uses = [...raw.matchAll(/\$\{POSTGRES_PASSWORD([^}]*)\}/g)].map((m) => m[1]);
    expect(uses.length).toBeGreaterThanOrEqual(3);
    for (const use of uses) expect(use).toMatch(/^:\?/);
    expect(raw).not.toMatch(/PASSWORD[^\n]*:-/);
  });

  it('points Temporal UI at the codec server, which needs the payload keys and a token', () => {
    const raw = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(services['temporal-ui'].environment?.TEMPORAL_CODEC_ENDPOINT).toBeDefined();
    expect(raw).toMatch(
      /TEMPORAL_CODEC_ENDPOINT: \$\{CODEC_PUBLIC_URL:-http:\/\/127\.0\.0\.1:8089\}\/\$\{CODEC_SERVER_TOKEN:\?/,
    );
    expect(services['temporal-ui'].depends_on?.['codec-server'].condition).toBe('service_healthy');
    const codec = services['codec-server'];
    expect(codec.image).toBe(services['billing-worker'].image);
    expect(codec.command).toEqual(['node', 'dist/src/codec-server/main.js']);
    expect(existsSync(join(root, 'src/codec-server/main.ts'))).toBe(true);
    expect(Object.keys(codec.environment ?? {})).toEqual(
      expect.arrayContaining(['PAYLOAD_ENCRYPTION_KEYS', 'CODEC_SERVER_TOKEN', 'CODEC_CORS_ORIGINS']),
    );
    // the payload keys are required, never defaulted, for every process that holds them
    expect(raw).not.toMatch(/PAYLOAD_ENCRYPTION_KEYS:-/);
    expect(raw).toMatch(/PAYLOAD_ENCRYPTION_KEYS: \$\{PAYLOAD_ENCRYPTION_KEYS:\?/);
  });

  it('starts the server only after the schema job completed, and the schema job after PostgreSQL is healthy', () => {
    expect(services['temporal-schema'].depends_on?.postgresql.condition).toBe('service_healthy');
    expect(services.temporal.depends_on?.['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(services['temporal-namespace'].depends_on?.temporal.condition).toBe('service_healthy');
    expect(services.temporal.environment?.DB).toBe('postgres12');
    expect(services.temporal.environment?.POSTGRES_SEEDS).toBe('postgresql');
  });

  it('mounts setup scripts that exist and are valid shell', () => {
    for (const name of ['temporal-schema', 'temporal-namespace']) {
      const script = (services[name].command as string).replace('/deploy/', 'deploy/temporal/');
      expect(existsSync(join(root, script))).toBe(true);
      execFileSync('sh', ['-n', join(root, script)]);
    }
  });

  it('registers exactly the search attributes the workflow upserts', () => {
    const script = readFileSync(join(root, 'deploy/temporal/setup-namespace.sh'), 'utf8');
    const registered = [...script.matchAll(/(\w+)=(Keyword|Datetime|Int|Text|Bool|Double)\b/g)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    const typeNames: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', INT: 'Int' };
    const expected = SUBSCRIPTION_SEARCH_ATTRIBUTES.map((key) => `${key.name}=${typeNames[key.type]}`);
    expect(registered.sort()).toEqual(expected.sort());
  });

  it("runs this project's worker and server from one image built by the Dockerfile", () => {
    const worker = services['billing-worker'];
    const server = services['billing-server'];
    expect(worker.build).toBe('.');
    expect(server.image).toBe(worker.image);
    expect(worker.command).toEqual(['node', 'dist/src/worker.js']);
    expect(server.command).toEqual(['node', 'dist/src/server/main.js']);
    for (const entry of ['src/worker.ts', 'src/server/main.ts']) expect(existsSync(join(root, entry))).toBe(true);
    expect(worker.depends_on?.['temporal-namespace'].condition).toBe('service_completed_successfully');
    expect(server.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(worker.healthcheck?.test.join(' ')).toContain('9464/metrics');
    expect(server.healthcheck?.test.join(' ')).toContain('3000/readyz');
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toContain('CMD ["node", "dist/src/worker.js"]');
  });

  it('passes the app exactly the variables the config module reads, pointing it at the compose Temporal', () => {
    for (const name of ['billing-worker', 'billing-server']) {
      const env = services[name].environment ?? {};
      expect(Object.keys(env).sort()).toEqual([...CONFIG_VARIABLES].sort());
      expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  it('documents in .env.example every variable of the app and every one compose requires, and nothing else', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const names = [...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    const raw = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const required = [...new Set([...raw.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]))];
    expect(required).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'CODEC_SERVER_TOKEN']));
    expect(names.sort()).toEqual([...new Set([...CONFIG_VARIABLES, ...required])].sort());
  });

  it("builds the image with npm ci from a lock that holds every platform's optional packages", () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).not.toMatch(/npm install/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/npm prune --omit=dev && rm -f node_modules\/iamport-sandbox/);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dependency of Object.keys(entry.optionalDependencies ?? {})) {
        // npm resolves from the package's own node_modules up to the root's
        const candidates: string[] = [];
        for (let dir = path; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
          candidates.push(`${dir ? `${dir}/` : ''}node_modules/${dependency}`);
          if (!dir.includes('/node_modules/')) {
            candidates.push(`node_modules/${dependency}`);
            break;
          }
        }
        if (!candidates.some((candidate) => candidate in lock.packages)) missing.push(`${path} -> ${dependency}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Service {
  image?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  command?: string;
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

  it('publishes the Temporal frontend on 7233 and the UI on 8080', () => {
    expect(services.temporal.ports).toContain('7233:7233');
    expect(services['temporal-ui'].ports).toContain('8080:8080');
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
      const script = services[name].command!.replace('/deploy/', 'deploy/temporal/');
      expect(existsSync(join(root, script))).toBe(true);
      execFileSync('sh', ['-n', join(root, script)]);
    }
  });

  it('registers the search attributes operators filter on', () => {
    const script = readFileSync(join(root, 'deploy/temporal/setup-namespace.sh'), 'utf8');
    for (const attr of [
      'SubscriptionStatus=Keyword',
      'CustomerUid=Keyword',
      'NextChargeAt=Datetime',
      'PlanAmount=Int',
    ]) {
      expect(script).toContain(attr);
    }
  });
});

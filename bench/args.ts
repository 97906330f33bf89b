export interface BenchArgs {
  subscriptions: number;
  /** webhooks/s of the steady-rate run */
  steadyRate: number;
  steadySeconds: number;
  /** requests in flight during the max-rate runs (webhooks and raw signals) */
  concurrency: number;
  skipNoop: boolean;
  skipIngest: boolean;
  skipCost: boolean;
  /** let the sandbox save its state to a file (as `npm start` does); off by default, see README */
  persistSandbox: boolean;
  /** the sandbox posts webhooks to the HTTP server itself, one at a time (no relay) */
  serialWebhooks: boolean;
  temporalInMemory: boolean;
  /** SQLite pragmas (e.g. journal_mode=wal) for a dev server the bench starts instead of the stack's */
  temporalPragmas: string[];
  /** --max-old-space-size of the worker and server (the SDK sizes its workflow cache from the heap); 0 = Node's */
  nodeHeapMb: number;
  /** WORKER_CACHED_WORKFLOWS of the billing and no-op workers; undefined = the product's default */
  cachedWorkflows?: number;
  keepData: boolean;
  /** `dev`: the CLI dev server on SQLite (default); `postgres`: the Temporal server on PostgreSQL (setup:temporal-postgres) */
  temporal: 'dev' | 'postgres';
  /** payload encryption of workers and clients (default on, as in production); off to measure the codec's cost */
  encryption: boolean;
}

const USAGE = `usage: npm run bench -- [--subscriptions N | --large] [--steady-rate 200] [--steady-seconds 15]
       [--concurrency 32] [--skip-noop] [--skip-ingest] [--skip-cost] [--serial-webhooks] [--node-heap-mb MB]
       [--cached-workflows N]
       [--temporal dev|postgres] [--no-encryption]
       [--temporal-in-memory | --temporal-pragma NAME=VALUE ...] [--persist-sandbox] [--keep-data]`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    subscriptions: 1000,
    steadyRate: 200,
    steadySeconds: 15,
    concurrency: 32,
    skipNoop: false,
    skipIngest: false,
    skipCost: false,
    persistSandbox: false,
    serialWebhooks: false,
    temporalInMemory: false,
    temporalPragmas: [],
    nodeHeapMb: 0,
    keepData: false,
    temporal: process.env.BENCH_TEMPORAL === 'postgres' ? 'postgres' : 'dev',
    encryption: true,
  };
  const numbers: Record<
    string,
    'subscriptions' | 'steadyRate' | 'steadySeconds' | 'concurrency' | 'nodeHeapMb' | 'cachedWorkflows'
  > = {
    '--node-heap-mb': 'nodeHeapMb',
    '--cached-workflows': 'cachedWorkflows',
    '--subscriptions': 'subscriptions',
    '--steady-rate': 'steadyRate',
    '--steady-seconds': 'steadySeconds',
    '--concurrency': 'concurrency',
  };
  const flags: Record<
    string,
    'skipNoop' | 'skipIngest' | 'skipCost' | 'persistSandbox' | 'serialWebhooks' | 'temporalInMemory' | 'keepData'
  > = {
    '--serial-webhooks': 'serialWebhooks',
    '--temporal-in-memory': 'temporalInMemory',
    '--skip-noop': 'skipNoop',
    '--skip-ingest': 'skipIngest',
    '--skip-cost': 'skipCost',
    '--persist-sandbox': 'persistSandbox',
    '--keep-data': 'keepData',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--temporal') {
      const kind = argv[++i];
      if (kind !== 'dev' && kind !== 'postgres') throw new Error(`--temporal needs dev or postgres\n${USAGE}`);
      args.temporal = kind;
    } else if (arg === '--no-encryption') {
      args.encryption = false;
    } else if (arg === '--large') {
      args.subscriptions = 10_000;
    } else if (arg === '--temporal-pragma') {
      const pragma = argv[++i] ?? '';
      if (!/^[a-z_]+=[A-Za-z0-9_]+$/.test(pragma)) throw new Error(`--temporal-pragma needs NAME=VALUE\n${USAGE}`);
      args.temporalPragmas.push(pragma);
    } else if (arg in flags) {
      args[flags[arg]] = true;
    } else if (arg in numbers) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 100_000) throw new Error(`${arg} needs 1..100000\n${USAGE}`);
      args[numbers[arg]] = value;
    } else {
      throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (args.temporal === 'postgres' && (args.temporalInMemory || args.temporalPragmas.length > 0)) {
    throw new Error(`--temporal postgres cannot be combined with the dev server's options\n${USAGE}`);
  }
  return args;
}

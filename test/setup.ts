import { DefaultLogger, Runtime } from '@temporalio/worker';
import { configureLogging } from '../src/logger';

// Worker lifecycle lines drown test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });
configureLogging({ stdout: process.env.LOG_TO_STDOUT === 'true' });

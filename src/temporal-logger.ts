import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from './logger';

/** The Temporal SDK's logger on top of ours: the SDK's lines become the same redacted JSON lines. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    switch (level) {
      case 'TRACE':
      case 'DEBUG':
        return logger.debug(message, meta);
      case 'INFO':
        return logger.info(message, meta);
      case 'WARN':
        return logger.warn(message, meta);
      default:
        return logger.error(message, meta);
    }
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

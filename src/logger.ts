import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * JSON lines for machines (production, CI, files); `pretty` for a developer at a terminal: coloured,
 * one readable line per entry with local time. Both carry the same fields.
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'marketplace' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') {
    return pino(options, pretty({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,pid,hostname' }));
  }
  return pino(options);
}

/** LOG_FORMAT when given; otherwise pretty in development at a terminal, JSON everywhere else. */
export function logFormatFrom(env: NodeJS.ProcessEnv, nodeEnv: string, stdoutIsTty = Boolean(process.stdout.isTTY)): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return nodeEnv === 'development' && stdoutIsTty ? 'pretty' : 'json';
}

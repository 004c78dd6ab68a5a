/**
 * Logger over console: one JSON object per line, which Forge captures per invocation
 * (`forge logs`, developer console). Values under secret-looking keys are replaced before writing,
 * a last guard behind the core's own redaction.
 */
import type { Clock, Logger } from '../../core/ports';

type Level = 'debug' | 'info' | 'warn' | 'error';
const SECRET_KEY = /secret|token|password|passwd|authorization|signature|api[-_]?key|routing[-_]?key|webhook[-_]?url|cookie/i;
const MAX_DEPTH = 6;

export function scrub(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[depth]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : scrub(v, depth + 1);
  return out;
}

export interface ConsoleLoggerOptions {
  clock?: Clock;
  /** Lowest level written; default `info` (`debug` when BUILD_ALERTS_DEBUG=1). */
  level?: Level;
  /** Fields added to every line (e.g. `{ handler: 'consumer' }`). */
  base?: Record<string, unknown>;
  sink?: Pick<Console, 'log' | 'warn' | 'error'>;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const sink = options.sink ?? console;
  const envLevel = process.env.LOG_LEVEL as Level | undefined;
  const min = ORDER[options.level ?? (process.env.BUILD_ALERTS_DEBUG === '1' ? 'debug' : envLevel && envLevel in ORDER ? envLevel : 'info')];
  const now = () => new Date(options.clock ? options.clock.now() : Date.now()).toISOString();
  const write = (level: Level, obj: object, msg?: string) => {
    if (ORDER[level] < min) return;
    const line = JSON.stringify({ level, time: now(), ...options.base, ...(scrub(obj) as object), ...(msg ? { msg } : {}) });
    if (level === 'error') sink.error(line);
    else if (level === 'warn') sink.warn(line);
    else sink.log(line);
  };
  return {
    debug: (obj, msg) => write('debug', obj, msg),
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
  };
}

export const systemClock: Clock = { now: () => Date.now() };

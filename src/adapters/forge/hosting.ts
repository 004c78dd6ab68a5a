/**
 * How the local runtime hosts the manifest's handlers without module globals: it calls the very
 * functions manifest.yml names, and puts its own App and logger into the invocation context under
 * a private symbol. Forge's contexts are JSON, so they can never carry it; two runtimes in one
 * process each pass their own.
 */
import type { App } from '../../app/app-types';
import type { Logger } from '../../core/ports';
import { scrub } from './logger';

const HOSTED = Symbol('build-alerts.hosted');

export interface Hosting {
  app: App;
  /** Where handler log lines go (already scrubbed), instead of the console. */
  log: Logger;
}

/** A Forge-shaped context (`base`) that also carries the hosting runtime's App and logger. */
export function hostedContext<T extends object>(hosting: Hosting, base: T): T {
  // Enumerable so that @forge/resolver's `{ ...context }` keeps it; a symbol key never reaches JSON or Object.keys.
  return Object.defineProperty({ ...base }, HOSTED, { value: hosting, enumerable: true });
}

export function hostingOf(context: unknown): Hosting | null {
  return context && typeof context === 'object' && HOSTED in context ? ((context as Record<symbol, Hosting>)[HOSTED] ?? null) : null;
}

/** The handler's logger for this invocation: the host's (with the handler's base fields), else its own. */
export function logFor(context: unknown, own: Logger, base: Record<string, unknown>): Logger {
  const host = hostingOf(context)?.log;
  if (!host) return own;
  // Scrubbed as the console logger would: the host gets the lines Forge would have.
  const line = (obj: object) => ({ ...base, ...(scrub(obj) as object) });
  return {
    debug: (obj, msg) => host.debug(line(obj), msg),
    info: (obj, msg) => host.info(line(obj), msg),
    warn: (obj, msg) => host.warn(line(obj), msg),
    error: (obj, msg) => host.error(line(obj), msg),
  };
}

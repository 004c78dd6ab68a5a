/** Shared checks for the hostile-input tests: no stack traces in answers, counting queue jobs, a capturing log. */
import type { TestRuntime } from '../../helpers/runtime';

/** A V8 stack frame or a source position: neither may reach an HTTP client. */
export const STACK_TRACE = /at \S+ \(|\.ts:\d+/;

export function expectNoStackTrace(body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  expect(text).not.toMatch(STACK_TRACE);
}

/** Jobs the queue has ever taken (finished, waiting or dead): unchanged means nothing was queued. */
export function jobsTaken(rt: TestRuntime): number {
  const s = rt.queue.stats();
  return s.completed + s.pending + s.dead;
}

export interface CapturedLog {
  lines: { level: string; obj: object; msg?: string }[];
  // Optional parameters: startTestRuntime types its `log` option as methods without parameters.
  debug(obj?: object, msg?: string): void;
  info(obj?: object, msg?: string): void;
  warn(obj?: object, msg?: string): void;
  error(obj?: object, msg?: string): void;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const at = (level: string) => (obj: object = {}, msg?: string) => void lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * HttpClient over `fetch` from @forge/api (https://developer.atlassian.com/platform/forge/runtime-reference/fetch-api/).
 * The egress check runs first: Forge answers an undeclared host with a plain 403 response rather than an
 * error, which would look like the vendor refusing us, so we refuse it ourselves with a clear reason.
 */
import { fetch as forgeFetch } from '@forge/api';
import type { EgressPolicy } from '../../core/delivery/egress';
import { checkEgress } from '../../core/delivery/egress';
import type { HttpClient, HttpRequest, HttpResult } from '../../core/ports';
import type { Clock } from '../../core/ports';

/** Response bodies are kept only for classification and the delivery log. */
export const MAX_RESPONSE_CHARS = 4096;
export const DEFAULT_TIMEOUT_MS = 10_000;

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{
  status: number;
  headers: { forEach(cb: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;

export interface ForgeHttpClientOptions {
  egress: EgressPolicy;
  clock: Clock;
  /** Defaults to @forge/api `fetch`. */
  fetch?: FetchLike;
}

class TimeoutError extends Error {}

export function createForgeHttpClient(options: ForgeHttpClientOptions): HttpClient {
  const doFetch: FetchLike = options.fetch ?? (forgeFetch as unknown as FetchLike);
  return {
    async send(request: HttpRequest, sendOptions?: { timeoutMs?: number }): Promise<HttpResult> {
      const started = options.clock.now();
      const elapsed = () => Math.max(0, options.clock.now() - started);
      const allowed = checkEgress(request.url, options.egress);
      if (!allowed.ok) return { ok: false, failure: { kind: 'egress-denied', message: allowed.error.message }, latencyMs: 0 };
      const timeoutMs = sendOptions?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new TimeoutError(`no response within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      try {
        // Forge's fetch may ignore the signal; the race makes the timeout hold either way.
        const res = await Promise.race([
          doFetch(allowed.value.toString(), { method: request.method, headers: request.headers, body: request.body, signal: controller.signal }),
          timeout,
        ]);
        const text = await Promise.race([res.text(), timeout]);
        const headers: Record<string, string> = {};
        res.headers.forEach((value, key) => {
          headers[key.toLowerCase()] = value;
        });
        return { ok: true, response: { status: res.status, headers, body: text.slice(0, MAX_RESPONSE_CHARS) }, latencyMs: elapsed() };
      } catch (e) {
        if (e instanceof TimeoutError) return { ok: false, failure: { kind: 'timeout', message: e.message }, latencyMs: elapsed() };
        // Only the error class and host: messages from fetch can echo the full URL, which is a secret for webhooks.
        return { ok: false, failure: { kind: 'network', message: `${(e as Error)?.name ?? 'Error'} calling ${allowed.value.host}` }, latencyMs: elapsed() };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * HttpClient port over Node's global fetch (undici), for the local runtime.
 * - Egress: the URL must pass `checkEgress` (the manifest's allow-list, as Forge enforces at run time); otherwise the
 *   call fails with kind 'egress-denied' without any connection being made.
 * - Redirects are never followed (`redirect: 'manual'`): a 3xx comes back as the response, so a webhook cannot bounce
 *   a request (and its secrets) to a host the allow-list never saw.
 * - One timeout covers connect, headers and body (AbortController). Network problems and timeouts are values.
 * - Only the first few KiB of a response body are read: channels classify on status and a short error text.
 * - Failure messages never contain the URL: webhook URLs often carry the secret (Slack, Teams, Discord).
 */
import { performance } from 'node:perf_hooks';
import type { EgressPolicy } from '../../core/delivery/egress';
import { checkEgress } from '../../core/delivery/egress';
import type { HttpClient, HttpRequest, HttpResult } from '../../core/ports';

export interface FetchHttpClientOptions {
  egress: EgressPolicy;
  /** Used when a request names no timeout. Default 10 s. */
  defaultTimeoutMs?: number;
  /** Response bytes kept. Default 4096. */
  maxBodyBytes?: number;
  /** Injected in tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

/** Reads at most `limit` bytes of a body, then cancels the rest of the stream. */
async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // A multi-byte character cut at the limit decodes to U+FFFD; the text is for classification and logs only.
  return new TextDecoder('utf-8').decode(bytes);
}

/** Names the network problem (undici puts the errno in `cause`), without the URL. */
function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name could not be resolved';
  if (code === 'ECONNRESET') return 'connection reset by the server';
  if (code && /^(CERT_|ERR_TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_VERIFY)/.test(code)) return `TLS error (${code})`;
  if (code) return `network error (${code})`;
  return 'network error';
}

export function createFetchHttpClient(options: FetchHttpClientOptions): HttpClient {
  const fetchImpl = options.fetchImpl ?? fetch;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 4096;

  return {
    async send(request: HttpRequest, sendOptions?: { timeoutMs?: number }): Promise<HttpResult> {
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      const allowed = checkEgress(request.url, options.egress);
      if (!allowed.ok) return { ok: false, failure: { kind: 'egress-denied', message: allowed.error.message }, latencyMs: 0 };

      const timeoutMs = sendOptions?.timeoutMs ?? defaultTimeoutMs;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      try {
        const res = await fetchImpl(allowed.value.href, {
          method: request.method,
          headers: request.headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          redirect: 'manual',
          signal: controller.signal,
        });
        const headers: Record<string, string> = {};
        res.headers.forEach((value, name) => {
          headers[name] = value;
        });
        let body = '';
        try {
          body = await readCapped(res.body, maxBodyBytes);
        } catch {
          // The status arrived; a body cut short by the timeout or the network still leaves a usable answer.
        }
        return { ok: true, response: { status: res.status, headers, body }, latencyMs: latency() };
      } catch (e) {
        if (timedOut) return { ok: false, failure: { kind: 'timeout', message: `no response within ${timeoutMs} ms` }, latencyMs: latency() };
        return { ok: false, failure: { kind: 'network', message: describeNetworkError(e) }, latencyMs: latency() };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

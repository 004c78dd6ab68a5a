/** The Forge HttpClient with an injected fetch (the real one exists only inside Forge). */
import { createForgeHttpClient, MAX_RESPONSE_CHARS } from '../../src/adapters/forge/http-client';
import { createConsoleLogger } from '../../src/adapters/forge/logger';
import { FORGE_EGRESS_POLICY } from '../../src/adapters/forge/ports';

const clock = { now: () => Date.now() };
type Init = { method: string; headers: Record<string, string>; body?: string };

function fakeFetch(reply: (url: string, init: Init) => Promise<{ status: number; body: string; headers?: Record<string, string> }>) {
  const calls: { url: string; init: Init }[] = [];
  const fetch = async (url: string, init: Init) => {
    calls.push({ url, init });
    const r = await reply(url, init);
    return { status: r.status, headers: { forEach: (cb: (v: string, k: string) => void) => Object.entries(r.headers ?? {}).forEach(([k, v]) => cb(v, k)) }, text: async () => r.body };
  };
  return { fetch, calls };
}

describe('Forge HttpClient', () => {
  it('sends the request and returns status, lower-cased headers and a truncated body', async () => {
    const f = fakeFetch(async () => ({ status: 429, body: 'x'.repeat(MAX_RESPONSE_CHARS + 50), headers: { 'Retry-After': '7' } }));
    const http = createForgeHttpClient({ egress: FORGE_EGRESS_POLICY, clock, fetch: f.fetch });
    const res = await http.send({ method: 'POST', url: 'https://hooks.slack.com/services/T/B/x', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.response.status).toBe(429);
    expect(res.response.headers).toEqual({ 'retry-after': '7' });
    expect(res.response.body).toHaveLength(MAX_RESPONSE_CHARS);
    expect(f.calls).toEqual([{ url: 'https://hooks.slack.com/services/T/B/x', init: expect.objectContaining({ method: 'POST', body: '{}' }) }]);
  });

  it('refuses loopback, private and http:// targets before any fetch', async () => {
    const f = fakeFetch(async () => ({ status: 200, body: '' }));
    const http = createForgeHttpClient({ egress: FORGE_EGRESS_POLICY, clock, fetch: f.fetch });
    for (const url of ['https://127.0.0.1/hook', 'https://10.0.0.5/hook', 'http://example.com/hook']) {
      const res = await http.send({ method: 'POST', url, headers: {} });
      expect(res).toMatchObject({ ok: false, failure: { kind: 'egress-denied' } });
    }
    expect(f.calls).toEqual([]);
  });

  it('reports a timeout when the vendor does not answer', async () => {
    const f = fakeFetch(() => new Promise(() => undefined));
    const http = createForgeHttpClient({ egress: FORGE_EGRESS_POLICY, clock, fetch: f.fetch });
    const res = await http.send({ method: 'POST', url: 'https://discord.com/api/webhooks/1/abc', headers: {} }, { timeoutMs: 20 });
    expect(res).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('reports network errors by host only, never the (secret) URL', async () => {
    const f = fakeFetch(async (url) => {
      throw new Error(`connect ECONNREFUSED ${url}`);
    });
    const http = createForgeHttpClient({ egress: FORGE_EGRESS_POLICY, clock, fetch: f.fetch });
    const res = await http.send({ method: 'POST', url: 'https://chat.googleapis.com/v1/spaces/S/messages?key=SECRETKEY&token=SECRETTOKEN', headers: {} });
    expect(res).toMatchObject({ ok: false, failure: { kind: 'network' } });
    expect(JSON.stringify(res)).not.toContain('SECRET');
    expect(JSON.stringify(res)).toContain('chat.googleapis.com');
  });
});

describe('console logger', () => {
  it('writes one JSON line per entry and redacts secret-looking fields', () => {
    const lines: string[] = [];
    const sink = { log: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const log = createConsoleLogger({ sink, base: { handler: 'consumer' }, clock: { now: () => 0 } });
    log.info({ channel: 'ops', webhookUrl: 'https://hooks.slack.com/services/T/B/SECRET', nested: { routingKey: 'R-SECRET' } }, 'sent');
    log.debug({ hidden: true });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      time: '1970-01-01T00:00:00.000Z',
      handler: 'consumer',
      channel: 'ops',
      webhookUrl: '[redacted]',
      nested: { routingKey: '[redacted]' },
      msg: 'sent',
    });
  });
});

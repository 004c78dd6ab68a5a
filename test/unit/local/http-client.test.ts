import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFetchHttpClient } from '../../../src/adapters/local/http-client';
import type { EgressPolicy } from '../../../src/core/delivery/egress';

const localPolicy: EgressPolicy = { allowedHosts: ['hooks.slack.com'], allowLoopback: true, allowPrivate: false };

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback receiver whose answer each test decides; it records what reached it. */
async function startReceiver(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('fetch HTTP client (local runtime)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
  });
  const receiver = async (answer: (req: IncomingMessage, res: ServerResponse) => void) => {
    const r = await startReceiver(answer);
    closers.push(r.close);
    return r;
  };

  it('sends method, headers and body; returns status, headers, body and latency', async () => {
    const r = await receiver((_req, res) => res.writeHead(201, { 'x-request-id': 'abc' }).end('created'));
    const client = createFetchHttpClient({ egress: localPolicy });
    const result = await client.send({ method: 'POST', url: `${r.url}/hook`, headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.response.status).toBe(201);
    expect(result.response.headers['x-request-id']).toBe('abc');
    expect(result.response.body).toBe('created');
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(r.received).toEqual([expect.objectContaining({ method: 'POST', url: '/hook', body: '{"text":"hi"}' })]);
    expect(r.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('times out a server that never answers', async () => {
    const r = await receiver(() => undefined);
    const client = createFetchHttpClient({ egress: localPolicy });
    const result = await client.send({ method: 'POST', url: `${r.url}/slow`, headers: {}, body: 'x' }, { timeoutMs: 150 });
    expect(result).toEqual({ ok: false, failure: { kind: 'timeout', message: expect.stringContaining('150 ms') }, latencyMs: expect.any(Number) });
    expect(result.latencyMs).toBeGreaterThanOrEqual(140);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it('reports a refused connection as a network failure without the URL', async () => {
    const r = await startReceiver(() => undefined);
    await r.close(); // nothing listens on that port any more
    const client = createFetchHttpClient({ egress: localPolicy });
    const result = await client.send({ method: 'POST', url: `${r.url}/services/T000/B000/secret-token`, headers: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe('network');
    expect(result.failure.message).toBe('connection refused');
    expect(result.failure.message).not.toContain('secret-token');
  });

  it('refuses a host outside the egress policy without connecting', async () => {
    const r = await receiver((_req, res) => res.end('should not be reached'));
    const client = createFetchHttpClient({ egress: { ...localPolicy, allowLoopback: false } });
    const result = await client.send({ method: 'POST', url: `${r.url}/hook`, headers: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe('egress-denied');
    expect(result.failure.message).toMatch(/loopback/);
    expect(r.received).toHaveLength(0);

    let called = false;
    const spyClient = createFetchHttpClient({
      egress: localPolicy,
      fetchImpl: (async () => {
        called = true;
        throw new Error('unreachable');
      }) as typeof fetch,
    });
    const denied = await spyClient.send({ method: 'GET', url: 'https://evil.example.com/x', headers: {} });
    expect(denied.ok === false && denied.failure.kind).toBe('egress-denied');
    expect(called).toBe(false);
  });

  it('keeps only the first 4 KiB of a large body', async () => {
    const big = 'a'.repeat(3000) + 'b'.repeat(3000) + 'c'.repeat(1_000_000);
    const r = await receiver((_req, res) => res.writeHead(500).end(big));
    const client = createFetchHttpClient({ egress: localPolicy });
    const result = await client.send({ method: 'GET', url: `${r.url}/big`, headers: {} });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.response.status).toBe(500);
    expect(result.response.body).toBe(big.slice(0, 4096));
  });

  it('does not follow redirects: the 3xx is the answer', async () => {
    const target = await receiver((_req, res) => res.end('followed'));
    const r = await receiver((_req, res) => res.writeHead(302, { location: `${target.url}/elsewhere` }).end());
    const client = createFetchHttpClient({ egress: localPolicy });
    const result = await client.send({ method: 'POST', url: `${r.url}/hook`, headers: {}, body: 'secret payload' });
    expect(result.ok && result.response.status).toBe(302);
    expect(result.ok && result.response.headers.location).toBe(`${target.url}/elsewhere`);
    expect(target.received).toHaveLength(0);
  });
});

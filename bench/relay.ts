/**
 * The floor: a do-nothing relay on the same stack as the app (Fastify, LMDB through openLocalStore,
 * the runtime's egress-checked HTTP client). Per request: verify an HMAC over the raw bytes, parse,
 * append to the store, POST the body to the sink, answer. Anything the app does beyond this is the
 * price of alerting (normalizing, state, rules, the durable queue, the delivery log).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFetchHttpClient } from '../src/adapters/local/http-client';
import { openLocalStore, type LocalStore } from '../src/adapters/local/store/lmdb-store';

export const RELAY_SECRET = 'bench-relay-secret-0123456789abcdef';

export function signRelayBody(body: Buffer): string {
  return `sha256=${createHmac('sha256', RELAY_SECRET).update(body).digest('hex')}`;
}

export interface Relay {
  url: string;
  store: LocalStore;
  close(): Promise<void>;
}

export async function startRelay(options: { dataDir: string; sinkUrl: string }): Promise<Relay> {
  const store = openLocalStore(options.dataDir);
  const http = createFetchHttpClient({ egress: { allowedHosts: [], allowLoopback: true, allowPrivate: false, ownHosts: [] } });
  const server: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  let seq = 0;

  server.post('/forge/events', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const given = /^sha256=([0-9a-f]{64})$/.exec(String(req.headers['x-hub-signature'] ?? ''));
    const expected = createHmac('sha256', RELAY_SECRET).update(raw).digest();
    if (!given || !timingSafeEqual(Buffer.from(given[1]!, 'hex'), expected)) return reply.status(401).send({ error: 'bad signature' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.status(400).send({ error: 'malformed JSON' });
    }
    await store.set(`relay:${String(seq++).padStart(12, '0')}`, parsed);
    const sent = await http.send(
      { method: 'POST', url: `${options.sinkUrl}/relay`, headers: { 'content-type': 'application/json' }, body: raw.toString('utf8') },
      { timeoutMs: 10_000 },
    );
    return reply.status(sent.ok ? 202 : 502).send({ relayed: sent.ok });
  });

  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    store,
    async close() {
      await server.close();
      await store.close();
    },
  };
}

/**
 * The vendor stand-in: a plain node:http server on loopback that answers 200 at once and notes when
 * each alert arrived (by repository + commit), so latency is measured on one clock with the sender.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { alertKeyOf } from './events';

export interface Sink {
  url: string;
  /** Requests received. */
  count: number;
  /** alertKey → first arrival time (performance.now()). */
  arrivals: Map<string, number>;
  /** Alert types received, for the report. */
  types: Map<string, number>;
  /** When true, only `count` is kept (the memory run must not grow the sink). */
  countOnly: boolean;
  reset(): void;
  close(): Promise<void>;
}

export async function startSink(options: { countOnly?: boolean } = {}): Promise<Sink> {
  const sink: Sink = {
    url: '',
    count: 0,
    arrivals: new Map(),
    types: new Map(),
    countOnly: options.countOnly ?? false,
    reset() {
      sink.count = 0;
      sink.arrivals.clear();
      sink.types.clear();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      sink.count++;
      if (!sink.countOnly) {
        try {
          const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string };
          const key = alertKeyOf(payload);
          if (key && !sink.arrivals.has(key)) sink.arrivals.set(key, at);
          const type = payload?.type ?? 'relay';
          sink.types.set(type, (sink.types.get(type) ?? 0) + 1);
        } catch {
          /* not JSON: counted only */
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

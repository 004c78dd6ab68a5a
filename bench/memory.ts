/**
 * Memory over a long run, in a child started with `--expose-gc`: the local runtime (LMDB store,
 * durable queue, deliveries to a counting sink) fed events straight into the app's ingest entry
 * point in batches; after each sample interval everything is drained, GC is forced and the heap
 * measured. Growth is the least-squares slope of the heap after warm-up, in bytes per 1k events.
 *
 * Run: node --expose-gc bin/run-ts.js bench/memory.ts <events> <repos>; sends {memory: MemoryResult}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRuntime } from '../src/adapters/local/runtime';
import { configureRepos } from './configure';
import { EventStream } from './events';
import { startSink } from './sink';
import { silentLog } from './silent-log';
import { linearFit } from './stats';

export interface MemoryResult {
  events: number;
  warmupEvents: number;
  sampleEvery: number;
  samples: { events: number; heapUsed: number; rss: number; external: number }[];
  memoryGrowthBytesPer1kEvents: number;
  rssGrowthBytesPer1kEvents: number;
  alertsDelivered: number;
  elapsedMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (!gc) throw new Error('run with node --expose-gc');
  const total = Number(process.argv[2] ?? 100_000);
  const repos = Number(process.argv[3] ?? 100);
  const sampleEvery = 5_000;
  const warmupEvents = Math.min(20_000, Math.floor(total / 5));
  const batch = 1_000;
  const inFlight = 32;

  const sink = await startSink({ countOnly: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-mem-'));
  const runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog });
  const started = performance.now();
  const samples: MemoryResult['samples'] = [];
  try {
    await configureRepos(runtime.url, sink.url, repos);
    const stream = new EventStream(repos);
    for (let done = 0; done < total; done += batch) {
      // Parsed up front, as the HTTP route hands the app a parsed object.
      const bodies = stream.take(batch).map((e) => JSON.parse(e.body.toString('utf8')) as unknown);
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < bodies.length) await runtime.app.ingestForgeEvent(bodies[next++]);
        }),
      );
      await runtime.queue.drain(120_000);
      const processed = done + batch;
      if (processed % sampleEvery === 0) {
        gc();
        await new Promise((r) => setImmediate(r));
        gc();
        const m = process.memoryUsage();
        samples.push({ events: processed, heapUsed: m.heapUsed, rss: m.rss, external: m.external });
      }
    }
  } finally {
    await runtime.close();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const steady = samples.filter((s) => s.events > warmupEvents);
  const heap = linearFit(steady.map((s) => ({ x: s.events / 1000, y: s.heapUsed })));
  const rss = linearFit(steady.map((s) => ({ x: s.events / 1000, y: s.rss })));
  const result: MemoryResult = {
    events: total,
    warmupEvents,
    sampleEvery,
    samples,
    memoryGrowthBytesPer1kEvents: Math.round(heap.slope),
    rssGrowthBytesPer1kEvents: Math.round(rss.slope),
    alertsDelivered: sink.count,
    elapsedMs: performance.now() - started,
  };
  process.send?.({ memory: result }, () => process.exit(0));
}

main().catch((e: Error) => {
  process.send?.({ error: e.message });
  process.stderr.write(`memory run failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});

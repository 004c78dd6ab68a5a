/**
 * Memory over a long run, in a child started with `--expose-gc`: the local runtime (LMDB store,
 * durable queue, deliveries to a counting sink) fed events straight into the app's ingest entry
 * point in batches; after each sample interval everything is drained, GC is forced and the heap
 * measured. Growth is the Theil–Sen slope (median of pairwise slopes) of the heap after warm-up, in bytes per 1k events.
 *
 * Run: node --expose-gc bin/run-ts.js bench/memory.ts <events> <repos>; sends {memory: MemoryResult}.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRuntime } from '../src/adapters/local/runtime';
import { configureRepos } from './configure';
import { EventStream } from './events';
import { startSink } from './sink';
import { silentLog } from './silent-log';
import { linearFit, theilSenSlope } from './stats';

export interface MemoryResult {
  events: number;
  warmupEvents: number;
  sampleEvery: number;
  samples: { events: number; heapUsed: number; rss: number; external: number }[];
  /** Theil–Sen slope of heapUsed after warm-up. */
  memoryGrowthBytesPer1kEvents: number;
  leastSquaresBytesPer1kEvents: number;
  rssGrowthBytesPer1kEvents: number;
  alertsDelivered: number;
  /** On-disk size of the LMDB files at the end (mapped into RSS as they are touched). */
  dataDirBytes: Record<string, number>;
  elapsedMs: number;
}

/** Bytes of each LMDB file under the data dir (store/data.mdb, queue/data.mdb...). */
function lmdbSizes(dir: string, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(out, lmdbSizes(path, `${prefix}${entry.name}/`));
    else if (entry.name.endsWith('.mdb')) out[`${prefix}${entry.name}`] = statSync(path).size;
  }
  return out;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function main(): Promise<void> {
  if (!gc) throw new Error('run with node --expose-gc');
  const total = Number(process.argv[2] ?? 100_000);
  const repos = Number(process.argv[3] ?? 100);
  const sampleEvery = 2_000;
  const warmupEvents = Math.min(20_000, Math.floor(total / 5));
  const batch = 1_000;
  const inFlight = 32;

  const sink = await startSink({ countOnly: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-mem-'));
  const runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog });
  const started = performance.now();
  const samples: MemoryResult['samples'] = [];
  let dataDirBytes: Record<string, number> = {};
  let closed = false;
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
    closed = true;
    await runtime.close();
    dataDirBytes = lmdbSizes(dataDir);
  } finally {
    if (!closed) await runtime.close().catch(() => undefined);
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const steady = samples.filter((s) => s.events > warmupEvents);
  const heapPoints = steady.map((s) => ({ x: s.events / 1000, y: s.heapUsed }));
  const heap = linearFit(heapPoints);
  const rss = linearFit(steady.map((s) => ({ x: s.events / 1000, y: s.rss })));
  const result: MemoryResult = {
    events: total,
    warmupEvents,
    sampleEvery,
    samples,
    memoryGrowthBytesPer1kEvents: Math.round(theilSenSlope(heapPoints)),
    leastSquaresBytesPer1kEvents: Math.round(heap.slope),
    rssGrowthBytesPer1kEvents: Math.round(rss.slope),
    alertsDelivered: sink.count,
    dataDirBytes,
    elapsedMs: performance.now() - started,
  };
  process.send?.({ memory: result }, () => process.exit(0));
}

main().catch((e: Error) => {
  process.send?.({ error: e.message });
  process.stderr.write(`memory run failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});

/**
 * `npm run bench`: the local runtime against a loopback sink, next to a do-nothing relay on the same
 * stack; storage operations per event; memory over a long run; cold start of the backend bundle and
 * the settings page. Prints a table with each target and writes bench/results.json.
 *
 * `npm run bench -- --quick` runs smaller passes (for trying changes; the numbers are not the report).
 */
import './quiet';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { forkTs } from './child';
import { measureBackend, measureUi } from './cold-start';
import { runApp, runRelay, type E2eOptions } from './e2e';
import { MIX, REPO_ROOT } from './events';
import type { MemoryResult } from './memory';
import { startSink } from './sink';
import { round } from './stats';
import { measureStorageOps } from './storage-ops';

const quick = process.argv.includes('--quick');
const E2E: E2eOptions = quick
  ? { repos: 100, events: 2_000, warmup: 500, concurrency: 32, ratePerSec: 200, latencySeconds: 3 }
  : { repos: 100, events: 10_000, warmup: 1_000, concurrency: 32, ratePerSec: 200, latencySeconds: 10 };
const MEMORY_EVENTS = quick ? 20_000 : 100_000;
const OPS = quick ? { repos: 100, perKind: 100, mixed: 500 } : { repos: 100, perKind: 200, mixed: 1_000 };

/** Heap growth we still call bounded: 10 bytes per event, i.e. < 10 MiB after a million events (noise is ~±2 KiB per 1k). */
const MEMORY_LIMIT_PER_1K = 10 * 1024;

const log = (line: string) => process.stdout.write(`  … ${line}\n`);

/**
 * How busy the machine was (other processes compete for the same cores): 1-minute load average and
 * Linux PSI "some" CPU pressure over the last 10 s (share of time something waited for a CPU).
 */
function contention(): { loadAverage1m: number; cpuPressurePct: number | null } {
  let cpuPressurePct: number | null = null;
  if (existsSync('/proc/pressure/cpu')) {
    const m = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    cpuPressurePct = m ? Number(m[1]) : null;
  }
  return { loadAverage1m: round(loadavg()[0]!, 2), cpuPressurePct };
}

interface Target {
  name: string;
  value: string;
  target: string;
  pass: boolean | null;
}

function table(head: string[], cells: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nodeVersion: process.version,
    platform: `${process.platform} ${release()}`,
    arch: process.arch,
    totalMemoryBytes: totalmem(),
    loadAverageAtStart: loadavg().map((n) => round(n, 2)),
  };
  console.log(`Build Alerts benchmark${quick ? ' (quick)' : ''}: ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.nodeVersion}, load ${machine.loadAverageAtStart.join(' ')}`);

  const sink = await startSink();

  const busy: Record<string, ReturnType<typeof contention>> = { start: contention() };
  log('storage operations per event kind (counted store)');
  const ops = await measureStorageOps(sink, OPS);

  // The relay runs before and after the app so that a noisy neighbour skews both sides alike.
  const relayBefore = await runRelay(sink, E2E, log);
  busy.afterRelay1 = contention();
  const app = await runApp(sink, E2E, log);
  busy.afterApp = contention();
  const relayAfter = await runRelay(sink, E2E, log);
  busy.afterRelay2 = contention();
  const relayEventsPerSec = (relayBefore.relayEventsPerSec + relayAfter.relayEventsPerSec) / 2;
  await sink.close();

  log(`memory: ${MEMORY_EVENTS} events in a child with --expose-gc`);
  const memChild = forkTs('bench/memory.ts', [String(MEMORY_EVENTS), '100'], ['--expose-gc']);
  const memory = (await memChild.next<{ memory: MemoryResult }>('memory', 600_000)).memory;
  busy.afterMemory = contention();

  log('cold start: backend bundle and import');
  const backend = await measureBackend(5);
  log('cold start: settings page in Chromium');
  const ui = await measureUi(3);

  const ratio = app.throughputEventsPerSec / relayEventsPerSec;
  const results = {
    generatedAt: new Date().toISOString(),
    quick,
    machine,
    throughputEventsPerSec: round(app.throughputEventsPerSec),
    relayEventsPerSec: round(relayEventsPerSec),
    ratio: round(ratio, 3),
    p50Ms: round(app.latencyRun.p50Ms, 2),
    p99Ms: round(app.latencyRun.p99Ms, 2),
    noopWritesPerEvent: ops.noopWritesPerEvent,
    noopNonActivityWritesPerEvent: ops.noopNonActivityWritesPerEvent,
    rulesReadsPerEvent: ops.rulesReadsPerEvent,
    storageOpsPerEvent: ops.storageOpsPerEvent,
    forgeInvocationsPerEvent: ops.forgeInvocationsPerEvent,
    queueHopsPerEvent: ops.queueHopsPerEvent,
    backendBundleBytes: backend.backendBundleBytes,
    entryImportMs: round(backend.entryImportMs, 1),
    uiBundleGzipBytes: ui.uiBundleGzipBytes,
    uiFirstVisitGzipBytes: ui.uiFirstVisitGzipBytes,
    uiFirstRenderMs: ui.uiFirstRenderMs === null ? null : round(ui.uiFirstRenderMs, 1),
    memoryGrowthBytesPer1kEvents: memory.memoryGrowthBytesPer1kEvents,
    details: {
      contention: busy,
      load: { ...E2E, mixPercent: MIX },
      app,
      relay: { runs: [relayBefore, relayAfter] },
      storage: { ...OPS, noopEvents: ops.noopEvents, queueRunsByStats: ops.queueRunsByStats, countMismatches: ops.countMismatches },
      memory,
      backend,
      ui,
    },
    benchSeconds: 0,
  };

  const kb = (n: number) => `${round(n / 1024, 1)} KiB`;
  const rows: Target[] = [
    { name: 'Throughput, app (events/s)', value: String(round(app.throughputEventsPerSec)), target: '', pass: null },
    { name: 'Throughput, relay floor (events/s)', value: `${round(relayEventsPerSec)} (${round(relayBefore.relayEventsPerSec)}, ${round(relayAfter.relayEventsPerSec)})`, target: '', pass: null },
    { name: 'Ratio app / relay', value: String(round(ratio, 3)), target: '≥ 0.5', pass: ratio >= 0.5 },
    { name: `Event→sink p50 at ${E2E.ratePerSec}/s (ms)`, value: String(round(app.latencyRun.p50Ms, 1)), target: '', pass: null },
    { name: `Event→sink p99 at ${E2E.ratePerSec}/s (ms)`, value: String(round(app.latencyRun.p99Ms, 1)), target: '< 50', pass: app.latencyRun.p99Ms < 50 && app.latencyRun.missing === 0 },
    { name: 'Alerts delivered / expected', value: `${app.throughputRun.alertsReceived + app.latencyRun.alerts} / ${app.throughputRun.alertsExpected + app.latencyRun.alerts + app.latencyRun.missing}`, target: 'all', pass: app.throughputRun.closedLoopLatency.missing === 0 && app.latencyRun.missing === 0 },
    { name: 'Writes per no-op event (all; 1 is its activity entry, by design)', value: String(round(ops.noopWritesPerEvent, 3)), target: '', pass: null },
    { name: 'Writes per no-op event besides its activity entry', value: String(round(ops.noopNonActivityWritesPerEvent, 3)), target: '0', pass: ops.noopNonActivityWritesPerEvent === 0 },
    { name: 'Forge invocations per alerting build status', value: String(ops.forgeInvocationsPerEvent['build-alert']), target: '≤ 2', pass: ops.forgeInvocationsPerEvent['build-alert'] <= 2 },
    { name: 'Rules reads per event', value: String(round(ops.rulesReadsPerEvent, 3)), target: '≤ 1', pass: ops.rulesReadsPerEvent <= 1 },
    { name: 'Heap growth per 1k events (Theil–Sen)', value: `${memory.memoryGrowthBytesPer1kEvents} B`, target: `≤ ${kb(MEMORY_LIMIT_PER_1K)}`, pass: memory.memoryGrowthBytesPer1kEvents <= MEMORY_LIMIT_PER_1K },
    { name: 'Backend bundle (minified)', value: kb(backend.backendBundleBytes), target: '', pass: null },
    { name: 'Backend entry import (ms, median of 5)', value: String(round(backend.entryImportMs, 1)), target: '', pass: null },
    { name: 'Settings UI js+css (gzip)', value: `${kb(ui.uiBundleGzipBytes)} (first visit loads ${kb(ui.uiFirstVisitGzipBytes)})`, target: '', pass: null },
    { name: 'Settings UI first render (ms)', value: ui.uiFirstRenderMs === null ? `n/a: ${ui.uiError ?? ''}` : String(round(ui.uiFirstRenderMs, 1)), target: '', pass: null },
  ];

  const kinds = Object.entries(ops.storageOpsPerEvent).map(([kind, o]) =>
    [kind, o.reads, o.readKeys, o.writes, o.activityWrites, o.writeKeys, o.queries, o.secretReads, o.queuePushes, o.rulesReads, o.forgeInvocations, o.queueHops, o.consumerRetries, o.alerts].map(String),
  );

  results.benchSeconds = round((performance.now() - started) / 1000, 1);
  writeFileSync(join(REPO_ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log('');
  console.log(table(['Measure', 'Value', 'Target', 'Result'], rows.map((r) => [r.name, r.value, r.target, r.pass === null ? '' : r.pass ? 'PASS' : 'FAIL'])));
  console.log('');
  console.log('Storage operations per event (ingest + evaluate + the deliveries it causes):');
  console.log(table(['Event kind', 'reads', 'read keys', 'writes', 'activity writes', 'write keys', 'queries', 'secret reads', 'queue pushes', 'rules reads', 'invocations', 'queue hops', 'retries', 'alerts'], kinds));
  if (ops.countMismatches.length) console.log(`Invocation counts disagree with the queue's counters: ${ops.countMismatches.join('; ')}`);
  console.log('');
  console.log(`Latency detail: ${app.latencyRun.alerts} alerts at ${round(app.latencyRun.achievedRatePerSec)} events/s, max ${round(app.latencyRun.maxMs, 1)} ms. Closed loop (backlog) p50 ${round(app.throughputRun.closedLoopLatency.p50Ms)} ms.`);
  console.log(`Memory: heap after GC ${memory.samples.map((s) => round(s.heapUsed / 1048576, 1)).join(', ')} MiB every ${memory.sampleEvery} events.`);
  const lmdbBytes = Object.values(memory.dataDirBytes).reduce((a, b) => a + b, 0);
  console.log(`  RSS grows ${round(memory.rssGrowthBytesPer1kEvents / 1024)} KiB per 1k events: LMDB pages mapped in; the data files reached ${round(lmdbBytes / 1048576, 1)} MiB after ${memory.events} events (${memory.alertsDelivered} alerts; delivery log entries are kept 14 days).`);
  const worst = Math.max(...Object.values(busy).map((b) => b.cpuPressurePct ?? 0));
  const load = Math.max(...Object.values(busy).map((b) => b.loadAverage1m));
  console.log(`Machine contention: load average up to ${load} on ${machine.cores} cores, CPU pressure (PSI some, 10 s) up to ${worst}%.`);
  if (load > machine.cores || worst > 20) console.log('  The machine was busy with other work: latency and throughput are lower bounds; rerun on a quiet machine to compare.');
  console.log(`Wrote bench/results.json in ${results.benchSeconds} s.`);
  const failed = rows.filter((r) => r.pass === false);
  if (failed.length) console.log(`Missed: ${failed.map((r) => r.name).join('; ')}`);
}

main().catch((e: Error) => {
  process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});

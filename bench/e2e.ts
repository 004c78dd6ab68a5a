/**
 * End to end over HTTP: the app (local runtime in a child process) and the do-nothing relay fed the
 * same events by the same load generator; alerts land on the loopback sink in this process.
 */
import { performance } from 'node:perf_hooks';
import { forkTs, type Child } from './child';
import { configureRepos } from './configure';
import { EventStream, type BenchEvent, type EventKind } from './events';
import { closedLoop, openLoop, type LoadRequest, type LoadResult } from './load';
import { signRelayBody } from './relay';
import type { Sink } from './sink';
import { percentile } from './stats';

export interface E2eOptions {
  repos: number;
  events: number;
  warmup: number;
  concurrency: number;
  ratePerSec: number;
  latencySeconds: number;
}

export interface LatencyStats {
  alerts: number;
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface AppRunResult {
  throughputEventsPerSec: number;
  throughputRun: {
    events: number;
    /** First send until the queue drained (every alert delivered and recorded). */
    elapsedMs: number;
    /** First send until the last HTTP answer (ingest only). */
    ackedMs: number;
    statuses: Record<string, number>;
    alertsExpected: number;
    alertsReceived: number;
    byKind: Record<string, number>;
    /** Event-to-sink latency under the closed loop (a backlog builds up: not the latency target). */
    closedLoopLatency: LatencyStats;
  };
  latencyRun: { ratePerSec: number; events: number; achievedRatePerSec: number; statuses: Record<string, number> } & LatencyStats;
}

export interface RelayRunResult {
  relayEventsPerSec: number;
  events: number;
  elapsedMs: number;
  statuses: Record<string, number>;
  sinkReceived: number;
}

async function startSut(args: string[]): Promise<{ child: Child; url: string }> {
  const child = forkTs('bench/sut.ts', args);
  const ready = await child.next<{ url: string }>('ready', 60_000);
  return { child, url: ready.url };
}

const asRequests = (events: readonly BenchEvent[], sign = false): LoadRequest[] =>
  events.map((e) => ({ body: e.body, headers: sign ? { 'x-hub-signature': signRelayBody(e.body) } : undefined }));

function latencies(events: readonly BenchEvent[], sentAt: Map<number, number>, sink: Sink): LatencyStats {
  const values: number[] = [];
  let missing = 0;
  events.forEach((e, i) => {
    if (!e.alertKey) return;
    const arrived = sink.arrivals.get(e.alertKey);
    const sent = sentAt.get(i);
    if (arrived === undefined || sent === undefined) missing++;
    else values.push(arrived - sent);
  });
  return { alerts: values.length, missing, p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: values.length ? Math.max(...values) : Number.NaN };
}

const countKinds = (events: readonly BenchEvent[]): Record<string, number> => {
  const out: Partial<Record<EventKind, number>> = {};
  for (const e of events) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
};

/** The app: throughput (closed loop) then latency (open loop), on one runtime, after a warm-up. */
export async function runApp(sink: Sink, options: E2eOptions, progress: (line: string) => void): Promise<AppRunResult> {
  const app = await startSut(['app']);
  try {
    await configureRepos(app.url, sink.url, options.repos);
    const stream = new EventStream(options.repos);
    const target = `${app.url}/forge/events`;
    const drain = () => app.child.request({ cmd: 'drain' }, 'drained');

    progress(`app: warm-up with ${options.warmup} events`);
    await closedLoop(target, asRequests(stream.take(options.warmup)), options.concurrency);
    await drain();

    sink.reset();
    const events = stream.take(options.events);
    const sentAt = new Map<number, number>();
    progress(`app: ${options.events} events, closed loop, ${options.concurrency} in flight`);
    const started = performance.now();
    const load: LoadResult = await closedLoop(target, asRequests(events), options.concurrency, (i, at) => sentAt.set(i, at));
    await drain();
    const elapsedMs = performance.now() - started;
    const throughputRun: AppRunResult['throughputRun'] = {
      events: options.events,
      elapsedMs,
      ackedMs: load.elapsedMs,
      statuses: load.statuses,
      alertsExpected: events.filter((e) => e.alertKey).length,
      alertsReceived: sink.count,
      byKind: countKinds(events),
      closedLoopLatency: latencies(events, sentAt, sink),
    };

    sink.reset();
    const latencyEvents = stream.take(Math.round(options.ratePerSec * options.latencySeconds));
    const latencySent = new Map<number, number>();
    progress(`app: ${latencyEvents.length} events, open loop at ${options.ratePerSec}/s`);
    const openLoad = await openLoop(target, asRequests(latencyEvents), options.ratePerSec, (i, at) => latencySent.set(i, at));
    await drain();
    return {
      throughputEventsPerSec: options.events / (elapsedMs / 1000),
      throughputRun,
      latencyRun: {
        ratePerSec: options.ratePerSec,
        events: latencyEvents.length,
        achievedRatePerSec: latencyEvents.length / (openLoad.elapsedMs / 1000),
        statuses: openLoad.statuses,
        ...latencies(latencyEvents, latencySent, sink),
      },
    };
  } finally {
    await app.child.request({ cmd: 'stop' }, 'stopped', 30_000).catch(() => app.child.kill());
  }
}

/** The relay: the same events (same seed) through the same load generator; done when the last answer arrives. */
export async function runRelay(sink: Sink, options: E2eOptions, progress: (line: string) => void): Promise<RelayRunResult> {
  sink.reset();
  const relay = await startSut(['relay', sink.url]);
  try {
    const stream = new EventStream(options.repos);
    const target = `${relay.url}/forge/events`;
    progress(`relay: warm-up with ${options.warmup} events`);
    await closedLoop(target, asRequests(stream.take(options.warmup), true), options.concurrency);
    sink.reset();
    const requests = asRequests(stream.take(options.events), true);
    progress(`relay: ${options.events} events, closed loop, ${options.concurrency} in flight`);
    const load = await closedLoop(target, requests, options.concurrency);
    return { relayEventsPerSec: options.events / (load.elapsedMs / 1000), events: options.events, elapsedMs: load.elapsedMs, statuses: load.statuses, sinkReceived: sink.count };
  } finally {
    await relay.child.request({ cmd: 'stop' }, 'stopped', 30_000).catch(() => relay.child.kill());
  }
}

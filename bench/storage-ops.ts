/**
 * Storage operations per event, by event kind: the local runtime with its store wrapped in
 * countingStore (and the queue in a push counter), fed N events of one kind at a time over HTTP,
 * drained, counted. Covers the whole path: ingest, evaluate and the deliveries it queues.
 *
 * Forge invocations are counted too, at the App entry points the manifest handlers call: one trigger
 * invocation per `ingestForgeEvent` call, one consumer invocation per `handleJob` call (every queue job
 * run, retries included). Queue hops are the queued jobs that then ran (a job's first run); the
 * durable queue's own counters (completed + retried + dead) cross-check the consumer count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../src/adapters/local/runtime';
import { countingStore, type StorageCounts } from '../src/core/counting-store';
import type { KeyValueStore, Queue, QueueJob, SecretStore } from '../src/core/ports';
import { PREFIX } from '../src/core/storage-keys';
import { configureRepos } from './configure';
import { EVENT_KINDS, EventStream, type BenchEvent, type EventKind } from './events';
import { closedLoop } from './load';
import type { Sink } from './sink';
import { silentLog } from './silent-log';

export interface OpsPerEvent {
  events: number;
  reads: number;
  readKeys: number;
  writes: number;
  writeKeys: number;
  queries: number;
  secretReads: number;
  secretWrites: number;
  queuePushes: number;
  queueJobs: number;
  rulesReads: number;
  /** Write calls whose keys are all activity entries (the per-event "why did or didn't this alert" record). */
  activityWrites: number;
  /** Trigger invocations (one per ingested event) + consumer invocations (one per queue job run, retries included). */
  forgeInvocations: number;
  triggerInvocations: number;
  consumerInvocations: number;
  /** Consumer runs that were retries (attempt > 1). */
  consumerRetries: number;
  /** Queued jobs that then ran: one hop per job, counted at its first run. */
  queueHops: number;
  alerts: number;
}

export interface StorageOpsResult {
  storageOpsPerEvent: Record<EventKind | 'mixed', OpsPerEvent>;
  noopWritesPerEvent: number;
  /** Writes per no-op event other than its activity entry. */
  noopNonActivityWritesPerEvent: number;
  noopEvents: number;
  rulesReadsPerEvent: number;
  forgeInvocationsPerEvent: Record<EventKind | 'mixed', number>;
  queueHopsPerEvent: Record<EventKind | 'mixed', number>;
  /** Consumer runs seen by the durable queue's counters per pass; must equal consumerInvocations × events. */
  queueRunsByStats: Record<EventKind | 'mixed', number>;
  /** Where the invocation counts and the queue's own counters disagree (empty when they agree). */
  countMismatches: string[];
}

interface Tally {
  rulesReads: number;
  queuePushes: number;
  queueJobs: number;
  activityWrites: number;
  triggers: number;
  jobRuns: number;
  jobRetries: number;
}

const zeroTally = (): Tally => ({ rulesReads: 0, queuePushes: 0, queueJobs: 0, activityWrites: 0, triggers: 0, jobRuns: 0, jobRetries: 0 });

/**
 * Counts reads whose keys include a rules document (a batched read counts once), and write calls
 * whose keys are all activity entries.
 */
function tapRulesReads(store: KeyValueStore & SecretStore, tally: Tally): KeyValueStore & SecretStore {
  const isRules = (k: string) => k.startsWith(PREFIX.rules);
  const isActivity = (k: string) => k.startsWith(PREFIX.activity);
  const activityOnly = (keys: string[]) => keys.length > 0 && keys.every(isActivity);
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'set' || prop === 'delete') {
        return (key: string, ...rest: unknown[]) => {
          if (isActivity(key)) tally.activityWrites++;
          return (target[prop] as (...a: unknown[]) => Promise<void>).call(target, key, ...rest);
        };
      }
      if (prop === 'setMany') {
        return (entries: readonly { key: string }[]) => {
          if (activityOnly(entries.map((e) => e.key))) tally.activityWrites++;
          return target.setMany(entries as Parameters<typeof target.setMany>[0]);
        };
      }
      if (prop === 'transact') {
        return (ops: Parameters<typeof target.transact>[0]) => {
          const written = ops.filter((op) => op.op !== 'check').map((op) => (op as { key: string }).key);
          if (activityOnly(written)) tally.activityWrites++;
          return target.transact(ops);
        };
      }
      if (prop === 'getMany') {
        return (keys: readonly string[]) => {
          if (keys.some(isRules)) tally.rulesReads++;
          return target.getMany(keys);
        };
      }
      if (prop === 'get') {
        return (key: string) => {
          if (isRules(key)) tally.rulesReads++;
          return target.get(key);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function countingQueue(queue: Queue, tally: Tally): Queue {
  return {
    push(jobs: readonly QueueJob[]) {
      tally.queuePushes++;
      tally.queueJobs += jobs.length;
      return queue.push(jobs);
    },
  };
}

const per = (c: StorageCounts, t: Tally, alerts: number, events: number): OpsPerEvent => {
  const d = (n: number) => Math.round((n / events) * 1000) / 1000;
  return {
    events,
    reads: d(c.reads),
    readKeys: d(c.readKeys),
    writes: d(c.writes),
    writeKeys: d(c.writeKeys),
    queries: d(c.queries),
    secretReads: d(c.secretReads),
    secretWrites: d(c.secretWrites),
    queuePushes: d(t.queuePushes),
    queueJobs: d(t.queueJobs),
    rulesReads: d(t.rulesReads),
    activityWrites: d(t.activityWrites),
    forgeInvocations: d(t.triggers + t.jobRuns),
    triggerInvocations: d(t.triggers),
    consumerInvocations: d(t.jobRuns),
    consumerRetries: d(t.jobRetries),
    queueHops: d(t.jobRuns - t.jobRetries),
    alerts: d(alerts),
  };
};

export async function measureStorageOps(sink: Sink, options: { repos: number; perKind: number; mixed: number }): Promise<StorageOpsResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-ops-'));
  const tally: Tally = zeroTally();
  let counted: ReturnType<typeof countingStore> | null = null;
  const runtime = await startRuntime({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    log: silentLog,
    wrapDeps: (deps) => {
      counted = countingStore(tapRulesReads(deps.store as KeyValueStore & SecretStore, tally));
      return { ...deps, store: counted, secrets: counted, queue: countingQueue(deps.queue, tally) };
    },
  });
  const counts = counted as unknown as ReturnType<typeof countingStore>;
  // The manifest's trigger and consumer handlers call these App methods once per invocation.
  const app = runtime.app;
  const ingest = app.ingestForgeEvent.bind(app);
  const handleJob = app.handleJob.bind(app);
  app.ingestForgeEvent = (event) => {
    tally.triggers++;
    return ingest(event);
  };
  app.handleJob = (body, meta) => {
    tally.jobRuns++;
    if (meta.attempt > 1) tally.jobRetries++;
    return handleJob(body, meta);
  };
  const queueRuns = () => {
    const s = runtime.queue.stats();
    return s.completed + s.retried + s.dead;
  };
  let runsAtReset = 0;
  const reset = () => {
    counts.reset();
    Object.assign(tally, zeroTally());
    runsAtReset = queueRuns();
    sink.reset();
  };
  const target = `${runtime.url}/forge/events`;
  const feed = async (events: BenchEvent[]) => {
    await closedLoop(target, events.map((e) => ({ body: e.body })), 8);
    await runtime.queue.drain(120_000);
  };

  try {
    await configureRepos(runtime.url, sink.url, options.repos);
    const stream = new EventStream(options.repos);
    // Warm-up: every repository, branch and build key seen once, so later passes measure steady state.
    const branches = 3;
    for (const kind of ['build-alert', 'build-noop', 'deployment', 'push', 'pullrequest'] as const) {
      await feed(stream.take(options.repos * branches, kind));
    }

    const out: Partial<Record<EventKind | 'mixed', OpsPerEvent>> = {};
    const runsByStats: Partial<Record<EventKind | 'mixed', number>> = {};
    const mismatches: string[] = [];
    const pass = async (kind: EventKind | 'mixed', events: BenchEvent[]) => {
      reset();
      await feed(events);
      out[kind] = per(counts.snapshot(), tally, sink.count, events.length);
      runsByStats[kind] = queueRuns() - runsAtReset;
      if (runsByStats[kind] !== tally.jobRuns) mismatches.push(`${kind}: the queue ran ${runsByStats[kind]} jobs, the consumer was invoked ${tally.jobRuns} times`);
      if (tally.triggers !== events.length) mismatches.push(`${kind}: ${events.length} events posted, ${tally.triggers} trigger invocations`);
    };
    for (const kind of EVENT_KINDS) await pass(kind, stream.take(options.perKind, kind));
    await pass('mixed', stream.take(options.mixed));
    const byKind = (f: (o: OpsPerEvent) => number) =>
      Object.fromEntries(Object.entries(out).map(([k, o]) => [k, f(o)])) as Record<EventKind | 'mixed', number>;

    const noopKinds = ['build-noop', 'duplicate', 'build-inprogress'] as const;
    const noopEvents = noopKinds.length * options.perKind;
    const noopWrites = noopKinds.reduce((sum, k) => sum + (out[k]!.writes + out[k]!.secretWrites) * options.perKind, 0);
    const noopActivity = noopKinds.reduce((sum, k) => sum + out[k]!.activityWrites * options.perKind, 0);
    return {
      storageOpsPerEvent: out as Record<EventKind | 'mixed', OpsPerEvent>,
      noopWritesPerEvent: Math.round((noopWrites / noopEvents) * 1000) / 1000,
      noopNonActivityWritesPerEvent: Math.round(((noopWrites - noopActivity) / noopEvents) * 1000) / 1000,
      noopEvents,
      rulesReadsPerEvent: out.mixed!.rulesReads,
      forgeInvocationsPerEvent: byKind((o) => o.forgeInvocations),
      queueHopsPerEvent: byKind((o) => o.queueHops),
      queueRunsByStats: runsByStats as Record<EventKind | 'mixed', number>,
      countMismatches: mismatches,
    };
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

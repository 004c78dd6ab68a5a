/**
 * Storage operations per event, by event kind: the local runtime with its store wrapped in
 * countingStore (and the queue in a push counter), fed N events of one kind at a time over HTTP,
 * drained, counted. Covers the whole path: ingest, evaluate and the deliveries it queues.
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
  alerts: number;
}

export interface StorageOpsResult {
  storageOpsPerEvent: Record<EventKind | 'mixed', OpsPerEvent>;
  noopWritesPerEvent: number;
  noopEvents: number;
  rulesReadsPerEvent: number;
}

interface Tally {
  rulesReads: number;
  queuePushes: number;
  queueJobs: number;
}

/** Counts reads whose keys include a rules document (a batched read counts once). */
function tapRulesReads(store: KeyValueStore & SecretStore, tally: Tally): KeyValueStore & SecretStore {
  const isRules = (k: string) => k.startsWith(PREFIX.rules);
  return new Proxy(store, {
    get(target, prop, receiver) {
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
    alerts: d(alerts),
  };
};

export async function measureStorageOps(sink: Sink, options: { repos: number; perKind: number; mixed: number }): Promise<StorageOpsResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-ops-'));
  const tally: Tally = { rulesReads: 0, queuePushes: 0, queueJobs: 0 };
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
  const reset = () => {
    counts.reset();
    tally.rulesReads = 0;
    tally.queuePushes = 0;
    tally.queueJobs = 0;
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
    for (const kind of EVENT_KINDS) {
      reset();
      await feed(stream.take(options.perKind, kind));
      out[kind] = per(counts.snapshot(), tally, sink.count, options.perKind);
    }
    reset();
    await feed(stream.take(options.mixed));
    out.mixed = per(counts.snapshot(), tally, sink.count, options.mixed);

    const noopKinds = ['build-noop', 'duplicate', 'build-inprogress'] as const;
    const noopEvents = noopKinds.length * options.perKind;
    const noopWrites = noopKinds.reduce((sum, k) => sum + (out[k]!.writes + out[k]!.secretWrites) * options.perKind, 0);
    return {
      storageOpsPerEvent: out as Record<EventKind | 'mixed', OpsPerEvent>,
      noopWritesPerEvent: noopWrites / noopEvents,
      noopEvents,
      rulesReadsPerEvent: out.mixed.rulesReads,
    };
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

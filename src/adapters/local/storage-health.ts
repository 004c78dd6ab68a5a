/**
 * What the local runtime does when the disk under its data dir fails a write (ENOSPC, EIO, quota,
 * read-only remount): the process stays up, the fault is reported on /healthz, and no work is lost
 * or done twice.
 *
 * - A write made while answering a request (ingest, settings page) fails fast with
 *   `StorageUnavailableError`: the server answers 503 and the sender retries later.
 * - A write made by a queue job (or a timer) waits and is retried until it commits. A delivery job
 *   sends first and records afterwards; failing its record would run the job again and send the
 *   alert twice, so the record waits for the disk instead, and the queue takes no new job meanwhile.
 * - While a fault is set, a probe write every `retryMs` finds out when writes work again.
 *
 * lmdb-js reports a failed commit as `Error('Commit failed (see commitError for details)')` whose
 * `commitError` promise carries the errno (lmdb/dist/index.cjs `rejectCommit`); nobody else handles
 * that promise, so an unhandled rejection (and with Node's default, the end of the process) followed
 * every full disk. `storageFaultOf` reads and handles it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface StorageFault {
  /** ENOSPC, EIO, EDQUOT, EROFS, EFBIG or MDB_MAP_FULL. */
  code: string;
  message: string;
  /** Which database failed: `store`, `queue` or `probe`. */
  where: string;
  since: string;
}

/** A write refused because the disk is failing; thrown only to request handlers (fail-fast scope). */
export class StorageUnavailableError extends Error {
  readonly code = 'STORAGE_UNAVAILABLE';
  constructor(readonly fault: StorageFault) {
    super(`storage is failing (${fault.code}: ${fault.message})`);
    this.name = 'StorageUnavailableError';
  }
}

const ERRNO: Record<number, string> = { 28: 'ENOSPC', 5: 'EIO', 122: 'EDQUOT', 30: 'EROFS', 27: 'EFBIG' };
const CODES = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EFBIG', 'MDB_MAP_FULL']);
const MESSAGES: [RegExp, string][] = [
  [/no space left on device/i, 'ENOSPC'],
  [/input\/output error/i, 'EIO'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/read-only file system/i, 'EROFS'],
  [/MDB_MAP_FULL/, 'MDB_MAP_FULL'],
];

function classify(e: unknown): { code: string; message: string } | null {
  if (!e || typeof e !== 'object') return null;
  const err = e as { code?: unknown; errno?: unknown; message?: unknown };
  const message = typeof err.message === 'string' ? err.message.split('\n')[0]!.slice(0, 200) : 'write failed';
  if (typeof err.code === 'string' && CODES.has(err.code)) return { code: err.code, message };
  const num = typeof err.code === 'number' ? err.code : typeof err.errno === 'number' ? Math.abs(err.errno) : NaN;
  if (ERRNO[num]) return { code: ERRNO[num]!, message };
  for (const [re, code] of MESSAGES) if (re.test(message)) return { code, message };
  return null;
}

/** The disk fault behind a failed write, or null for any other error. Handles lmdb's `commitError`. */
export async function storageFaultOf(e: unknown): Promise<{ code: string; message: string } | null> {
  const commitError = (e as { commitError?: unknown } | null)?.commitError;
  if (commitError && typeof (commitError as Promise<unknown>).then === 'function') {
    const cause = await (commitError as Promise<unknown>).then(
      () => null,
      (x: unknown) => x,
    );
    return classify(cause) ?? { code: 'EIO', message: 'database commit failed' };
  }
  return classify(e);
}

export interface StorageHealthOptions {
  log: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** How often a waiting write and the probe retry. Default 2 s. */
  retryMs?: number;
  /** Tests: an error to fail a write with instead of running it (simulated full disk). */
  writeFault?: (where: string) => Error | null;
}

export interface StorageHealth {
  readonly fault: StorageFault | null;
  /**
   * Runs a write. On a disk fault: in a request (see `failFast`) throws StorageUnavailableError;
   * elsewhere waits and retries until it commits (or the runtime closes). `retry: false` tries once
   * (housekeeping writes that may simply be lost).
   */
  write<T>(where: string, op: () => Promise<T>, options?: { retry?: boolean }): Promise<T>;
  /** Runs `fn` as request handling: its writes fail fast. */
  failFast<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` outside any request scope (queue jobs started while a request pushes them). */
  background<T>(fn: () => T): T;
  /** Writes the probe functions use to find out when the disk works again. */
  addProbe(probe: () => Promise<void>): void;
  onChange(listener: (fault: StorageFault | null) => void): void;
  /** Stops waiting writes (they reject) and the probe. */
  close(): void;
}

/** A pass-through for code that runs without a runtime (CLI commands): faults are classified, nothing waits. */
export const directWrites: Pick<StorageHealth, 'write' | 'background' | 'addProbe'> = {
  write: async (_where, op) => {
    try {
      return await op();
    } catch (e) {
      const f = await storageFaultOf(e);
      if (f) throw Object.assign(new Error(`storage is failing (${f.code}: ${f.message})`), { code: f.code });
      throw e;
    }
  },
  background: (fn) => fn(),
  addProbe: () => undefined,
};

export function createStorageHealth(options: StorageHealthOptions): StorageHealth {
  const { log } = options;
  const retryMs = options.retryMs ?? 2000;
  const scope = new AsyncLocalStorage<{ failFast: boolean }>();
  const listeners: ((fault: StorageFault | null) => void)[] = [];
  const probes: (() => Promise<void>)[] = [];
  const sleepers = new Set<() => void>();
  let fault: StorageFault | null = null;
  let closed = false;
  let probeTimer: NodeJS.Timeout | null = null;

  const set = (next: StorageFault | null): void => {
    if ((fault === null) === (next === null)) {
      if (next) fault = { ...next, since: fault!.since };
      return;
    }
    fault = next;
    if (next) {
      log.error({ code: next.code, where: next.where, err: next.message }, 'storage write failed; ingest answers 503 and the queue is paused until writes succeed');
      for (const l of listeners) l(next);
      armProbe();
      return;
    }
    log.info({}, 'storage writes succeed again; queue resumed');
    // Waiting writes go first, then new work: a new job must not write a key before an older write lands.
    for (const wake of [...sleepers]) wake();
    setImmediate(() => {
      if (!fault) for (const l of listeners) l(null);
    });
  };

  const report = (where: string, f: { code: string; message: string }): StorageFault => {
    set({ code: f.code, message: f.message, where, since: new Date().toISOString() });
    return fault!;
  };

  const sleep = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, retryMs);
      function done() {
        clearTimeout(t);
        sleepers.delete(done);
        resolve();
      }
      sleepers.add(done);
    });

  /** One try: the injected fault first, then the real write. */
  const once = async <T>(where: string, op: () => Promise<T>): Promise<T> => {
    const injected = options.writeFault?.(where);
    if (injected) throw injected;
    return op();
  };

  const probe = async (): Promise<void> => {
    probeTimer = null;
    if (closed || !fault) return;
    try {
      await once('probe', async () => {
        for (const p of probes) await p();
      });
      set(null);
    } catch (e) {
      const f = await storageFaultOf(e);
      if (f) report(fault?.where ?? 'probe', f);
      else log.warn({ err: (e as Error).message }, 'storage probe failed');
      armProbe();
    }
  };

  function armProbe(): void {
    if (probeTimer || closed) return;
    probeTimer = setTimeout(() => void probe(), retryMs);
    probeTimer.unref();
  }

  return {
    get fault() {
      return fault;
    },

    async write<T>(where: string, op: () => Promise<T>, writeOptions?: { retry?: boolean }): Promise<T> {
      for (;;) {
        try {
          const result = await once(where, op);
          if (fault) set(null);
          return result;
        } catch (e) {
          const f = await storageFaultOf(e);
          if (!f) throw e;
          const current = report(where, f);
          if (closed || writeOptions?.retry === false || scope.getStore()?.failFast) throw new StorageUnavailableError(current);
          await sleep();
          if (closed) throw new StorageUnavailableError(current);
        }
      }
    },

    failFast: (fn) => scope.run({ failFast: true }, fn),
    background: (fn) => scope.run({ failFast: false }, fn),
    addProbe: (p) => void probes.push(p),
    onChange: (l) => void listeners.push(l),

    close(): void {
      closed = true;
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = null;
      for (const wake of [...sleepers]) wake();
    },
  };
}

/**
 * The local runtime's KeyValueStore and SecretStore: one LMDB environment under `<dataDir>/store`, with plain
 * entries and secrets in separate sub-databases (a query cannot reach a secret). It reproduces the Forge KVS
 * contract (see core/kvs-rules.ts) so code that works here works on Forge.
 *
 * Durability: lmdb-js resolves a write promise once its transaction is committed. A committed transaction is in
 * the OS page cache, so it survives `kill -9` of this process; with lmdb's default `overlappingSync` the fsync
 * follows shortly after (https://github.com/kriszyp/lmdb-js#overlappingsync). `noSync` is never used.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import type { Clock, KeyValueStore, QueryOptions, QueryPage, SecretStore, SetOptions, StoredEntry, TransactionOp } from '../../../core/ports';
import { StorageContractError, TransactionConflictError } from '../../../core/ports';
import {
  assertValidKey,
  assertValidPrefix,
  assertValidTtl,
  jsonRoundTrip,
  resolveQueryLimit,
  toStoredJson,
  validateTransaction,
} from '../../../core/kvs-rules';
import { directWrites, type StorageHealth } from '../storage-health';
import { prepareLmdbDir } from './private-files';

export interface LocalStore extends KeyValueStore, SecretStore {
  /** Deletes every expired entry now (expired entries are already invisible); returns how many were removed. */
  sweepExpired(): Promise<number>;
  /** Waits for pending writes, then closes the environment. */
  close(): Promise<void>;
}

export interface LocalStoreOptions {
  /** Decides when TTL entries expire; tests pass a fake clock. */
  clock?: Clock;
  /** Sweep expired entries on this interval (ms); 0 or absent: only lazily, when an expired entry is read. */
  sweepIntervalMs?: number;
  /** Disk-fault handling (storage-health.ts); default: writes are tried once. */
  health?: Pick<StorageHealth, 'write' | 'addProbe'>;
}

/**
 * Stored form: `<expiresAtMs or empty>\n<JSON>`. Keeping the value as JSON text (not msgpack) makes values round-trip
 * exactly as they do through KVS (Dates become strings, undefined fields vanish) and makes the size check honest.
 */
type Row = { expiresAt: number | null; json: string };
const encodeRow = (json: string, expiresAt: number | null): string => `${expiresAt ?? ''}\n${json}`;
const decodeRow = (raw: string): Row => {
  const nl = raw.indexOf('\n');
  const head = raw.slice(0, nl);
  return { expiresAt: head === '' ? null : Number(head), json: raw.slice(nl + 1) };
};

/** Cursor: the last key returned, with the query it belongs to, so a cursor cannot be replayed on another prefix. */
interface CursorState {
  k: string;
  p: string;
  r: 0 | 1;
}
const encodeCursor = (state: CursorState): string => Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
function decodeCursor(cursor: string, prefix: string, reverse: boolean): CursorState {
  let state: CursorState | undefined;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
  } catch {
    state = undefined;
  }
  if (!state || typeof state.k !== 'string' || state.p !== prefix || state.r !== (reverse ? 1 : 0)) {
    throw new StorageContractError('query cursor is not valid for this query (cursors are opaque and tied to prefix and order)');
  }
  return state;
}

/** Above every character a valid key can hold (ASCII plus `\s`, which stays in the BMP), in LMDB's UTF-8 order. */
const PREFIX_END = '\uffff';

export function openLocalStore(dataDir: string, options: LocalStoreOptions = {}): LocalStore {
  const clock = options.clock ?? { now: () => Date.now() };
  const health = options.health ?? directWrites;
  const path = join(dataDir, 'store');
  prepareLmdbDir(path);
  // eventTurnBatching off: with it, lmdb-js (3.5) keeps an internal promise per event-turn batch that
  // rejects unhandled when the commit fails (a full disk ended the process). Writes still batch.
  const root: RootDatabase = open({ path, maxDbs: 4, eventTurnBatching: false });
  const data: Database<string, string> = root.openDB<string, string>({ name: 'kv', encoding: 'string' });
  const secrets: Database<string, string> = root.openDB<string, string>({ name: 'secrets', encoding: 'string' });
  const healthDb: Database<string, string> = root.openDB<string, string>({ name: 'health', encoding: 'string' });
  const pending = new Set<Promise<unknown>>();
  let closed = false;

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p)).catch(() => undefined);
    return p;
  };
  /** A write through the disk-fault handling (a failing disk waits or fails fast; see storage-health.ts). */
  const write = <T>(op: () => Promise<T>, retry = true): Promise<T> => track(health.write('store', op, { retry }));
  // A write that needs a few fresh pages: it fails while the disk is full even when LMDB could reuse freed ones.
  health.addProbe(async () => {
    if (!closed) await healthDb.put('probe', `${Date.now()}\n${'.'.repeat(16_384)}`);
  });
  const assertOpen = (): void => {
    if (closed) throw new Error('local store is closed');
  };
  const isExpired = (row: Row, now = clock.now()): boolean => row.expiresAt !== null && row.expiresAt <= now;
  const expiresAt = (ttlSeconds: number | undefined): number | null => (ttlSeconds === undefined ? null : clock.now() + ttlSeconds * 1000);

  /** Removes an entry found expired, unless it was rewritten in the meantime (re-checked inside the write txn). */
  const purgeLater = (key: string): void => {
    write(
      () =>
        data.transaction(() => {
          const raw = data.get(key);
          if (raw !== undefined && isExpired(decodeRow(raw))) data.remove(key);
        }),
      false,
    ).catch(() => undefined);
  };

  /** The live row for a key, or undefined when absent or expired. */
  const readLive = (key: string): Row | undefined => {
    const raw = data.get(key);
    if (raw === undefined) return undefined;
    const row = decodeRow(raw);
    if (isExpired(row)) {
      if (!closed) purgeLater(key);
      return undefined;
    }
    return row;
  };

  const sweepExpired = async (): Promise<number> => {
    assertOpen();
    const now = clock.now();
    const expired: string[] = [];
    for (const { key, value } of data.getRange({})) {
      if (isExpired(decodeRow(value), now)) expired.push(key);
    }
    if (expired.length === 0) return 0;
    return write(
      () =>
        data.transaction(() => {
          let removed = 0;
          for (const key of expired) {
            const raw = data.get(key);
            if (raw !== undefined && isExpired(decodeRow(raw), clock.now())) {
              data.remove(key);
              removed++;
            }
          }
          return removed;
        }),
      false,
    );
  };

  const sweepTimer =
    options.sweepIntervalMs && options.sweepIntervalMs > 0
      ? setInterval(() => void sweepExpired().catch(() => undefined), options.sweepIntervalMs)
      : null;
  sweepTimer?.unref();

  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      assertOpen();
      assertValidKey(key);
      const row = readLive(key);
      return row ? (JSON.parse(row.json) as T) : undefined;
    },

    async getMany<T = unknown>(keys: readonly string[]): Promise<Map<string, T>> {
      assertOpen();
      keys.forEach((k) => assertValidKey(k));
      // Synchronous reads in one tick share lmdb's read snapshot: the batch is consistent, like one KVS batchGet.
      const out = new Map<string, T>();
      for (const key of keys) {
        const row = readLive(key);
        if (row) out.set(key, JSON.parse(row.json) as T);
      }
      return out;
    },

    async set(key: string, value: unknown, setOptions?: SetOptions): Promise<void> {
      assertOpen();
      assertValidTtl(key, setOptions?.ttlSeconds);
      const json = toStoredJson(key, value);
      const raw = encodeRow(json, expiresAt(setOptions?.ttlSeconds));
      await write(() => data.put(key, raw));
    },

    async setMany(entries: readonly { key: string; value: unknown; ttlSeconds?: number }[]): Promise<void> {
      assertOpen();
      // Validate everything first: an invalid entry writes nothing.
      const rows = entries.map((e) => {
        assertValidTtl(e.key, e.ttlSeconds);
        return { key: e.key, raw: encodeRow(toStoredJson(e.key, e.value), expiresAt(e.ttlSeconds)) };
      });
      if (rows.length === 0) return;
      await write(() =>
        data.transaction(() => {
          for (const row of rows) data.put(row.key, row.raw);
        }),
      );
    },

    async delete(key: string): Promise<void> {
      assertOpen();
      assertValidKey(key);
      await write(() => data.remove(key));
    },

    async query<T = unknown>(queryOptions: QueryOptions): Promise<QueryPage<T>> {
      assertOpen();
      const prefix = queryOptions.beginsWith;
      assertValidPrefix(prefix);
      const limit = resolveQueryLimit(queryOptions.limit);
      const reverse = queryOptions.reverse === true;
      const after = queryOptions.cursor !== undefined ? decodeCursor(queryOptions.cursor, prefix, reverse).k : undefined;
      // The cursor is the last key returned, not an offset: entries written or deleted between pages neither
      // repeat nor shift the rest of the listing.
      const start = after ?? (reverse ? prefix + PREFIX_END : prefix);
      const now = clock.now();
      const results: StoredEntry<T>[] = [];
      let more = false;
      for (const { key, value } of data.getRange({ start, reverse })) {
        if (key === after) continue;
        if (!key.startsWith(prefix)) {
          if (reverse && key > prefix) continue; // above the prefix range (only possible without a cursor)
          break;
        }
        const row = decodeRow(value);
        if (isExpired(row, now)) continue;
        if (results.length === limit) {
          more = true;
          break;
        }
        results.push({ key, value: JSON.parse(row.json) as T });
      }
      const last = results[results.length - 1];
      return more && last ? { results, nextCursor: encodeCursor({ k: last.key, p: prefix, r: reverse ? 1 : 0 }) } : { results };
    },

    async transact(ops: readonly TransactionOp[]): Promise<void> {
      assertOpen();
      const json = validateTransaction(ops);
      const expected = ops.map((op) => (op.op === 'check' ? jsonRoundTrip(op.equals) : undefined));
      // lmdb-js async transactions cannot be aborted once they write (neither a throw nor ABORT rolls back), so every
      // check runs first, inside the same write transaction (LMDB has one writer: nothing changes between check and write).
      const failed = await write(() =>
        data.transaction((): string | null => {
          const now = clock.now();
          for (let i = 0; i < ops.length; i++) {
            const op = ops[i]!;
            if (op.op !== 'check') continue;
            const raw = data.get(op.key);
            const row = raw === undefined ? undefined : decodeRow(raw);
            const current = row && !isExpired(row, now) ? (JSON.parse(row.json) as unknown) : undefined;
            if (!isDeepStrictEqual(current, expected[i])) return op.key;
          }
          for (let i = 0; i < ops.length; i++) {
            const op = ops[i]!;
            if (op.op === 'set') data.put(op.key, encodeRow(json.get(i)!, op.ttlSeconds === undefined ? null : now + op.ttlSeconds * 1000));
            else if (op.op === 'delete') data.remove(op.key);
          }
          return null;
        }),
      );
      if (failed !== null) throw new TransactionConflictError(`transaction check failed for key "${failed}"`);
    },

    async getSecret<T = unknown>(key: string): Promise<T | undefined> {
      assertOpen();
      assertValidKey(key);
      const raw = secrets.get(key);
      return raw === undefined ? undefined : (JSON.parse(decodeRow(raw).json) as T);
    },

    async setSecret(key: string, value: unknown): Promise<void> {
      assertOpen();
      const json = toStoredJson(key, value, 'secret');
      await write(() => secrets.put(key, encodeRow(json, null)));
    },

    async deleteSecret(key: string): Promise<void> {
      assertOpen();
      assertValidKey(key);
      await write(() => secrets.remove(key));
    },

    sweepExpired,

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (sweepTimer) clearInterval(sweepTimer);
      await Promise.allSettled([...pending]);
      await root.close();
    },
  };
}

/**
 * KeyValueStore and SecretStore over Forge KVS (`@forge/kvs`). One of the two files that import @forge/* for storage
 * and queues. Inputs are checked against the KVS contract (core/kvs-rules.ts) before any round trip, so an invalid key in
 * a batch fails the whole call instead of half-applying it server side.
 *
 * API: https://developer.atlassian.com/platform/forge/storage-reference/storage-api-basic/
 */
import { isDeepStrictEqual } from 'node:util';
import { ForgeKvsAPIError, WhereConditions, kvs } from '@forge/kvs';
import type { KeyValueStore, QueryOptions, QueryPage, SecretStore, SetOptions, StoredEntry, TransactionOp } from '../../core/ports';
import { StorageContractError, TransactionConflictError } from '../../core/ports';
import {
  KVS_BATCH_MAX_KEYS,
  KVS_QUERY_MAX_LIMIT,
  assertValidKey,
  assertValidPrefix,
  assertValidTtl,
  jsonRoundTrip,
  resolveQueryLimit,
  toStoredJson,
  validateTransaction,
} from '../../core/kvs-rules';

type KvsClient = typeof kvs;

/** Most results one KVS query request returns (see queryForward). */
export const KVS_REQUEST_MAX_LIMIT = 20;

export interface ForgeKvsStoreOptions {
  /** The client to use; defaults to the `kvs` singleton of @forge/kvs. */
  client?: KvsClient;
  /**
   * KVS lists keys only in ascending order (its key-value `query()` has no sort). A reverse query therefore reads the
   * prefix forward and keeps the tail, which costs one query per 100 entries. Past this many entries it refuses.
   */
  maxReverseScan?: number;
}

/** Codes KVS returns for inputs that break its contract: https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs */
const CONTRACT_CODES = new Set(['KEY_TOO_SHORT', 'KEY_TOO_LONG', 'INVALID_KEY', 'EMPTY_KEY', 'MAX_SIZE', 'MAX_DEPTH', 'INVALID_LIMIT']);

/** Maps KVS contract errors to StorageContractError (same class as the local store throws); other errors pass through. */
async function kvsCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof ForgeKvsAPIError && CONTRACT_CODES.has(e.code)) throw new StorageContractError(`KVS ${e.code}: ${e.message}`);
    throw e;
  }
}

const ttlOption = (ttlSeconds: number | undefined) => (ttlSeconds === undefined ? undefined : { ttl: { value: ttlSeconds, unit: 'SECONDS' as const } });

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** Our cursors wrap KVS's: `f.<kvs cursor>` for forward pages, `r.<base64url last key>` for reverse pages. */
const FORWARD = 'f.';
const REVERSE = 'r.';

export function createForgeKvsStore(options: ForgeKvsStoreOptions = {}): KeyValueStore & SecretStore {
  const client = options.client ?? kvs;
  const maxReverseScan = options.maxReverseScan ?? 5000;

  const batchGet = async <T>(keys: readonly string[]): Promise<Map<string, T>> => {
    keys.forEach((k) => assertValidKey(k));
    const unique = [...new Set(keys)]; // KVS fails a batch that names a key twice
    const out = new Map<string, T>();
    for (const part of chunk(unique, KVS_BATCH_MAX_KEYS)) {
      const res = await kvsCall(() => client.batchGet<T>(part.map((key) => ({ key }))));
      for (const item of res.successfulKeys) out.set(item.key, item.value);
      // A missing key may come back as a KEY_NOT_FOUND failure; anything else is a real error.
      const failed = res.failedKeys.filter((f) => f.error.code !== 'KEY_NOT_FOUND' && f.error.code !== 'NOT_FOUND');
      if (failed.length > 0) throw new Error(`KVS batchGet failed for ${failed.length} key(s): ${failed.map((f) => `${f.key} (${f.error.code})`).join(', ')}`);
    }
    return out;
  };

  /**
   * The KVS query reference caps one request at 20 results ("Limit the result size ... up to a maximum
   * of 20", https://developer.atlassian.com/platform/forge/runtime-reference/storage-api-query/), while
   * the port promises pages of up to 100: fill a page with several requests, passing the cursor on.
   */
  const queryForward = async <T>(prefix: string, limit: number, cursor: string | undefined): Promise<QueryPage<T>> => {
    const results: StoredEntry<T>[] = [];
    let next = cursor;
    do {
      let q = client.query();
      if (prefix !== '') q = q.where('key', WhereConditions.beginsWith(prefix));
      q = q.limit(Math.min(KVS_REQUEST_MAX_LIMIT, limit - results.length));
      if (next !== undefined) q = q.cursor(next);
      const page = await kvsCall(() => q.getMany<T>());
      for (const r of page.results) results.push({ key: r.key, value: r.value });
      next = page.nextCursor || undefined;
    } while (next !== undefined && results.length < limit);
    return next ? { results, nextCursor: FORWARD + next } : { results };
  };

  const queryReverse = async <T>(prefix: string, limit: number, before: string | undefined): Promise<QueryPage<T>> => {
    // Keep a sliding window of the last `limit + 1` entries below `before`: the extra one says whether more remain.
    const window: StoredEntry<T>[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    do {
      const page = await queryForward<T>(prefix, KVS_QUERY_MAX_LIMIT, cursor);
      for (const entry of page.results) {
        if (before !== undefined && entry.key >= before) break;
        window.push(entry);
        if (window.length > limit + 1) window.shift();
      }
      scanned += page.results.length;
      if (scanned > maxReverseScan) {
        throw new StorageContractError(`reverse query over "${prefix}" scanned more than ${maxReverseScan} entries; KVS cannot list keys in descending order`);
      }
      const last = page.results[page.results.length - 1];
      cursor = page.nextCursor && (before === undefined || (last && last.key < before)) ? page.nextCursor.slice(FORWARD.length) : undefined;
    } while (cursor !== undefined);
    const more = window.length > limit;
    const results = window.slice(more ? 1 : 0).reverse();
    const lastKey = results[results.length - 1]?.key;
    return more && lastKey !== undefined ? { results, nextCursor: REVERSE + Buffer.from(lastKey, 'utf8').toString('base64url') } : { results };
  };

  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      assertValidKey(key);
      return kvsCall(() => client.get<T>(key));
    },

    getMany: batchGet,

    async set(key: string, value: unknown, setOptions?: SetOptions): Promise<void> {
      assertValidTtl(key, setOptions?.ttlSeconds);
      toStoredJson(key, value);
      await kvsCall(() => client.set(key, value, ttlOption(setOptions?.ttlSeconds)));
    },

    /** batchSet takes 25 keys per call; more entries become several calls, so only each group of 25 is one round trip. */
    async setMany(entries: readonly { key: string; value: unknown; ttlSeconds?: number }[]): Promise<void> {
      entries.forEach((e) => {
        assertValidTtl(e.key, e.ttlSeconds);
        toStoredJson(e.key, e.value);
      });
      const lastByKey = new Map(entries.map((e) => [e.key, e] as const)); // KVS fails a batch that names a key twice
      for (const part of chunk([...lastByKey.values()], KVS_BATCH_MAX_KEYS)) {
        const res = await kvsCall(() =>
          client.batchSet(part.map((e) => ({ key: e.key, value: e.value, ...(e.ttlSeconds !== undefined ? { options: ttlOption(e.ttlSeconds) } : {}) }))),
        );
        if (res.failedKeys.length > 0) {
          throw new Error(`KVS batchSet failed for ${res.failedKeys.length} key(s): ${res.failedKeys.map((f) => `${f.key} (${f.error.code})`).join(', ')}`);
        }
      }
    },

    async delete(key: string): Promise<void> {
      assertValidKey(key);
      await kvsCall(() => client.delete(key));
    },

    async query<T = unknown>(queryOptions: QueryOptions): Promise<QueryPage<T>> {
      const prefix = queryOptions.beginsWith;
      assertValidPrefix(prefix);
      const limit = resolveQueryLimit(queryOptions.limit);
      const reverse = queryOptions.reverse === true;
      const cursor = queryOptions.cursor;
      if (cursor !== undefined && !cursor.startsWith(reverse ? REVERSE : FORWARD)) {
        throw new StorageContractError('query cursor is not valid for this query (cursors are opaque and tied to the order)');
      }
      if (!reverse) return queryForward<T>(prefix, limit, cursor?.slice(FORWARD.length));
      const before = cursor === undefined ? undefined : Buffer.from(cursor.slice(REVERSE.length), 'base64url').toString('utf8');
      return queryReverse<T>(prefix, limit, before);
    },

    /**
     * KVS transactions are atomic for their writes, but their `check` only takes Custom Entity conditions
     * (https://developer.atlassian.com/platform/forge/storage-reference/transactions-entities/), so a check on a plain
     * key is a read just before the transaction. The writes stay all-or-nothing; a write by another invocation between
     * that read and the commit is not detected (KVS offers no compare-and-set on plain keys).
     */
    async transact(ops: readonly TransactionOp[]): Promise<void> {
      validateTransaction(ops);
      const checks = ops.filter((op): op is Extract<TransactionOp, { op: 'check' }> => op.op === 'check');
      if (checks.length > 0) {
        const current = await batchGet<unknown>(checks.map((c) => c.key));
        for (const check of checks) {
          if (!isDeepStrictEqual(current.get(check.key), jsonRoundTrip(check.equals))) {
            throw new TransactionConflictError(`transaction check failed for key "${check.key}"`);
          }
        }
      }
      const writes = ops.filter((op) => op.op !== 'check');
      if (writes.length === 0) return;
      const tx = client.transact();
      for (const op of writes) {
        if (op.op === 'set') tx.set(op.key, op.value, undefined, ttlOption(op.ttlSeconds));
        else if (op.op === 'delete') tx.delete(op.key);
      }
      await kvsCall(() => tx.execute());
    },

    async getSecret<T = unknown>(key: string): Promise<T | undefined> {
      assertValidKey(key);
      return kvsCall(() => client.getSecret<T>(key));
    },

    async setSecret(key: string, value: unknown): Promise<void> {
      toStoredJson(key, value, 'secret');
      await kvsCall(() => client.setSecret(key, value));
    },

    async deleteSecret(key: string): Promise<void> {
      assertValidKey(key);
      await kvsCall(() => client.deleteSecret(key));
    },
  };
}


/**
 * An in-memory Forge KVS platform behind the hook the real `@forge/kvs` client calls:
 * `global.__forge_fetch__({ type: 'kvs', ... }, '/api/v1/<op>', { method: 'POST', body: JSON })`
 * (node_modules/@forge/kvs/out/index.js and storage-api.js). The real client runs unchanged on top of it, so tests
 * exercise its request building and error handling too. Limits and error codes follow
 * https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs
 */
import {
  KVS_BATCH_MAX_KEYS,
  KVS_QUERY_DEFAULT_LIMIT,
  KVS_TRANSACTION_MAX_OPS,
  keyProblem,
  serializeValue,
} from '../../src/core/kvs-rules';

interface Entry {
  json: string;
  expiresAt: number | null;
}

type Ttl = { value: number; unit: 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS' };
import { KVS_REQUEST_MAX_LIMIT } from '../../src/adapters/forge/kvs-store';

const UNIT_MS = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 } as const;

class KvsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ForgeKvsFake {
  /** Every op the client called, in order (`get`, `batch/get`, `query`, `transaction`...). */
  readonly calls: string[];
  /** Live plain keys, sorted (for assertions). */
  keys(): string[];
  /** A live plain value as stored (JSON round trip), for assertions. */
  value(key: string): unknown;
  secretKeys(): string[];
  clear(): void;
  uninstall(): void;
}

export function installForgeKvsFake(options: { now?: () => number } = {}): ForgeKvsFake {
  const now = options.now ?? (() => Date.now());
  const plain = new Map<string, Entry>();
  const secrets = new Map<string, Entry>();
  const calls: string[] = [];
  const g = globalThis as { __forge_fetch__?: unknown; __forge_runtime__?: unknown };
  const previous = g.__forge_fetch__;

  const live = (store: Map<string, Entry>, key: string): Entry | undefined => {
    const e = store.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= now()) {
      store.delete(key);
      return undefined;
    }
    return e;
  };
  const checkKey = (key: unknown): string => {
    const p = keyProblem(key);
    if (p) throw new KvsError(400, p.code, p.message);
    return key as string;
  };
  const checkValue = (key: string, value: unknown, kind: 'value' | 'secret' = 'value'): string => {
    const r = serializeValue(key, value, kind);
    if ('code' in r) throw new KvsError(400, r.code, r.message);
    return r.json;
  };
  const expiry = (opts: { ttl?: Ttl } | undefined): number | null => {
    const ttl = opts?.ttl;
    if (!ttl) return null;
    if (!Number.isInteger(ttl.value) || ttl.value <= 0 || !(ttl.unit in UNIT_MS)) throw new KvsError(400, 'INVALID_TTL', 'invalid ttl');
    return now() + ttl.value * UNIT_MS[ttl.unit];
  };
  const getOne = (store: Map<string, Entry>, key: unknown) => {
    const k = checkKey(key);
    const e = live(store, k);
    if (!e) throw new KvsError(404, 'KEY_NOT_FOUND', 'The specified key does not exist.');
    return { key: k, value: JSON.parse(e.json) as unknown };
  };
  const setOne = (store: Map<string, Entry>, body: { key: unknown; value: unknown; options?: { ttl?: Ttl; keyPolicy?: string } }) => {
    const key = checkKey(body.key);
    const json = checkValue(key, body.value, store === secrets ? 'secret' : 'value');
    if (body.options?.keyPolicy === 'FAIL_IF_EXISTS' && live(store, key)) throw new KvsError(409, 'KEY_ALREADY_EXISTS', 'key exists');
    store.set(key, { json, expiresAt: expiry(body.options) });
  };
  const uniqueKeys = (keys: string[]): void => {
    if (new Set(keys).size !== keys.length) throw new KvsError(400, 'DUPLICATE_KEYS', 'a key appears more than once');
  };

  const ops: Record<string, (body: any) => unknown> = {
    get: (b) => getOne(plain, b.key),
    set: (b) => void setOne(plain, b),
    delete: (b) => void plain.delete(checkKey(b.key)),
    'secret/get': (b) => getOne(secrets, b.key),
    'secret/set': (b) => void setOne(secrets, b),
    'secret/delete': (b) => void secrets.delete(checkKey(b.key)),
    query: (b: { limit?: number; after?: string; where?: { condition: string; property: string; values: unknown[] }[] }) => {
      const limit = b.limit ?? KVS_QUERY_DEFAULT_LIMIT;
      // The platform answers at most 20 per query request (storage-api-query reference); the port's pages of
      // up to KVS_QUERY_MAX_LIMIT are filled by several requests in the adapter.
      if (!Number.isInteger(limit) || limit < 1 || limit > KVS_REQUEST_MAX_LIMIT) {
        throw new KvsError(400, 'INVALID_LIMIT', `limit must be between 1 and ${KVS_REQUEST_MAX_LIMIT}`);
      }
      const where = b.where?.[0];
      if (where && (where.condition !== 'BEGINS_WITH' || where.property !== 'key')) throw new KvsError(400, 'INVALID_QUERY', 'only key BEGINS_WITH');
      const prefix = where ? String(where.values[0]) : '';
      const after = b.after ? Buffer.from(b.after, 'base64').toString('utf8') : undefined;
      const keys = [...plain.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after) && live(plain, k)).sort();
      const page = keys.slice(0, limit);
      const data = page.map((key) => ({ key, value: JSON.parse(plain.get(key)!.json) as unknown }));
      const last = page[page.length - 1];
      return keys.length > limit && last !== undefined ? { data, cursor: Buffer.from(last, 'utf8').toString('base64') } : { data };
    },
    'batch/get': (items: { key: string; entityName?: string }[]) => {
      if (items.length === 0 || items.length > KVS_BATCH_MAX_KEYS) throw new KvsError(400, 'INVALID_BATCH_SIZE', `1..${KVS_BATCH_MAX_KEYS} keys`);
      uniqueKeys(items.map((i) => i.key));
      const successfulKeys: { key: string; value: unknown }[] = [];
      const failedKeys: { key: string; error: { code: string; message: string } }[] = [];
      for (const item of items) {
        try {
          successfulKeys.push(getOne(plain, item.key));
        } catch (e) {
          if (!(e instanceof KvsError)) throw e;
          failedKeys.push({ key: item.key, error: { code: e.code, message: e.message } });
        }
      }
      return { successfulKeys, failedKeys };
    },
    'batch/set': (items: { key: string; value: unknown; options?: { ttl?: Ttl } }[]) => {
      if (items.length === 0 || items.length > KVS_BATCH_MAX_KEYS) throw new KvsError(400, 'INVALID_BATCH_SIZE', `1..${KVS_BATCH_MAX_KEYS} keys`);
      uniqueKeys(items.map((i) => i.key));
      // Batch items succeed or fail one by one (https://developer.atlassian.com/platform/forge/storage-reference/batchops/).
      const successfulKeys: { key: string }[] = [];
      const failedKeys: { key: string; error: { code: string; message: string } }[] = [];
      for (const item of items) {
        try {
          setOne(plain, item);
          successfulKeys.push({ key: item.key });
        } catch (e) {
          if (!(e instanceof KvsError)) throw e;
          failedKeys.push({ key: item.key, error: { code: e.code, message: e.message } });
        }
      }
      return { successfulKeys, failedKeys };
    },
    transaction: (b: { set?: { key: string; value: unknown; entityName?: string; options?: { ttl?: Ttl } }[]; delete?: { key: string; entityName?: string }[]; check?: unknown[] }) => {
      const sets = b.set ?? [];
      const deletes = b.delete ?? [];
      if (b.check?.length) throw new KvsError(400, 'INVALID_REQUEST', 'checks need a custom entity and conditions');
      if ([...sets, ...deletes].some((op) => op.entityName)) throw new KvsError(400, 'INVALID_REQUEST', 'custom entities are not modelled by this fake');
      const count = sets.length + deletes.length;
      if (count === 0 || count > KVS_TRANSACTION_MAX_OPS) throw new KvsError(400, 'INVALID_TRANSACTION_SIZE', `1..${KVS_TRANSACTION_MAX_OPS} operations`);
      uniqueKeys([...sets, ...deletes].map((op) => op.key));
      // Validate everything, then apply: all or nothing.
      const staged = sets.map((s) => ({ key: checkKey(s.key), json: checkValue(s.key, s.value), expiresAt: expiry(s.options) }));
      deletes.forEach((d) => checkKey(d.key));
      for (const s of staged) plain.set(s.key, { json: s.json, expiresAt: s.expiresAt });
      for (const d of deletes) plain.delete(d.key);
    },
  };

  const json = (status: number, body: unknown): Response =>
    body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  g.__forge_runtime__ = undefined;
  g.__forge_fetch__ = async (_target: { type: string }, path: string, init: { method?: string; body?: string }): Promise<Response> => {
    const op = path.replace(/^\/api\/v1\//, '');
    calls.push(op);
    const handler = ops[op];
    if (!handler || init.method !== 'POST') return json(404, { code: 'NOT_FOUND', message: `no such op ${op}` });
    try {
      const result = handler(JSON.parse(init.body ?? 'null'));
      return json(result === undefined ? 204 : 200, result);
    } catch (e) {
      if (e instanceof KvsError) return json(e.status, { code: e.code, message: e.message });
      throw e;
    }
  };

  return {
    calls,
    keys: () => [...plain.keys()].filter((k) => live(plain, k)).sort(),
    secretKeys: () => [...secrets.keys()].sort(),
    value: (key: string) => {
      const e = live(plain, key);
      return e ? (JSON.parse(e.json) as unknown) : undefined;
    },
    clear: () => {
      plain.clear();
      secrets.clear();
      calls.length = 0;
    },
    uninstall: () => {
      g.__forge_fetch__ = previous;
    },
  };
}

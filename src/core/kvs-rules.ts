/**
 * The Forge Key-Value Store contract, reproduced so both runtimes fail the same way on the same input.
 * Pure (no I/O): the LMDB store, the Forge adapter (checks before a round trip, so a batch never half-applies)
 * and the test fake of the KVS platform all use it.
 *
 * Sources:
 * - key format and errors: https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs
 * - value size 240 KiB, secret value 128 KiB, depth 31, key 500 chars: https://developer.atlassian.com/platform/forge/limits-kvs-ce
 * - transactions (25 ops, each key once): https://developer.atlassian.com/platform/forge/storage-reference/transactions
 */
import { StorageContractError } from './ports';
import type { TransactionOp } from './ports';

export const KVS_KEY_MAX_LENGTH = 500;
/** Verbatim from the KVS error table (`INVALID_KEY`). In a non-unicode class `\s-#` is `\s`, `-`, `#`, not a range. */
export const KVS_KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/;
export const KVS_VALUE_MAX_BYTES = 240 * 1024;
export const KVS_QUERY_MAX_LIMIT = 100;
export const KVS_QUERY_DEFAULT_LIMIT = 20;
export const KVS_TRANSACTION_MAX_OPS = 25;
/** `kvs.batchGet`/`batchSet` take at most 25 keys: https://developer.atlassian.com/platform/forge/storage-reference/batchops-entities */
export const KVS_BATCH_MAX_KEYS = 25;
/** KVS rejects objects nested deeper than 31 levels (`MAX_DEPTH`). */
export const KVS_VALUE_MAX_DEPTH = 31;
/** Secret values (`kvs.setSecret`) are capped lower than plain values. */
export const KVS_SECRET_MAX_BYTES = 128 * 1024;

export type KeyProblem = 'KEY_TOO_SHORT' | 'KEY_TOO_LONG' | 'INVALID_KEY';
export type ValueProblem = 'MAX_SIZE' | 'MAX_DEPTH' | 'INVALID_VALUE';

/** Shows a key in an error without flooding it: keys are not secret, but 500 chars is noise. */
const preview = (key: string): string => JSON.stringify(key.length > 60 ? key.slice(0, 57) + '...' : key);

export function keyProblem(key: unknown): { code: KeyProblem; message: string } | null {
  if (typeof key !== 'string' || key.length === 0) return { code: 'KEY_TOO_SHORT', message: 'storage key is empty' };
  if (key.length > KVS_KEY_MAX_LENGTH) {
    return { code: 'KEY_TOO_LONG', message: `storage key ${preview(key)} is ${key.length} characters; KVS allows at most ${KVS_KEY_MAX_LENGTH}` };
  }
  if (!KVS_KEY_PATTERN.test(key)) {
    return {
      code: 'INVALID_KEY',
      message: `storage key ${preview(key)} has characters KVS refuses (allowed: letters, digits, ":", ".", "_", "-", "#", spaces; not "{", "}" or "/")`,
    };
  }
  return null;
}

export function assertValidKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem) throw new StorageContractError(problem.message);
}

const depthOf = (value: unknown, depth = 0): number => {
  if (value === null || typeof value !== 'object') return depth;
  let max = depth + 1;
  for (const child of Object.values(value as Record<string, unknown>)) {
    max = Math.max(max, depthOf(child, depth + 1));
    if (max > KVS_VALUE_MAX_DEPTH) break;
  }
  return max;
};

/** Serializes a value the way KVS stores it (JSON) and checks the size and depth limits. */
export function serializeValue(key: string, value: unknown, kind: 'value' | 'secret' = 'value'): { json: string } | { code: ValueProblem; message: string } {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    return { code: 'INVALID_VALUE', message: `value for ${preview(key)} is not JSON (${typeof value})` };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    return { code: 'INVALID_VALUE', message: `value for ${preview(key)} cannot be serialized: ${(e as Error).message}` };
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  const max = kind === 'secret' ? KVS_SECRET_MAX_BYTES : KVS_VALUE_MAX_BYTES;
  if (bytes > max) {
    return { code: 'MAX_SIZE', message: `${kind} for ${preview(key)} is ${bytes} bytes as JSON; KVS allows at most ${max} (${max / 1024} KiB)` };
  }
  if (depthOf(value) > KVS_VALUE_MAX_DEPTH) {
    return { code: 'MAX_DEPTH', message: `value for ${preview(key)} is nested deeper than ${KVS_VALUE_MAX_DEPTH} levels` };
  }
  return { json };
}

/** Validates key and value, returning the JSON to store; throws StorageContractError otherwise. */
export function toStoredJson(key: string, value: unknown, kind: 'value' | 'secret' = 'value'): string {
  assertValidKey(key);
  const result = serializeValue(key, value, kind);
  if ('code' in result) throw new StorageContractError(result.message);
  return result.json;
}

export function assertValidTtl(key: string, ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new StorageContractError(`ttlSeconds for ${preview(key)} must be a positive whole number, got ${ttlSeconds}`);
  }
}

export function resolveQueryLimit(limit: number | undefined): number {
  if (limit === undefined) return KVS_QUERY_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > KVS_QUERY_MAX_LIMIT) {
    throw new StorageContractError(`query limit must be a whole number from 1 to ${KVS_QUERY_MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** The query prefix is matched against keys, so it obeys the key alphabet (an empty prefix lists everything). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  if (prefix.length > KVS_KEY_MAX_LENGTH || !/^[a-zA-Z0-9:._\s-#]+$/.test(prefix)) {
    throw new StorageContractError(`query prefix ${preview(prefix)} cannot match any valid KVS key`);
  }
}

/** Checks a transaction against the KVS limits; returns the serialized value of each set, by index. */
export function validateTransaction(ops: readonly TransactionOp[]): Map<number, string> {
  if (ops.length === 0) throw new StorageContractError('transaction has no operations');
  if (ops.length > KVS_TRANSACTION_MAX_OPS) {
    throw new StorageContractError(`transaction has ${ops.length} operations; KVS allows at most ${KVS_TRANSACTION_MAX_OPS}`);
  }
  const written = new Set<string>();
  const checked = new Set<string>();
  const json = new Map<number, string>();
  ops.forEach((op, i) => {
    assertValidKey(op.key);
    // KVS: "Each key can only be used once in a transaction" applies to the writes sent to KVS. Our `check` is
    // evaluated by the adapter (KVS checks exist only for custom entities), so check(k) + set(k) is a compare-and-set.
    const used = op.op === 'check' ? checked : written;
    if (used.has(op.key)) throw new StorageContractError(`transaction ${op.op === 'check' ? 'checks' : 'writes'} key ${preview(op.key)} more than once`);
    used.add(op.key);
    if (op.op === 'set') {
      assertValidTtl(op.key, op.ttlSeconds);
      json.set(i, toStoredJson(op.key, op.value));
    }
  });
  return json;
}

/** Normalizes a value the way a JSON store would return it (Dates to strings, undefined fields dropped). */
export const jsonRoundTrip = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

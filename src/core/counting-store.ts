/**
 * Counts storage calls made through the ports (KVS is billed per operation, writes cost most), so the benchmark
 * can report storage operations per event for either runtime. A call counts once however many keys it carries;
 * the `*Keys` counters say how many keys those calls touched.
 */
import type { KeyValueStore, QueryOptions, QueryPage, SecretStore, SetOptions, TransactionOp } from './ports';

export interface StorageCounts {
  /** get + getMany calls. */
  reads: number;
  readKeys: number;
  /** set + setMany + delete + transact calls (a KVS transaction is billed as one write). */
  writes: number;
  writeKeys: number;
  queries: number;
  transactions: number;
  secretReads: number;
  secretWrites: number;
}

export interface CountingStore extends KeyValueStore, SecretStore {
  snapshot(): StorageCounts;
  reset(): void;
}

const zero = (): StorageCounts => ({ reads: 0, readKeys: 0, writes: 0, writeKeys: 0, queries: 0, transactions: 0, secretReads: 0, secretWrites: 0 });

/** Wraps a store; counts every call, including ones that fail (they reach the store and are billed). */
export function countingStore(store: KeyValueStore & SecretStore): CountingStore {
  let counts = zero();
  return {
    get<T = unknown>(key: string): Promise<T | undefined> {
      counts.reads++;
      counts.readKeys++;
      return store.get<T>(key);
    },
    getMany<T = unknown>(keys: readonly string[]): Promise<Map<string, T>> {
      counts.reads++;
      counts.readKeys += keys.length;
      return store.getMany<T>(keys);
    },
    set(key: string, value: unknown, options?: SetOptions): Promise<void> {
      counts.writes++;
      counts.writeKeys++;
      return store.set(key, value, options);
    },
    setMany(entries: readonly { key: string; value: unknown; ttlSeconds?: number }[]): Promise<void> {
      counts.writes++;
      counts.writeKeys += entries.length;
      return store.setMany(entries);
    },
    delete(key: string): Promise<void> {
      counts.writes++;
      counts.writeKeys++;
      return store.delete(key);
    },
    query<T = unknown>(options: QueryOptions): Promise<QueryPage<T>> {
      counts.queries++;
      return store.query<T>(options);
    },
    transact(ops: readonly TransactionOp[]): Promise<void> {
      counts.transactions++;
      counts.writes++;
      counts.writeKeys += ops.filter((op) => op.op !== 'check').length;
      return store.transact(ops);
    },
    getSecret<T = unknown>(key: string): Promise<T | undefined> {
      counts.secretReads++;
      return store.getSecret<T>(key);
    },
    setSecret(key: string, value: unknown): Promise<void> {
      counts.secretWrites++;
      return store.setSecret(key, value);
    },
    deleteSecret(key: string): Promise<void> {
      counts.secretWrites++;
      return store.deleteSecret(key);
    },
    snapshot: () => ({ ...counts }),
    reset: () => {
      counts = zero();
    },
  };
}

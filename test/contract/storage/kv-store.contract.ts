/**
 * The storage contract every KeyValueStore + SecretStore must meet (the Forge KVS behaviour the app relies on).
 * Run against each implementation from a `*.contract.test.ts` file.
 */
import type { KeyValueStore, SecretStore } from '../../../src/core/ports';
import { StorageContractError, TransactionConflictError } from '../../../src/core/ports';

export interface StoreHarness {
  store: KeyValueStore & SecretStore;
  /** Moves the store's notion of time forward (for TTL). */
  advanceTime(ms: number): void;
  close(): Promise<void>;
}

const pad = (n: number, width = 4): string => String(n).padStart(width, '0');

/** Reads every page of a query, checking each page's size. */
async function readAll(store: KeyValueStore, beginsWith: string, limit: number, reverse = false): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.query({ beginsWith, limit, reverse, ...(cursor ? { cursor } : {}) });
    expect(page.results.length).toBeLessThanOrEqual(limit);
    keys.push(...page.results.map((r) => r.key));
    cursor = page.nextCursor;
    pages++;
    if (pages > 1000) throw new Error('query did not terminate');
  } while (cursor);
  return { keys, pages };
}

export function runKeyValueStoreContract(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`KeyValueStore contract: ${name}`, () => {
    let h: StoreHarness;
    let store: KeyValueStore & SecretStore;
    beforeEach(async () => {
      h = await factory();
      store = h.store;
    });
    afterEach(async () => {
      await h.close();
    });

    describe('get / set / delete', () => {
      it('returns what was set, JSON-shaped, and undefined once deleted', async () => {
        const when = new Date('2026-01-02T03:04:05.000Z');
        await store.set('rules:repo-1', { a: 1, nested: { list: [1, 'two', null] }, when, gone: undefined });
        expect(await store.get('rules:repo-1')).toEqual({ a: 1, nested: { list: [1, 'two', null] }, when: when.toISOString() });
        await store.set('rules:repo-1', 'replaced');
        expect(await store.get('rules:repo-1')).toBe('replaced');
        await store.delete('rules:repo-1');
        expect(await store.get('rules:repo-1')).toBeUndefined();
      });

      it('stores falsy scalars distinctly from absence', async () => {
        await store.set('v:zero', 0);
        await store.set('v:false', false);
        await store.set('v:empty', '');
        expect(await store.get('v:zero')).toBe(0);
        expect(await store.get('v:false')).toBe(false);
        expect(await store.get('v:empty')).toBe('');
        expect(await store.get('v:missing')).toBeUndefined();
      });

      it('deleting a missing key is not an error', async () => {
        await expect(store.delete('never:written')).resolves.toBeUndefined();
      });

      it('accepts keys with every allowed character class and the 500-character maximum', async () => {
        const keys = ['a', 'state:abc-123_x.y#2f', 'with space inside', 'k'.repeat(500)];
        for (const [i, key] of keys.entries()) await store.set(key, i);
        for (const [i, key] of keys.entries()) expect(await store.get(key)).toBe(i);
      });
    });

    describe('getMany / setMany', () => {
      it('writes and reads several keys; missing keys are absent from the map', async () => {
        const entries = Array.from({ length: 30 }, (_, i) => ({ key: `batch:${pad(i)}`, value: { i } }));
        await store.setMany(entries);
        const got = await store.getMany<{ i: number }>([...entries.map((e) => e.key), 'batch:missing']);
        expect(got.size).toBe(30);
        expect(got.has('batch:missing')).toBe(false);
        for (const e of entries) expect(got.get(e.key)).toEqual(e.value);
      });

      it('an invalid key anywhere in setMany writes nothing', async () => {
        await expect(
          store.setMany([
            { key: 'ok:1', value: 1 },
            { key: 'bad/key', value: 2 },
          ]),
        ).rejects.toBeInstanceOf(StorageContractError);
        expect(await store.get('ok:1')).toBeUndefined();
      });

      it('getMany of nothing is an empty map', async () => {
        expect((await store.getMany([])).size).toBe(0);
      });
    });

    describe('query', () => {
      it('lists only keys with the prefix, in ascending key order, never secrets', async () => {
        await store.setMany([
          { key: 'log:b', value: 2 },
          { key: 'log:a', value: 1 },
          { key: 'log:c', value: 3 },
          { key: 'logx', value: 'other prefix' },
          { key: 'rules:1', value: 'other' },
        ]);
        await store.setSecret('log:secret', 'hidden');
        const page = await store.query({ beginsWith: 'log:', limit: 10 });
        expect(page.results).toEqual([
          { key: 'log:a', value: 1 },
          { key: 'log:b', value: 2 },
          { key: 'log:c', value: 3 },
        ]);
        expect(page.nextCursor).toBeUndefined();
      });

      it('pages 250 keys in pages of 100 without duplicates or misses, both directions', async () => {
        const all = Array.from({ length: 250 }, (_, i) => `page:${pad(i)}`);
        for (let i = 0; i < all.length; i += 25) await store.setMany(all.slice(i, i + 25).map((key) => ({ key, value: key })));
        await store.set('pagf:outside', 1);
        const forward = await readAll(store, 'page:', 100);
        expect(forward.pages).toBe(3);
        expect(forward.keys).toEqual(all);
        const backward = await readAll(store, 'page:', 100, true);
        expect(backward.pages).toBe(3);
        expect(backward.keys).toEqual([...all].reverse());
      });

      it('a cursor stays valid when keys are written and deleted between pages', async () => {
        const all = Array.from({ length: 40 }, (_, i) => `conc:${pad(i * 10)}`);
        await store.setMany(all.slice(0, 20).map((key) => ({ key, value: 1 })));
        await store.setMany(all.slice(20).map((key) => ({ key, value: 1 })));
        const first = await store.query({ beginsWith: 'conc:', limit: 15 });
        expect(first.results.map((r) => r.key)).toEqual(all.slice(0, 15));
        // Between pages: delete an already-returned key, insert before and after the cursor.
        await store.delete(all[3]!);
        await store.set('conc:0005', 'before cursor');
        await store.set('conc:0155', 'after cursor');
        const rest: string[] = [];
        let cursor = first.nextCursor;
        while (cursor) {
          const page = await store.query({ beginsWith: 'conc:', limit: 15, cursor });
          rest.push(...page.results.map((r) => r.key));
          cursor = page.nextCursor;
        }
        expect(rest).toEqual([...all.slice(15, 16), 'conc:0155', ...all.slice(16)]);
      });

      it('rejects a limit above 100 or below 1', async () => {
        await expect(store.query({ beginsWith: 'x', limit: 101 })).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.query({ beginsWith: 'x', limit: 0 })).rejects.toBeInstanceOf(StorageContractError);
      });

      it('defaults to pages of 20', async () => {
        await store.setMany(Array.from({ length: 25 }, (_, i) => ({ key: `dflt:${pad(i)}`, value: i })));
        const page = await store.query({ beginsWith: 'dflt:' });
        expect(page.results).toHaveLength(20);
        expect(page.nextCursor).toBeDefined();
      });
    });

    describe('the KVS key and value contract', () => {
      const invalid: [string, string][] = [
        ['braces', 'state:{abc}'],
        ['slash', 'state:main/feature'],
        ['501 characters', 'k'.repeat(501)],
        ['empty', ''],
        ['whitespace only', '   '],
        ['non-ASCII letter', 'state:é'],
      ];
      it.each(invalid)('rejects a key with %s on every operation and writes nothing', async (_label, key) => {
        await expect(store.set(key, 1)).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.get(key)).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.delete(key)).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.getMany([key])).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.setSecret(key, 's')).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.transact([{ op: 'set', key, value: 1 }])).rejects.toBeInstanceOf(StorageContractError);
        expect((await store.query({ beginsWith: '', limit: 100 })).results).toEqual([]);
      });

      it('names the problem in the error', async () => {
        await expect(store.set('a/b', 1)).rejects.toThrow(/a\/b/);
        await expect(store.set('k'.repeat(501), 1)).rejects.toThrow(/501/);
      });

      it('rejects a value over 240 KiB as JSON and keeps the old value; accepts one just under', async () => {
        await store.set('big', 'old');
        const tooBig = 'x'.repeat(240 * 1024 - 1); // 2 quote characters push it over
        await expect(store.set('big', tooBig)).rejects.toBeInstanceOf(StorageContractError);
        expect(await store.get('big')).toBe('old');
        const fits = 'x'.repeat(240 * 1024 - 2);
        await store.set('big', fits);
        expect(await store.get<string>('big')).toHaveLength(fits.length);
      });

      it('counts the size in UTF-8 bytes', async () => {
        await expect(store.set('utf8', 'é'.repeat(130 * 1024))).rejects.toBeInstanceOf(StorageContractError);
      });

      it('rejects undefined as a value', async () => {
        await expect(store.set('undef', undefined)).rejects.toBeInstanceOf(StorageContractError);
      });
    });

    describe('secrets', () => {
      it('are kept apart from plain keys of the same name and never listed', async () => {
        await store.setSecret('channel-secret:abc', { token: 'xoxb-secret' });
        await store.set('channel-secret:abc', 'plain');
        expect(await store.getSecret('channel-secret:abc')).toEqual({ token: 'xoxb-secret' });
        expect(await store.get('channel-secret:abc')).toBe('plain');
        const listed = await store.query({ beginsWith: 'channel-secret:', limit: 100 });
        expect(listed.results).toEqual([{ key: 'channel-secret:abc', value: 'plain' }]);
        await store.delete('channel-secret:abc');
        expect(await store.getSecret('channel-secret:abc')).toEqual({ token: 'xoxb-secret' });
        await store.deleteSecret('channel-secret:abc');
        expect(await store.getSecret('channel-secret:abc')).toBeUndefined();
      });

      it('are not visible through get or getMany', async () => {
        await store.setSecret('inbound-secret:repo', 'whsec');
        expect(await store.get('inbound-secret:repo')).toBeUndefined();
        expect((await store.getMany(['inbound-secret:repo'])).size).toBe(0);
      });
    });

    describe('TTL', () => {
      it('hides an entry once its time to live has passed, from get, getMany and query', async () => {
        await store.set('seen:1', true, { ttlSeconds: 60 });
        await store.setMany([{ key: 'seen:2', value: true, ttlSeconds: 120 }]);
        await store.set('seen:3', true);
        h.advanceTime(59_000);
        expect(await store.get('seen:1')).toBe(true);
        h.advanceTime(2_000);
        expect(await store.get('seen:1')).toBeUndefined();
        expect([...(await store.getMany(['seen:1', 'seen:2', 'seen:3'])).keys()].sort()).toEqual(['seen:2', 'seen:3']);
        h.advanceTime(60_000);
        expect((await store.query({ beginsWith: 'seen:', limit: 10 })).results.map((r) => r.key)).toEqual(['seen:3']);
      });

      it('a rewrite without TTL makes the entry permanent', async () => {
        await store.set('cache:x', 1, { ttlSeconds: 10 });
        await store.set('cache:x', 2);
        h.advanceTime(3_600_000);
        expect(await store.get('cache:x')).toBe(2);
      });

      it('rejects a non-positive or fractional TTL', async () => {
        await expect(store.set('t', 1, { ttlSeconds: 0 })).rejects.toBeInstanceOf(StorageContractError);
        await expect(store.set('t', 1, { ttlSeconds: 1.5 })).rejects.toBeInstanceOf(StorageContractError);
      });
    });

    describe('transactions', () => {
      it('apply sets and deletes together', async () => {
        await store.set('tx:old', 'x');
        await store.transact([
          { op: 'set', key: 'tx:a', value: 1 },
          { op: 'set', key: 'tx:b', value: { two: 2 }, ttlSeconds: 60 },
          { op: 'delete', key: 'tx:old' },
        ]);
        expect(await store.get('tx:a')).toBe(1);
        expect(await store.get('tx:b')).toEqual({ two: 2 });
        expect(await store.get('tx:old')).toBeUndefined();
        h.advanceTime(61_000);
        expect(await store.get('tx:b')).toBeUndefined();
      });

      it('a failed check rejects with TransactionConflictError and changes nothing', async () => {
        await store.set('seq:repo', { n: 1 });
        await store.set('tx:keep', 'kept');
        await expect(
          store.transact([
            { op: 'check', key: 'seq:repo', equals: { n: 2 } },
            { op: 'set', key: 'seq:repo', value: { n: 3 } },
            { op: 'set', key: 'tx:new', value: 1 },
            { op: 'delete', key: 'tx:keep' },
          ]),
        ).rejects.toBeInstanceOf(TransactionConflictError);
        expect(await store.get('seq:repo')).toEqual({ n: 1 });
        expect(await store.get('tx:new')).toBeUndefined();
        expect(await store.get('tx:keep')).toBe('kept');
      });

      it('a passing check (compare-and-set) applies the writes; absent is checked with undefined', async () => {
        await store.set('seq:repo', { n: 1 });
        await store.transact([
          { op: 'check', key: 'seq:repo', equals: { n: 1 } },
          { op: 'set', key: 'seq:repo', value: { n: 2 } },
        ]);
        expect(await store.get('seq:repo')).toEqual({ n: 2 });
        await store.transact([
          { op: 'check', key: 'lock:new', equals: undefined },
          { op: 'set', key: 'lock:new', value: 'mine' },
        ]);
        await expect(
          store.transact([
            { op: 'check', key: 'lock:new', equals: undefined },
            { op: 'set', key: 'lock:new', value: 'theirs' },
          ]),
        ).rejects.toBeInstanceOf(TransactionConflictError);
        expect(await store.get('lock:new')).toBe('mine');
      });

      it('an invalid operation anywhere writes nothing', async () => {
        await expect(
          store.transact([
            { op: 'set', key: 'tx:first', value: 1 },
            { op: 'set', key: 'tx:huge', value: 'x'.repeat(241 * 1024) },
          ]),
        ).rejects.toBeInstanceOf(StorageContractError);
        expect(await store.get('tx:first')).toBeUndefined();
      });

      it('follows the KVS limits: at most 25 operations, each key written once', async () => {
        const ops = Array.from({ length: 26 }, (_, i) => ({ op: 'set' as const, key: `tx:${i}`, value: i }));
        await expect(store.transact(ops)).rejects.toBeInstanceOf(StorageContractError);
        await expect(
          store.transact([
            { op: 'set', key: 'tx:dup', value: 1 },
            { op: 'delete', key: 'tx:dup' },
          ]),
        ).rejects.toBeInstanceOf(StorageContractError);
        await store.transact(ops.slice(0, 25));
        expect(await store.get('tx:24')).toBe(24);
      });
    });
  });
}

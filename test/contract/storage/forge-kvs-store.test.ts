/** How the Forge adapter maps the port onto KVS calls (round trips are billed, so they are part of the behaviour). */
import { createForgeKvsStore } from '../../../src/adapters/forge/kvs-store';
import { countingStore } from '../../../src/core/counting-store';
import { installForgeKvsFake } from '../../fakes/forge-kvs';
import type { ForgeKvsFake } from '../../fakes/forge-kvs';

describe('Forge KVS adapter round trips', () => {
  let fake: ForgeKvsFake;
  beforeEach(() => {
    fake = installForgeKvsFake();
  });
  afterEach(() => fake.uninstall());

  it('batches getMany and setMany in groups of 25 keys (the KVS batch limit)', async () => {
    const store = createForgeKvsStore();
    const entries = Array.from({ length: 30 }, (_, i) => ({ key: `b:${i}`, value: i }));
    await store.setMany(entries);
    expect(fake.calls).toEqual(['batch/set', 'batch/set']);
    fake.calls.length = 0;
    const got = await store.getMany(entries.map((e) => e.key));
    expect(got.size).toBe(30);
    expect(fake.calls).toEqual(['batch/get', 'batch/get']);
  });

  it('refuses an invalid key before any round trip', async () => {
    const store = createForgeKvsStore();
    await expect(store.setMany([{ key: 'ok', value: 1 }, { key: '{brace}', value: 2 }])).rejects.toThrow(/brace/);
    expect(fake.calls).toEqual([]);
  });

  it('runs a transaction as one KVS transaction, reading checked keys first', async () => {
    const store = createForgeKvsStore();
    await store.set('n', 1);
    fake.calls.length = 0;
    await store.transact([
      { op: 'check', key: 'n', equals: 1 },
      { op: 'set', key: 'n', value: 2 },
      { op: 'delete', key: 'other' },
    ]);
    expect(fake.calls).toEqual(['batch/get', 'transaction']);
    expect(await store.get('n')).toBe(2);
  });

  it('a forward page takes one KVS request per 20 results; a reverse one reads the prefix forward', async () => {
    const store = createForgeKvsStore();
    await store.setMany(Array.from({ length: 25 }, (_, i) => ({ key: `q:${String(i).padStart(2, '0')}`, value: i })));
    fake.calls.length = 0;
    await store.query({ beginsWith: 'q:', limit: 10 });
    expect(fake.calls).toEqual(['query']);
    fake.calls.length = 0;
    // KVS answers at most 20 per request: a page of 25 is filled by two requests, the cursor passed on.
    const full = await store.query({ beginsWith: 'q:', limit: 25 });
    expect(full.results.map((r) => r.value)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(fake.calls).toEqual(['query', 'query']);
    fake.calls.length = 0;
    const newest = await store.query({ beginsWith: 'q:', limit: 3, reverse: true });
    expect(newest.results.map((r) => r.value)).toEqual([24, 23, 22]);
    expect(fake.calls).toEqual(['query', 'query']);
  });

  it('refuses a reverse query over more entries than maxReverseScan', async () => {
    const store = createForgeKvsStore({ maxReverseScan: 20 });
    await store.setMany(Array.from({ length: 25 }, (_, i) => ({ key: `r:${i}`, value: i })));
    await expect(store.query({ beginsWith: 'r:', reverse: true })).rejects.toThrow(/descending/);
  });

  it('counts calls per port operation through countingStore', async () => {
    const store = countingStore(createForgeKvsStore());
    await store.set('a', 1);
    await store.setMany([{ key: 'b', value: 2 }, { key: 'c', value: 3 }]);
    await store.getMany(['a', 'b', 'c']);
    await store.get('a');
    await store.query({ beginsWith: '' });
    await store.transact([{ op: 'check', key: 'a', equals: 1 }, { op: 'delete', key: 'a' }]);
    await store.setSecret('s', 'x');
    await store.getSecret('s');
    await expect(store.get('bad/key')).rejects.toThrow();
    expect(store.snapshot()).toEqual({ reads: 3, readKeys: 5, writes: 3, writeKeys: 4, queries: 1, transactions: 1, secretReads: 1, secretWrites: 1 });
    store.reset();
    expect(store.snapshot().reads).toBe(0);
  });
});

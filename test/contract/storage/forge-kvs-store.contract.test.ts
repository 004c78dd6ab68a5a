import { createForgeKvsStore } from '../../../src/adapters/forge/kvs-store';
import { installForgeKvsFake } from '../../fakes/forge-kvs';
import { runKeyValueStoreContract } from './kv-store.contract';

// The real @forge/kvs client, unchanged, over an in-memory KVS platform (test/fakes/forge-kvs.ts).
runKeyValueStoreContract('Forge KVS adapter over @forge/kvs', async () => {
  let now = Date.parse('2026-03-01T00:00:00Z');
  const fake = installForgeKvsFake({ now: () => now });
  return {
    store: createForgeKvsStore(),
    advanceTime: (ms) => {
      now += ms;
    },
    close: async () => fake.uninstall(),
  };
});

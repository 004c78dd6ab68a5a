import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../../../src/adapters/local/store/lmdb-store';
import { runKeyValueStoreContract } from './kv-store.contract';

runKeyValueStoreContract('local LMDB store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kv-contract-'));
  let now = Date.parse('2026-03-01T00:00:00Z');
  const store = openLocalStore(dir, { clock: { now: () => now } });
  return {
    store,
    advanceTime: (ms) => {
      now += ms;
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

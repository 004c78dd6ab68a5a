/** Child for lmdb-store.test.ts: writes keys one by one and prints `ack <i>` after each write resolves. argv: <dataDir> */
import { openLocalStore } from '../../../src/adapters/local/store/lmdb-store';

const store = openLocalStore(process.argv[2]!);
void (async () => {
  for (let i = 0; ; i++) {
    await store.set(`ack:${String(i).padStart(6, '0')}`, { i, pad: 'x'.repeat(200) });
    process.stdout.write(`ack ${i}\n`);
  }
})();

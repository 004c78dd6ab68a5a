/**
 * The local runtime hosts the manifest's handlers without module globals (src/adapters/forge/hosting.ts):
 * two runtimes in one process, each with its own data dir, never handle each other's traffic.
 */
import { loadFixture } from '../helpers/fixtures';
import { startReceiver } from '../helpers/receiver';
import { startTestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string };

test('two runtimes in one process each use their own App, store and channels', async () => {
  const [a, b] = [await startTestRuntime(), await startTestRuntime()];
  const [toA, toB] = [await startReceiver(), await startReceiver()];
  try {
    for (const [rt, receiver] of [[a, toA], [b, toB]] as const) {
      expect((await rt.resolver('saveChannel', { channel: { name: 'hook', type: 'webhook', url: receiver.url } }, { repository: REPO })).ok).toBe(true);
      expect((await rt.resolver('saveRules', { rules: [{ name: 'r', on: ['failed'], channels: ['hook'] }] }, { repository: REPO })).ok).toBe(true);
    }
    expect((await a.post('/forge/events', forgeFailed)).status).toBe(202);
    await a.settle();
    await b.settle();
    expect(toA.received).toHaveLength(1);
    expect(toB.received).toHaveLength(0);
    // The same event is new to the second runtime: its own state, its own channel.
    expect((await b.post('/forge/events', forgeFailed)).status).toBe(202);
    await b.settle();
    expect(toB.received).toHaveLength(1);
    expect(toA.received).toHaveLength(1);
    // Each runtime's settings page reads its own store.
    const logA = await a.resolver('getDeliveryLog', {}, { repository: REPO });
    const logB = await b.resolver('getDeliveryLog', {}, { repository: REPO });
    expect(logA.data.entries).toHaveLength(1);
    expect(logB.data.entries).toHaveLength(1);
  } finally {
    await a.stop();
    await b.stop();
    await toA.close();
    await toB.close();
  }
});

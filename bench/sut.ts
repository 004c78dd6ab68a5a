/**
 * The system under test, in its own process (the load generator and sink keep the parent's core):
 * `sut.ts app` starts the local runtime, `sut.ts relay <sinkUrl>` the do-nothing relay.
 * Talks to the parent over the fork IPC channel: sends {ready, url}; answers {cmd:'drain'} once
 * every queued job has finished, and {cmd:'stop'} by closing and exiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime, type Runtime } from '../src/adapters/local/runtime';
import { startRelay, type Relay } from './relay';
import { silentLog } from './silent-log';

type Command = { cmd: 'drain' } | { cmd: 'stop' };

async function main(): Promise<void> {
  const [mode, sinkUrl] = process.argv.slice(2);
  const dataDir = mkdtempSync(join(tmpdir(), `build-alerts-bench-${mode}-`));
  const send = (msg: unknown) => process.send?.(msg);
  let runtime: Runtime | null = null;
  let relay: Relay | null = null;
  if (mode === 'app') {
    runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog });
    send({ ready: true, url: runtime.url });
  } else if (mode === 'relay' && sinkUrl) {
    relay = await startRelay({ dataDir, sinkUrl });
    send({ ready: true, url: relay.url });
  } else {
    throw new Error('usage: sut.ts app | relay <sinkUrl>');
  }

  process.on('message', (msg: Command) => {
    void (async () => {
      if (msg.cmd === 'drain') {
        if (runtime) await runtime.queue.drain(300_000);
        send({ drained: true, stats: runtime?.queue.stats() ?? null, memory: process.memoryUsage() });
      } else if (msg.cmd === 'stop') {
        await runtime?.close();
        await relay?.close();
        rmSync(dataDir, { recursive: true, force: true });
        send({ stopped: true });
        process.exit(0);
      }
    })().catch((e: Error) => {
      send({ error: e.message });
    });
  });
}

main().catch((e: Error) => {
  process.stderr.write(`sut failed: ${e.stack ?? e.message}\n`);
  process.exit(1);
});

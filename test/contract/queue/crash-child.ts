/**
 * Child process for crash.test.ts: runs a durable queue whose handler calls a receiver over HTTP.
 * argv: <dataDir> <receiverUrl> <push|resume> <jobCount>
 * stdout lines: `started`, `pushed`, `done <name>` (printed only once the job's deletion is committed),
 * and in resume mode `empty` when no job is left.
 */
import { createDurableQueue } from '../../../src/adapters/local/queue/durable-queue';
import type { Logger } from '../../../src/core/ports';

const [dataDir, receiverUrl, mode, countArg] = process.argv.slice(2) as [string, string, string, string];
const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const queue = createDurableQueue({
  dataDir,
  log: silent,
  concurrency: 8,
  handler: async (body) => {
    const name = body.type === 'flush-group' ? body.groupKey : 'unknown';
    try {
      const res = await fetch(`${receiverUrl}/job/${name}`, { method: 'POST' });
      if (res.status >= 500) return { status: 'retry', afterSeconds: 0.2, reason: `receiver answered ${res.status}` };
      return { status: 'done' };
    } catch (e) {
      return { status: 'retry', afterSeconds: 0.2, reason: (e as Error).message };
    }
  },
  onJobDone: ({ body }) => {
    process.stdout.write(`done ${body.type === 'flush-group' ? body.groupKey : 'unknown'}\n`);
  },
});

void (async () => {
  await queue.start();
  process.stdout.write('started\n');
  if (mode === 'push') {
    const count = Number(countArg);
    for (let i = 0; i < count; i += 50) {
      const jobs = Array.from({ length: Math.min(50, count - i) }, (_, j) => ({
        body: { type: 'flush-group' as const, groupKey: `job-${i + j}` },
        // A third of the jobs share a few keys, so per-key ordering is exercised across the crash too.
        ...((i + j) % 3 === 0 ? { concurrencyKey: `key-${(i + j) % 4}` } : {}),
      }));
      await queue.push(jobs);
    }
    process.stdout.write('pushed\n');
  }
  // `empty` once no job is left: the parent cannot count `done` lines to know that, because a
  // SIGKILL may drop lines still buffered in the stdout pipe after their job was committed.
  let reported = false;
  setInterval(() => {
    if (!reported && mode === 'resume' && queue.stats().pending === 0) {
      reported = true;
      process.stdout.write('empty\n');
    }
  }, 50); // also keeps the process alive until killed
})();

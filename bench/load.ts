/**
 * The load generator used for both the app and the relay: node:http with keep-alive sockets.
 * Closed loop: `concurrency` requests in flight, the next one starts when one answers.
 * Open loop: requests start on a fixed schedule whatever the answers, so queueing shows as latency.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadRequest {
  body: Buffer;
  headers?: Record<string, string>;
}

export interface LoadResult {
  sent: number;
  /** Answers by status class ("2xx", "4xx", "error"). */
  statuses: Record<string, number>;
  /** First send to last answer. */
  elapsedMs: number;
  startedAt: number;
  endedAt: number;
}

function post(agent: Agent, url: URL, req: LoadRequest): Promise<number> {
  return new Promise((resolve) => {
    const r = request(
      {
        agent,
        method: 'POST',
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': 'application/json', 'content-length': String(req.body.length), ...req.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    r.on('error', () => resolve(0));
    r.end(req.body);
  });
}

const statusClass = (s: number): string => (s === 0 ? 'error' : `${Math.floor(s / 100)}xx`);

export async function closedLoop(
  target: string,
  requests: readonly LoadRequest[],
  concurrency: number,
  onSend?: (index: number, at: number) => void,
): Promise<LoadResult> {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  let next = 0;
  const startedAt = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      onSend?.(i, performance.now());
      const status = await post(agent, url, requests[i]!);
      const c = statusClass(status);
      statuses[c] = (statuses[c] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  const endedAt = performance.now();
  agent.destroy();
  return { sent: requests.length, statuses, elapsedMs: endedAt - startedAt, startedAt, endedAt };
}

export async function openLoop(
  target: string,
  requests: readonly LoadRequest[],
  ratePerSec: number,
  onSend?: (index: number, at: number) => void,
): Promise<LoadResult> {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const statuses: Record<string, number> = {};
  const interval = 1000 / ratePerSec;
  const inFlight: Promise<void>[] = [];
  const startedAt = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      // Send every request whose slot has come (timers are coarse; never fall behind the schedule).
      while (i < requests.length && startedAt + i * interval <= now) {
        const index = i++;
        onSend?.(index, performance.now());
        inFlight.push(
          post(agent, url, requests[index]!).then((status) => {
            const c = statusClass(status);
            statuses[c] = (statuses[c] ?? 0) + 1;
          }),
        );
      }
      if (i >= requests.length) return resolve();
      setTimeout(tick, Math.max(0, startedAt + i * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  const endedAt = performance.now();
  agent.destroy();
  return { sent: requests.length, statuses, elapsedMs: endedAt - startedAt, startedAt, endedAt };
}

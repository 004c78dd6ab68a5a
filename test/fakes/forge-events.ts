/**
 * A fake of the Forge async-events endpoint that `@forge/events` `Queue.push` posts to (node_modules/@forge/events/out/
 * queue.js: POST PUSH_PATH with `{ queueName, jobId, payload: PushEvent[] }`, 201 on success). Passed to the real
 * `Queue` as its `apiClient`, so the client's own validation (50 events, 200 KB, delay 0..900) runs unchanged.
 */
import type { FetchMethod } from '@forge/api';

export interface PushedRequest {
  path: string;
  queueName: string;
  payload: { body: Record<string, unknown>; delayInSeconds?: number; concurrency?: { key: string; limit: number } }[];
}

/**
 * `refuse`: statuses the next pushes are answered with instead of 201, e.g. 429, which @forge/events turns into
 * `RateLimitError` (node_modules/@forge/events/out/validators.js `validatePushAPIResponse`; "more than 500 events a
 * minute", https://developer.atlassian.com/platform/forge/limits-async-events/). A refused push records nothing.
 */
export function forgeEventsFake(): { apiClient: FetchMethod; pushes: PushedRequest[]; refuse: number[] } {
  const pushes: PushedRequest[] = [];
  const refuse: number[] = [];
  return {
    pushes,
    refuse,
    apiClient: async (path, init) => {
      const refused = refuse.shift();
      if (refused !== undefined) {
        return new Response(JSON.stringify({ message: 'Too many requests' }), { status: refused, headers: { 'content-type': 'application/json' } }) as unknown as Awaited<ReturnType<FetchMethod>>;
      }
      const body = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as Omit<PushedRequest, 'path'>;
      pushes.push({ path, queueName: body.queueName, payload: body.payload });
      return new Response(JSON.stringify({}), { status: 201, headers: { 'content-type': 'application/json' } }) as unknown as Awaited<ReturnType<FetchMethod>>;
    },
  };
}

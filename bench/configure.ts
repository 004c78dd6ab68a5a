/** Configures repositories the way an admin does: saveChannel + saveRules through the resolver API over HTTP. */
import { repoUuid } from './events';

export const BENCH_RULE = {
  name: 'failures and fixes',
  on: ['failed', 'fixed', 'deployment-failed', 'deployment-fixed'],
  channels: ['sink'],
};

async function resolver(baseUrl: string, name: string, payload: unknown, extension: unknown): Promise<void> {
  const res = await fetch(`${baseUrl}/api/resolvers/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload, extension }),
  });
  const json = (await res.json()) as { ok?: boolean; error?: unknown };
  if (!res.ok || json.ok !== true) throw new Error(`${name} failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
}

/** Every repository gets a `webhook` channel to the sink and one rule on failures and fixes of every branch. */
export async function configureRepos(baseUrl: string, sinkUrl: string, count: number): Promise<void> {
  const one = async (i: number) => {
    const extension = { repository: { uuid: repoUuid(i) } };
    await resolver(baseUrl, 'saveChannel', { channel: { name: 'sink', type: 'webhook', url: `${sinkUrl}/hook` } }, extension);
    await resolver(baseUrl, 'saveRules', { rules: [BENCH_RULE] }, extension);
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => one(i + k)));
}

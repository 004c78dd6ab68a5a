/**
 * The Forge handlers against a recording fake App: they only translate between the platform's
 * shapes and the App's entry points, so these tests pin exactly that translation.
 */
import { InternalServerError, InvocationErrorCode, PartialSuccessError, PayloadTooBigError, RateLimitError, TooManyEventsError } from '@forge/events';
import type { App, InboundRequest, ResolverCall } from '../../src/app/app-types';
import type { JobResult, Logger } from '../../src/core/ports';
import type { JobBody } from '../../src/app/jobs';
import { RESOLVER_NAMES, type ResolverName } from '../../src/shared/contract';
import { makeConsumerHandler, MAX_RETRY_AFTER_S } from '../../src/adapters/forge/consumer';
import { makeResolver } from '../../src/adapters/forge/resolver';
import { makeScheduledHandler } from '../../src/adapters/forge/scheduled';
import { makeTriggerHandler } from '../../src/adapters/forge/trigger';
import { makeWebTriggerHandler } from '../../src/adapters/forge/webtrigger';
import { createConsoleLogger } from '../../src/adapters/forge/logger';

interface Recorded {
  forgeEvents: unknown[];
  webhooks: InboundRequest[];
  jobs: { body: JobBody; attempt: number }[];
  resolves: { name: ResolverName; call: ResolverCall }[];
  reconciles: number;
}

function fakeApp(overrides: Partial<App> = {}): { app: App; rec: Recorded } {
  const rec: Recorded = { forgeEvents: [], webhooks: [], jobs: [], resolves: [], reconciles: 0 };
  const app: App = {
    async ingestForgeEvent(event) {
      rec.forgeEvents.push(event);
      return { queued: 1 };
    },
    async ingestWebhook(request) {
      rec.webhooks.push(request);
      return { status: 202, body: { queued: 1 } };
    },
    async handleJob(body, meta) {
      rec.jobs.push({ body, attempt: meta.attempt });
      return { status: 'done' };
    },
    async reconcile() {
      rec.reconciles++;
      return { repositories: 2, fed: 1 };
    },
    async resolve(name, call) {
      rec.resolves.push({ name, call });
      return { ok: true, data: { echoed: name } };
    },
    ...overrides,
  };
  return { app, rec };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const sink = { log: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
  return Object.assign(createConsoleLogger({ sink, level: 'debug' }), { lines });
}

const buildStatusEvent = (extra: Record<string, unknown> = {}) => ({
  eventType: 'avi:bitbucket:created:build-status',
  repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' },
  buildStatus: { key: 'k', state: 'FAILED', commit: { hash: 'b88c4b490b648bf960eba6f59123456797960e55' }, refName: 'main' },
  ...extra,
});

const aDeliverJob = (): JobBody => ({ type: 'flush-group', groupKey: 'g-1' });

describe('trigger handler', () => {
  it('passes the event to ingestForgeEvent unchanged', async () => {
    const { app, rec } = fakeApp();
    const event = buildStatusEvent();
    const result = await makeTriggerHandler(() => app, recordingLogger())(event, {});
    expect(rec.forgeEvents).toEqual([event]);
    expect(result).toEqual({ queued: 1 });
  });

  it('drops events the app caused itself without calling the App', async () => {
    const { app, rec } = fakeApp();
    const result = await makeTriggerHandler(() => app, recordingLogger())(buildStatusEvent({ selfGenerated: true }));
    expect(rec.forgeEvents).toEqual([]);
    expect(result).toEqual({ queued: 0, ignored: 'selfGenerated' });
  });

  it('creates the App only when an event needs it', async () => {
    const { app } = fakeApp();
    let created = 0;
    const handler = makeTriggerHandler(() => {
      created++;
      return app;
    }, recordingLogger());
    await handler(buildStatusEvent({ selfGenerated: true }));
    expect(created).toBe(0);
    await handler(buildStatusEvent());
    expect(created).toBe(1);
  });

  // Product-event triggers are retried only when the handler returns an InvocationError, at most four times
  // (https://developer.atlassian.com/platform/forge/events-reference/product_events/#retry-atlassian-app-events).
  type Returned = { queued?: number; ignored?: string; _retry?: boolean; retryOptions?: { retryAfter: number; retryReason: string; retryData: unknown } };
  const failingWith = (err: unknown) => fakeApp({ ingestForgeEvent: async () => Promise.reject(err) }).app;

  it('returns an InvocationError (upstream rate limited, after at least a minute) when the queue refuses a push with RateLimitError', async () => {
    const log = recordingLogger();
    const out = (await makeTriggerHandler(() => failingWith(new RateLimitError('Too many requests.')), log)(buildStatusEvent(), {})) as Returned;
    expect(out._retry).toBe(true);
    expect(out.retryOptions!.retryReason).toBe(InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED);
    expect(out.retryOptions!.retryAfter).toBeGreaterThanOrEqual(60);
    expect(out.retryOptions!.retryData).toEqual({ failure: 'RateLimitError' });
    expect(log.lines.some((l) => l.includes('Forge will retry it'))).toBe(true);
  });

  it('retries partial pushes, platform 5xx and KVS 429 / 5xx with growing backoff', async () => {
    const kvs = (status: number) => Object.assign(new Error('kvs'), { name: 'ForgeKvsError', responseDetails: { status } });
    for (const err of [new PartialSuccessError('some failed', { jobId: 'j' }, []), new InternalServerError('500 Internal Server Error', 500), kvs(503), kvs(429)]) {
      const first = (await makeTriggerHandler(() => failingWith(err), recordingLogger())(buildStatusEvent(), {})) as Returned;
      const third = (await makeTriggerHandler(() => failingWith(err), recordingLogger())(buildStatusEvent({ retryContext: { retryCount: 2 } }), {})) as Returned;
      expect(first._retry).toBe(true);
      expect(third.retryOptions!.retryAfter).toBeGreaterThan(first.retryOptions!.retryAfter - (err instanceof Error && 'responseDetails' in err ? 30 : 0));
      expect(third.retryOptions!.retryAfter).toBeLessThanOrEqual(900);
    }
  });

  it('logs and drops errors no retry can fix: oversized pushes, KVS 4xx, programmer errors', async () => {
    const kvs400 = Object.assign(new Error('bad key'), { name: 'ForgeKvsError', responseDetails: { status: 400 } });
    for (const err of [new PayloadTooBigError('The maximum payload size is 200KB.'), new TooManyEventsError('too many'), kvs400, new TypeError('x is undefined')]) {
      const log = recordingLogger();
      const out = (await makeTriggerHandler(() => failingWith(err), log)(buildStatusEvent(), {})) as Returned;
      expect(out._retry).toBeUndefined();
      expect(out).toEqual({ queued: 0, ignored: 'ingest failed permanently' });
      expect(log.lines.some((l) => l.includes('failed permanently'))).toBe(true);
    }
  });
});

describe('consumer handler', () => {
  it('hands the body to handleJob with attempt 1 on first delivery and retryCount + 1 after', async () => {
    const { app, rec } = fakeApp();
    const handler = makeConsumerHandler(() => app, recordingLogger());
    const body = aDeliverJob();
    expect(await handler({ body, jobId: 'j1' })).toBeUndefined();
    await handler({ body, jobId: 'j1', retryContext: { retryCount: 2, retryReason: 'FUNCTION_RETRY_REQUEST' } });
    expect(rec.jobs).toEqual([
      { body, attempt: 1 },
      { body, attempt: 3 },
    ]);
  });

  it('maps a retry result to a returned InvocationError with retryAfter and FUNCTION_RETRY_REQUEST', async () => {
    const { app } = fakeApp({ handleJob: async (): Promise<JobResult> => ({ status: 'retry', afterSeconds: 42.2, reason: 'slack 429' }) });
    const out = (await makeConsumerHandler(() => app, recordingLogger())({ body: aDeliverJob() })) as unknown as {
      _retry: boolean;
      retryOptions: { retryAfter: number; retryReason: string; retryData: unknown };
    };
    expect(out._retry).toBe(true);
    expect(out.retryOptions.retryAfter).toBe(43);
    expect(out.retryOptions.retryReason).toBe(InvocationErrorCode.FUNCTION_RETRY_REQUEST);
    expect(out.retryOptions.retryData).toEqual({ reason: 'slack 429' });
  });

  it('keeps retryAfter within 1..900 s', async () => {
    for (const [afterSeconds, expected] of [
      [0, 1],
      [5000, MAX_RETRY_AFTER_S],
    ] as const) {
      const { app } = fakeApp({ handleJob: async (): Promise<JobResult> => ({ status: 'retry', afterSeconds, reason: 'r' }) });
      const out = (await makeConsumerHandler(() => app, recordingLogger())({ body: aDeliverJob() })) as unknown as { retryOptions: { retryAfter: number } };
      expect(out.retryOptions.retryAfter).toBe(expected);
    }
  });

  it('turns an unexpected failure into a backed-off retry and logs it without the stack', async () => {
    const log = recordingLogger();
    const { app } = fakeApp({
      handleJob: async () => {
        throw new Error('KVS unavailable');
      },
    });
    const handler = makeConsumerHandler(() => app, log);
    const first = (await handler({ body: aDeliverJob() })) as unknown as { retryOptions: { retryAfter: number } };
    const third = (await handler({ body: aDeliverJob(), retryContext: { retryCount: 2 } })) as unknown as { retryOptions: { retryAfter: number } };
    expect(first.retryOptions.retryAfter).toBe(30);
    expect(third.retryOptions.retryAfter).toBe(120);
    expect(log.lines.join('\n')).toContain('KVS unavailable');
    expect(log.lines.join('\n')).not.toMatch(/\n\s+at /);
  });

  it('drops a body of unknown type without calling the App', async () => {
    const { app, rec } = fakeApp();
    expect(await makeConsumerHandler(() => app, recordingLogger())({ body: { type: 'nonsense' } })).toBeUndefined();
    expect(rec.jobs).toEqual([]);
  });
});

describe('web trigger handler', () => {
  const body = JSON.stringify({ repository: { full_name: 'acme/api' }, emoji: 'Ünïcødé ✓' });

  it('passes exact body bytes and lower-cased headers, and maps status and body to the response format', async () => {
    const { app, rec } = fakeApp();
    const res = await makeWebTriggerHandler(() => app, recordingLogger())({
      method: 'POST',
      body,
      headers: { 'X-Event-Key': ['repo:push'], 'X-Hub-Signature': ['sha256=ab'], Accept: ['a', 'b'] },
    });
    expect(rec.webhooks).toHaveLength(1);
    expect(rec.webhooks[0]!.rawBody.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(rec.webhooks[0]!.headers).toEqual({ 'x-event-key': 'repo:push', 'x-hub-signature': 'sha256=ab', accept: ['a', 'b'] });
    expect(res).toEqual({ statusCode: 202, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ queued: 1 }) });
  });

  it('passes the App’s refusals through (e.g. 401 on a bad signature)', async () => {
    const { app } = fakeApp({ ingestWebhook: async () => ({ status: 401, body: { error: 'signature mismatch' } }) });
    const res = await makeWebTriggerHandler(() => app, recordingLogger())({ method: 'POST', body, headers: {} });
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body!)).toEqual({ error: 'signature mismatch' });
  });

  it('answers an internal error with a bare 500 that leaks no message or stack', async () => {
    const log = recordingLogger();
    const { app } = fakeApp({
      ingestWebhook: async () => {
        throw new Error('secret-ish internal detail at /src/app/ingest.ts:42');
      },
    });
    const res = await makeWebTriggerHandler(() => app, log)({ method: 'POST', body, headers: {} });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe(JSON.stringify({ error: 'internal error' }));
    expect(JSON.stringify(res)).not.toContain('ingest.ts');
    expect(log.lines.join('\n')).toContain('internal detail'); // operators still see it in the logs
  });

  it('refuses methods other than POST without calling the App', async () => {
    const { app, rec } = fakeApp();
    const res = await makeWebTriggerHandler(() => app, recordingLogger())({ method: 'GET', body: '', headers: {} });
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toEqual(['POST']);
    expect(rec.webhooks).toEqual([]);
  });
});

describe('scheduled handler', () => {
  it('runs reconciliation once, logs its counts and answers { statusCode: 204 } as a scheduled trigger must', async () => {
    const { app, rec } = fakeApp();
    const log = recordingLogger();
    expect(await makeScheduledHandler(() => app, log)({})).toEqual({ statusCode: 204 });
    expect(rec.reconciles).toBe(1);
    expect(log.lines.some((l) => l.includes('"repositories":2') && l.includes('"fed":1'))).toBe(true);
  });

  it('answers 500 (not a throw) when reconciliation fails; the next hourly run starts over', async () => {
    const { app } = fakeApp({ reconcile: async () => Promise.reject(new Error('kvs down')) });
    expect(await makeScheduledHandler(() => app, recordingLogger())({})).toEqual({ statusCode: 500 });
  });
});

describe('resolver', () => {
  // What @forge/resolver's definitions handler receives: the browser's call and context, plus the
  // platform's runtime payload with the authenticated principal.
  const invoke = (
    defs: ReturnType<typeof makeResolver>,
    functionKey: string,
    payload: unknown,
    context: Record<string, unknown>,
    principalAccountId: string | undefined,
  ) => defs({ call: { functionKey, payload }, context } as never, principalAccountId ? { principal: { accountId: principalAccountId } } : {});

  it('defines every resolver name in the contract', async () => {
    const { app, rec } = fakeApp();
    const defs = makeResolver(() => app, recordingLogger());
    for (const name of RESOLVER_NAMES) await invoke(defs, name, {}, {}, 'acc-1');
    expect(rec.resolves.map((r) => r.name)).toEqual([...RESOLVER_NAMES]);
  });

  it('passes the platform accountId, never one the browser claims, plus only the contract’s extension fields', async () => {
    const { app, rec } = fakeApp();
    const defs = makeResolver(() => app, recordingLogger());
    // The repository settings page's extension as documented: type, repository.uuid, location (no workspace);
    // the workspace in the resolver context's workspaceId.
    const result = await invoke(
      defs,
      'getSettings',
      { x: 1 },
      {
        accountId: 'attacker-claimed',
        license: { isActive: true },
        workspaceId: '{4c16a397-8e48-479c-8ca2-442e46c90570}',
        extension: {
          type: 'bitbucket:repoSettingsMenuPage',
          repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}', isAdmin: true },
          location: 'https://bitbucket.org/acme/widgets/admin/forge/app/repo-settings',
        },
      },
      'real-account',
    );
    expect(result).toEqual({ ok: true, data: { echoed: 'getSettings' } });
    expect(rec.resolves[0]!.call).toEqual({
      caller: { accountId: 'real-account' },
      extension: {
        repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}' },
        workspace: { uuid: '{4c16a397-8e48-479c-8ca2-442e46c90570}' },
      },
      payload: { x: 1 },
    });
  });

  it('takes the workspace from the installation (installContext), never from what the page puts in its extension', async () => {
    const { app, rec } = fakeApp();
    const defs = makeResolver(() => app, recordingLogger());
    await defs(
      {
        call: { functionKey: 'getWorkspaceDefaults', payload: {} },
        context: { workspaceId: '{99999999-0000-4000-8000-000000000000}', extension: { type: 'bitbucket:workspaceSettingsMenuPage', workspace: { uuid: '{11111111-0000-4000-8000-000000000000}' } } },
      } as never,
      { principal: { accountId: 'acc' }, installContext: 'ari:cloud:bitbucket::workspace/4c16a397-8e48-479c-8ca2-442e46c90570' },
    );
    expect(rec.resolves[0]!.call.extension).toEqual({ workspace: { uuid: '{4c16a397-8e48-479c-8ca2-442e46c90570}' } });
  });

  it('lets NEEDS_AUTHENTICATION_ERR leave the resolver unchanged, so Forge can show its consent prompt', async () => {
    const consent = Object.assign(new Error('Authentication Required'), { name: 'NEEDS_AUTHENTICATION_ERR', status: 401 });
    const { app } = fakeApp({ resolve: async () => Promise.reject(consent) });
    await expect(invoke(makeResolver(() => app, recordingLogger()), 'getSettings', {}, {}, 'a')).rejects.toBe(consent);
  });

  it('has no caller when the platform names no principal, whatever the browser sends', async () => {
    const { app, rec } = fakeApp();
    await invoke(makeResolver(() => app, recordingLogger()), 'getSettings', {}, { accountId: 'forged' }, undefined);
    expect(rec.resolves[0]!.call.caller).toEqual({ accountId: null });
  });

  it('maps a thrown error to an internal error response without its message', async () => {
    const { app } = fakeApp({
      resolve: async () => {
        throw new Error('stack-worthy detail');
      },
    });
    const result = (await invoke(makeResolver(() => app, recordingLogger()), 'saveRules', { rules: [] }, {}, 'a')) as { ok: boolean; error: { code: string; message: string } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('internal');
    expect(JSON.stringify(result)).not.toContain('stack-worthy');
  });
});

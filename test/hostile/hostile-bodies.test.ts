/**
 * Hostile bodies on every inbound route: oversized, deeply nested, huge arrays and wrong types in
 * the event fields. Each gets a 4xx or "202 ignored" quickly, never a 500 and never a stack trace.
 */
import { loadFixture } from '../helpers/fixtures';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';
import { captureLog, expectNoStackTrace, jobsTaken, type CapturedLog } from './helpers/hostile';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const cloudStatus = loadFixture('cloud-commit-status-updated-successful.drone-go-scm.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid };
const MIB = 1024 * 1024;

const withBuild = (fields: Record<string, unknown>) => ({ ...forgeFailed, buildStatus: { ...forgeFailed.buildStatus, ...fields } });

describe('hostile bodies', () => {
  let rt: TestRuntime;
  let log: CapturedLog;

  beforeAll(async () => {
    log = captureLog();
    rt = await startTestRuntime({ log });
  });
  afterAll(() => rt?.stop());
  afterEach(async () => {
    await rt.settle();
    // No hostile body may reach an unhandled error anywhere (HTTP edge, resolvers, queue consumers).
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  async function send(path: string, body: unknown, headers: Record<string, string> = {}) {
    const started = Date.now();
    const res = await rt.post(path, body, headers);
    expectNoStackTrace(res.json);
    expect(res.status).toBeLessThan(500);
    return { ...res, ms: Date.now() - started };
  }

  test.each([
    ['/webhooks/bitbucket', { 'X-Event-Key': 'repo:push' }],
    ['/forge/events', {}],
    ['/api/resolvers/saveRules', {}],
  ])('a body over 1 MiB to %s is refused with 413', async (path, headers) => {
    const jobs = jobsTaken(rt);
    const big = JSON.stringify({ eventType: 'avi:bitbucket:created:build-status', pad: 'x'.repeat(MIB) });
    const res = await send(path, big, headers);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/larger than|limit/);
    expect(jobsTaken(rt)).toBe(jobs);
  });

  test('exactly at the limit is still read (the 413 is about size, not about the route)', async () => {
    const body = JSON.stringify({ foo: 'x'.repeat(MIB - 20) });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MIB);
    const res = await send('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:fork' });
    expect(res.status).toBe(202);
  });

  test('JSON nested 100k levels deep is refused with 400, fast', async () => {
    const arrays = '['.repeat(100_000) + ']'.repeat(100_000);
    const objects = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    for (const body of [arrays, objects]) {
      const hook = await send('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:push' });
      expect(hook.status).toBe(400);
      expect(hook.json.error).toMatch(/nested deeper than \d+ levels/);
      expect(hook.ms).toBeLessThan(1000);
    }
    // The Forge route and the resolver route must not fall over either (4xx or ignored).
    for (const body of [arrays, objects]) {
      const forge = await send('/forge/events', body);
      expect([202, 400]).toContain(forge.status);
      expect(forge.ms).toBeLessThan(2000);
      const resolver = await send('/api/resolvers/getSettings', body);
      expect(resolver.status).toBeLessThan(500);
    }
  });

  test('a nested-looking string is not mistaken for nesting', async () => {
    const body = JSON.stringify({ note: '['.repeat(10_000) + '{'.repeat(10_000) });
    const res = await send('/webhooks/bitbucket', body, { 'X-Event-Key': 'repo:fork' });
    expect(res.status).toBe(202);
  });

  test('huge JSON arrays are answered without a 500', async () => {
    const numbers = JSON.stringify(Array.from({ length: 150_000 }, (_, i) => i));
    expect((await send('/forge/events', numbers)).status).toBe(400);
    expect((await send('/webhooks/bitbucket', numbers, { 'X-Event-Key': 'repo:push' })).status).toBeLessThan(500);

    // A push with 20,000 ref changes: far over the queue's 200 KB per push if queued whole.
    const changes = Array.from({ length: 20_000 }, (_, i) => ({ new: { name: `b${i}`, type: 'branch' } }));
    const push = JSON.stringify({ push: { changes }, repository: { uuid: REPO.uuid, full_name: 'acme/widgets', type: 'repository' }, actor: {} });
    expect(Buffer.byteLength(push)).toBeLessThan(MIB);
    const res = await send('/webhooks/bitbucket', push, { 'X-Event-Key': 'repo:push' });
    expect(res.status).toBe(202);

    // A Cloud commit status with a 900 KB description.
    const huge = { ...cloudStatus, commit_status: { ...cloudStatus.commit_status, description: 'd'.repeat(900_000), state: 'FAILED' } };
    const big = await send('/webhooks/bitbucket', huge, { 'X-Event-Key': 'repo:commit_status_updated' });
    expect(big.status).toBe(202);
  });

  test.each([
    ['repository as a string', { ...forgeFailed, repository: 'acme/widgets' }],
    ['repository null', { ...forgeFailed, repository: null }],
    ['repository.uuid a number', { ...forgeFailed, repository: { uuid: 7 } }],
    ['buildStatus.state 42', withBuild({ state: 42 })],
    ['buildStatus.state unknown', withBuild({ state: 'EXPLODED' })],
    ['buildStatus a string', { ...forgeFailed, buildStatus: 'FAILED' }],
    ['buildStatus an array', { ...forgeFailed, buildStatus: [forgeFailed.buildStatus] }],
    ['buildStatus.refName an object', withBuild({ refName: { name: 'main' } })],
    ['buildStatus.key a list', withBuild({ key: ['my-build1'] })],
    ['buildStatus.commit a string', withBuild({ commit: 'b88c4b49' })],
    ['buildStatus.commit.hash a number', withBuild({ commit: { hash: 12345 } })],
    ['buildStatus.url a number', withBuild({ url: 5 })],
    ['buildStatus.updatedOn not a date', withBuild({ updatedOn: 'yesterday', createdOn: null })],
    ['eventType a number', { ...forgeFailed, eventType: 42 }],
    ['eventType unknown', { ...forgeFailed, eventType: 'avi:bitbucket:exploded:build-status' }],
    ['timestamp an object', { ...forgeFailed, timestamp: {} }],
    ['__proto__ key', JSON.parse(`{"__proto__": {"polluted": true}, "eventType": "avi:bitbucket:created:build-status", "repository": {"uuid": "${REPO.uuid}"}}`)],
  ])('a Forge event with %s is 202 ignored or 400, never 500', async (_label, event) => {
    const res = await send('/forge/events', event);
    expect([202, 400]).toContain(res.status);
    if (res.status === 202 && !res.json.queued) expect(res.json).toMatchObject({ ignored: true, reason: expect.any(String) });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test.each([
    ['repository as a string', { ...cloudStatus, repository: 'acme/widgets' }],
    ['commit_status.state 42', { ...cloudStatus, commit_status: { ...cloudStatus.commit_status, state: 42 } }],
    ['commit_status null', { ...cloudStatus, commit_status: null }],
    ['commit_status.refname a list', { ...cloudStatus, commit_status: { ...cloudStatus.commit_status, refname: ['main'] } }],
    ['a bare string', 'FAILED'],
    ['a number', 42],
    ['null', null],
  ])('a Cloud webhook with %s is 202 ignored or 400, never 500', async (_label, body) => {
    const res = await send('/webhooks/bitbucket', JSON.stringify(body), { 'X-Event-Key': 'repo:commit_status_updated' });
    expect([202, 400]).toContain(res.status);
  });

  test('malformed JSON and foreign routes get clear errors', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['/webhooks/bitbucket', '{"push": ', { 'X-Event-Key': 'repo:push' }],
      ['/forge/events', '{"eventType": ', {}],
      ['/api/resolvers/getSettings', '{"payload": ', {}],
      ['/webhooks/bitbucket', '\u0000\u0001binary', { 'X-Event-Key': 'repo:push' }],
    ];
    for (const [path, body, headers] of cases) {
      const res = await send(path, body, headers);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.json.error).toMatch(/malformed JSON|JSON/);
    }
    const unknown = await send('/api/resolvers/dropTables', {});
    expect(unknown.status).toBe(404);
    const noKey = await send('/webhooks/bitbucket', { foo: 1 });
    expect(noKey.status).toBe(400);
    expect(noKey.json.error).toMatch(/X-Event-Key/);
  });

  test('resolver payloads of the wrong shape are field errors, not crashes', async () => {
    const extension = { repository: REPO };
    const payloads: [string, unknown][] = [
      ['saveChannel', { channel: 'slack' }],
      ['saveChannel', { channel: null }],
      ['saveChannel', null],
      ['saveChannel', { channel: { name: ['x'], type: 'slack' } }],
      ['saveRules', { rules: { 0: 'x' } }],
      ['deleteChannel', { name: 42 }],
      ['testChannel', { name: { $ne: null } }],
      ['snooze', { target: 'main' }],
      ['unsnooze', []],
      ['redeliver', { id: 5 }],
      ['getDeliveryLog', { limit: 'all', cursor: 'not-a-cursor' }],
      ['importRules', { yaml: 42 }],
      ['importRules', { yaml: '- just\n- a list\n' }],
      ['importRules', { yaml: 'a: &a [*a]\n' }],
      ['setInboundSecret', { secret: { length: 20 } }],
    ];
    for (const [name, payload] of payloads) {
      const res = await send(`/api/resolvers/${name}`, { payload, extension });
      expect({ name, payload, status: res.status, ok: res.json.ok }).toEqual({ name, payload, status: 200, ok: false });
      expect({ name, payload, code: res.json.error.code }).toEqual({ name, payload, code: expect.stringMatching(/^(invalid|not-found)$/) });
    }
    // A read-only preview ignores a malformed glob list rather than failing.
    const preview = await send('/api/resolvers/previewBranches', { payload: { branches: 'main', excludeBranches: { a: 1 } }, extension });
    expect(preview.json).toMatchObject({ ok: true, data: { matches: expect.any(Array) } });
  });
});

/**
 * Issue "Inbound trust": "Send test alert" must not be a way to read an internal service's answer
 * or to map which hosts and ports exist. Hosts outside the known vendors (the generic webhook, a
 * self-hosted Mattermost, an API base override) get only the status and a short message; network
 * failures of every kind read the same; the server log keeps the detail.
 */
import type { HttpFailure, HttpRequest, HttpResult } from '../../src/core/ports';
import { startTestApp, type TestApp } from './helpers/app-deps';

const LEAK = 'SECRET-INTERNAL-DATA';
const UNREACHABLE = 'could not reach the endpoint (network error or timeout; the server log has the detail)';
const INTERNAL_URL = 'https://intranet.acme.example/admin/status';
const SLACK_URL = 'https://hooks.slack.com/services/T0ROCKETS/B0ROCKETS/s3cr3tSlackT0kenZZ9';
const OPSGENIE_KEY = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

let t: TestApp;
beforeEach(() => {
  t = startTestApp();
});
afterEach(async () => {
  await t.close();
});

async function ok<T = any>(name: Parameters<TestApp['call']>[0], payload: unknown = {}): Promise<T> {
  const res = await t.call(name, payload);
  if (!res.ok) throw new Error(`${name} failed: ${JSON.stringify(res.error)}`);
  return res.data as T;
}

async function testChannel(channel: Record<string, unknown>): Promise<any> {
  await ok('saveChannel', { channel });
  return ok('testChannel', { name: channel.name });
}

/** Everything the browser can read about the test: the resolver's answer and the delivery log. */
async function browserView(result: unknown): Promise<string> {
  const log = await ok('getDeliveryLog', {});
  return JSON.stringify({ result, log });
}

const answer = (status: number, body = LEAK) => () => ({ status, headers: { 'content-type': 'text/plain' }, body });

function failWith(failure: HttpFailure, latencyMs: number): void {
  t.http.send = async (request: HttpRequest): Promise<HttpResult> => {
    t.http.sent.push(request);
    return { ok: false, failure, latencyMs };
  };
}

describe('hosts outside the known vendors: status only', () => {
  test.each([200, 302, 400, 401, 404, 410, 500, 503])('generic webhook answering %s with a body: the body never reaches the browser', async (status) => {
    t.http.respond = answer(status);
    const res = await testChannel({ name: 'audit', type: 'webhook', url: INTERNAL_URL });
    expect(t.http.sent.at(-1)!.url).toBe(INTERNAL_URL);
    expect(res.status).toBe(status);
    expect(res.response).toBeNull();
    if (res.outcome !== 'delivered') expect(res.error).toBe(`the endpoint answered HTTP ${status} (its answer is not shown for hosts outside the known vendors)`);
    expect(await browserView(res)).not.toContain(LEAK);
  });

  test('the server log keeps the detail', async () => {
    t.http.respond = answer(500);
    await testChannel({ name: 'audit', type: 'webhook', url: INTERNAL_URL });
    expect(JSON.stringify(t.log.lines)).toContain(LEAK);
  });

  test('a self-hosted Mattermost server: status only', async () => {
    t.http.respond = answer(400);
    const res = await testChannel({ name: 'mm', type: 'mattermost', url: 'https://chat.acme.example/hooks/abcdefghijklmnopqrstuvwxyz' });
    expect(res).toMatchObject({ outcome: 'failed', status: 400, response: null });
    expect(await browserView(res)).not.toContain(LEAK);
  });

  test('an incident tool with an API base override: status only, for both steps', async () => {
    let n = 0;
    t.http.respond = () => (n++ === 0 ? { status: 202, headers: {}, body: `{"result":"${LEAK}"}` } : { status: 422, headers: {}, body: `{"message":"${LEAK}"}` });
    const res = await testChannel({ name: 'pager', type: 'opsgenie', apiKey: OPSGENIE_KEY, url: 'https://opsgenie-proxy.acme.example' });
    expect(t.http.sent.map((r) => new URL(r.url).host)).toEqual(['opsgenie-proxy.acme.example', 'opsgenie-proxy.acme.example']);
    expect(res.outcome).toBe('failed');
    expect(res.steps.map((s: any) => [s.step, s.outcome, s.status])).toEqual([['open', 'delivered', 202], ['resolve', 'failed', 422]]);
    expect(await browserView(res)).not.toContain(LEAK);
  });
});

describe('known vendor hosts: the short vendor answer may show', () => {
  test('Slack: its answer and reason are shown', async () => {
    t.http.respond = () => ({ status: 403, headers: {}, body: 'invalid_token' });
    const res = await testChannel({ name: 'chat', type: 'slack', url: SLACK_URL });
    expect(res.response).toBe('invalid_token');
    expect(res.error).toContain('invalid_token');
  });

  test('Mattermost Cloud is a vendor host', async () => {
    t.http.respond = () => ({ status: 400, headers: {}, body: '{"id":"model.post.is_valid.props.app_error","message":"Invalid props."}' });
    const res = await testChannel({ name: 'mm', type: 'mattermost', url: 'https://acme.cloud.mattermost.com/hooks/abcdefghijklmnopqrstuvwxyz' });
    expect(res.response).toContain('Invalid props.');
    expect(res.error).toMatch(/too long/);
  });

  test('Opsgenie on its own host: both steps keep their reasons', async () => {
    let n = 0;
    t.http.respond = () => (n++ === 0 ? { status: 202, headers: {}, body: '{"result":"Request will be processed"}' } : { status: 422, headers: {}, body: '{"message":"Request body is not processable"}' });
    const res = await testChannel({ name: 'pager', type: 'opsgenie', apiKey: OPSGENIE_KEY });
    expect(res.response).toContain('Request will be processed');
    expect(res.steps[1].error).toContain('not processable');
  });
});

describe('network failures read the same to the browser', () => {
  const failures: [string, HttpFailure, number][] = [
    ['connection refused', { kind: 'network', message: 'connection refused' }, 2],
    ['DNS failure', { kind: 'network', message: 'host name could not be resolved' }, 15],
    ['TLS error', { kind: 'network', message: 'TLS error (CERT_HAS_EXPIRED)' }, 40],
    ['timeout', { kind: 'timeout', message: 'no answer within 10000 ms' }, 10_000],
  ];

  test.each(failures)('%s', async (_name, failure, latencyMs) => {
    failWith(failure, latencyMs);
    const res = await testChannel({ name: 'audit', type: 'webhook', url: 'https://10-0-0-7.acme.example:8443/' });
    expect(res).toEqual({ outcome: 'failed', status: null, latencyMs: null, response: null, error: UNREACHABLE });
    const view = await browserView(res);
    expect(view).not.toContain(failure.message);
    expect(view).not.toMatch(/refused|TLS|resolv|CERT_|10000 ms/i);
    // The server log has what happened.
    expect(t.log.lines).toContainEqual(expect.objectContaining({ obj: expect.objectContaining({ detail: `${failure.kind}: ${failure.message}` }) }));
  });

  test('a known vendor host too', async () => {
    failWith({ kind: 'network', message: 'connection reset by the server' }, 30);
    const res = await testChannel({ name: 'chat', type: 'slack', url: SLACK_URL });
    expect(res).toEqual({ outcome: 'failed', status: null, latencyMs: null, response: null, error: UNREACHABLE });
  });

  test('all kinds give one identical answer', async () => {
    const answers: unknown[] = [];
    for (const [i, [, failure, latencyMs]] of failures.entries()) {
      failWith(failure, latencyMs);
      const res = await testChannel({ name: `audit-${i}`, type: 'webhook', url: 'https://10-0-0-7.acme.example:8443/' });
      answers.push(res);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  });
});

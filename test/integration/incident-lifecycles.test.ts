/**
 * Every incident closes: failure → still-failing → fix, through the local runtime (Forge events on
 * `/forge/events`, the queue, the channel, HTTP), against loopback servers that keep incidents the
 * way each vendor documents it. Each fake cites its page beside the shape it fakes; where a page
 * does not document an answer, the comment says so and the fake answers a plain success.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadFixture } from '../helpers/fixtures';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime';

const forgeFailed = loadFixture('forge-build-status-created-failed.atlassian-docs.json') as any;
const forgeDeployment = loadFixture('forge-started-deployment.atlassian-docs.json') as any;
const REPO = { uuid: forgeFailed.repository.uuid as string, fullName: 'acme/widgets' };
const EXT = { repository: REPO };

interface Req { method: string; path: string; url: URL; headers: IncomingHttpHeaders; raw: string; body: any }
interface Answer { status: number; body?: unknown }

async function vendor(handle: (req: Req) => Answer): Promise<{ url: string; calls: Req[]; close(): Promise<void> }> {
  const calls: Req[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: any = null;
      try { body = raw ? JSON.parse(raw) : null; } catch { body = undefined; }
      const r: Req = { method: req.method!, path: req.url!, url: new URL(req.url!, 'http://x'), headers: req.headers, raw, body };
      calls.push(r);
      const a = handle(r);
      res.statusCode = a.status;
      if (a.body === undefined) return res.end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const E = 'e'.repeat(40);

const buildStatus = (state: 'FAILED' | 'SUCCESSFUL', at: string, commit: string) => ({
  ...forgeFailed,
  eventType: state === 'FAILED' ? forgeFailed.eventType : 'avi:bitbucket:updated:build-status',
  timestamp: at,
  buildStatus: { ...forgeFailed.buildStatus, state, createdOn: at, updatedOn: at, refName: 'main', commit: { hash: commit } },
});

/** A completed Forge deployment (the documented event, with `COMPLETED` + status as the app reads it). */
const deployment = (status: 'FAILED' | 'SUCCESSFUL', at: string, commit: string) => ({
  ...forgeDeployment,
  eventType: 'avi:bitbucket:completed:deployment',
  timestamp: at,
  deployment: { ...forgeDeployment.deployment, state: 'COMPLETED', status, updatedTimestamp: at, commit: { hash: commit } },
});

let rt: TestRuntime;
beforeEach(async () => { rt = await startTestRuntime(); });
afterEach(async () => { await rt.stop(); });

async function feed(event: unknown) {
  expect((await rt.post('/forge/events', event)).status).toBe(202);
  await rt.settle();
}
async function setup(channel: Record<string, unknown>, on: string[]) {
  const saved = await rt.resolver('saveChannel', { channel: { name: 'oncall', ...channel } }, EXT);
  expect([saved.ok, saved.error]).toEqual([true, undefined]);
  expect((await rt.resolver('saveRules', { rules: [{ name: 'main', on, channels: ['oncall'] }] }, EXT)).ok).toBe(true);
}
async function deliveryLog(): Promise<Array<{ alertType: string; outcome: string }>> {
  const entries = (await rt.resolver('getDeliveryLog', { limit: 50 }, EXT)).data.entries as any[];
  return entries.map((e) => ({ alertType: e.alertType, outcome: e.outcome })).reverse();
}
const streak = async () => {
  await feed(buildStatus('FAILED', '2025-01-31T00:10:00.000Z', A));
  await feed(buildStatus('FAILED', '2025-01-31T00:20:00.000Z', B));
  await feed(buildStatus('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C));
};
const secondStreak = async () => {
  await feed(buildStatus('FAILED', '2025-01-31T01:00:00.000Z', D));
  await feed(buildStatus('SUCCESSFUL', '2025-01-31T01:10:00.000Z', E));
};

// ---------------------------------------------------------------------------------------------
// AlertOps, Bitbucket integration template (https://docs.alertops.com/docs/en/bitbucket): the
// template has predefined status mappings for Bitbucket's `repo:commit_status_*` body. It reads
// `commit_status.state`: FAILED opens an alert; a further FAILED for an alert that is still open is
// appended to it (the inbound log's "Mapped Appended"); SUCCESSFUL or INPROGRESS closes it; any
// other state opens and closes nothing. Posts are matched to an open alert by the integration's
// source plus its identifier (https://help.alertops.com/integrations/web-integrations/custom-url-mapping:
// "AlertOps will match each incoming alert to previous alerts using ... Source + Source Name",
// optionally with the Source ID); for this template that identifier is `commit_status.key`, which
// src/core/channels/alertops.ts fills with the incident key. The URL carries the integration
// (`/POSTAlert/{key}/{source}`). Neither page documents the HTTP answer; the fake answers 200 `{}`.
// ---------------------------------------------------------------------------------------------
function fakeAlertOps() {
  const alerts: Array<{ id: number; key: string; open: boolean; posts: number }> = [];
  const log: Array<{ action: 'opened' | 'appended' | 'closed' | 'ignored'; key: string; id?: number }> = [];
  return vendor((req) => {
    if (req.method !== 'POST' || !/^\/POSTAlert\/[^/]+\/[^/]+$/.test(req.url.pathname)) return { status: 404, body: {} };
    const cs = req.body?.commit_status;
    const key = String(cs?.key ?? '');
    const open = alerts.find((a) => a.key === key && a.open);
    if (cs?.state === 'FAILED') {
      if (open) { open.posts++; log.push({ action: 'appended', key, id: open.id }); }
      else { const a = { id: alerts.length + 1, key, open: true, posts: 1 }; alerts.push(a); log.push({ action: 'opened', key, id: a.id }); }
    } else if ((cs?.state === 'SUCCESSFUL' || cs?.state === 'INPROGRESS') && open) {
      open.open = false;
      log.push({ action: 'closed', key, id: open.id });
    } else {
      log.push({ action: 'ignored', key });
    }
    return { status: 200, body: {} };
  }).then((v) => ({ ...v, alerts, log }));
}

describe('AlertOps (Bitbucket integration template)', () => {
  let ao: Awaited<ReturnType<typeof fakeAlertOps>>;
  beforeEach(async () => {
    ao = await fakeAlertOps();
    await setup({ type: 'alertops', url: `${ao.url}/POSTAlert/0000-1111/BuildAlerts` }, ['failed', 'still-failing', 'fixed']);
  });
  afterEach(async () => { await ao.close(); });

  test('failure → still-failing → fix: one alert opened, one append, closed once', async () => {
    await streak();
    expect(ao.calls.map((c) => `${c.method} ${c.url.pathname} ${c.body.commit_status.state}`)).toEqual([
      'POST /POSTAlert/0000-1111/BuildAlerts FAILED',
      'POST /POSTAlert/0000-1111/BuildAlerts FAILED',
      'POST /POSTAlert/0000-1111/BuildAlerts SUCCESSFUL',
    ]);
    const key = ao.calls[0]!.body.commit_status.key;
    expect(key).toEqual(expect.any(String));
    expect(key.length).toBeGreaterThan(0);
    expect(ao.log).toEqual([
      { action: 'opened', key, id: 1 },
      { action: 'appended', key, id: 1 },
      { action: 'closed', key, id: 1 },
    ]);
    expect(ao.alerts).toEqual([{ id: 1, key, open: false, posts: 2 }]);
    // The generic-integration fields (Setup B in docs/channels.md) tell the same story.
    expect(ao.calls.map((c) => [c.body.source_id, c.body.status])).toEqual([[key, 'FAILED'], [key, 'FAILED'], [key, 'RECOVERED']]);
    expect(await deliveryLog()).toEqual([
      { alertType: 'build.failed', outcome: 'delivered' },
      { alertType: 'build.still-failing', outcome: 'delivered' },
      { alertType: 'build.fixed', outcome: 'delivered' },
    ]);
  });

  test('a second streak opens a new alert, and closes it', async () => {
    await streak();
    await secondStreak();
    const key = ao.calls[0]!.body.commit_status.key;
    expect(ao.log.map((l) => `${l.action} #${l.id}`)).toEqual(['opened #1', 'appended #1', 'closed #1', 'opened #2', 'closed #2']);
    expect(ao.log.every((l) => l.key === key)).toBe(true);
    expect(ao.alerts.map((a) => [a.id, a.open])).toEqual([[1, false], [2, false]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Squadcast Incident Webhook (https://support.squadcast.com/integrations/incident-webhook-incident-webhook-api):
// POST JSON with `Content-Type: application/json`; `message` and `description` are mandatory to
// trigger; `status: "trigger"` (the default) opens an incident associated with `event_id` — "each
// incident requires a unique Event ID", nothing deduplicates a trigger on it (that is the service's
// key-based deduplication rules, https://support.squadcast.com/services/alert-deduplication-rules/key-based-deduplication,
// not configured here); `{"status":"resolve","event_id":…}` resolves the incidents with that
// event_id, message and description not required. Payloads over 30 KB are refused with 413. The
// page documents no body or code for success; the fake answers 202 with no body.
// ---------------------------------------------------------------------------------------------
function fakeSquadcast() {
  const incidents: Array<{ id: number; eventId: string; message: string; status: 'triggered' | 'resolved' }> = [];
  return vendor((req) => {
    if (req.method !== 'POST' || !/^\/v2\/incidents\/api\/[^/]+$/.test(req.url.pathname)) return { status: 404 };
    if (Buffer.byteLength(req.raw) > 30 * 1024) return { status: 413 };
    const b = req.body ?? {};
    const eventId = String(b.event_id ?? '');
    if ((b.status ?? 'trigger') === 'trigger') {
      incidents.push({ id: incidents.length + 1, eventId, message: b.message, status: 'triggered' });
    } else if (b.status === 'resolve') {
      for (const i of incidents) if (i.eventId === eventId && i.status === 'triggered') i.status = 'resolved';
    }
    return { status: 202 };
  }).then((v) => ({ ...v, incidents }));
}

describe('Squadcast (Incident Webhook)', () => {
  let sq: Awaited<ReturnType<typeof fakeSquadcast>>;
  beforeEach(async () => { sq = await fakeSquadcast(); });
  afterEach(async () => { await sq.close(); });

  test('failure → still-failing → fix: exactly one incident, triggered and resolved (still-failing is not sent)', async () => {
    await setup({ type: 'squadcast', url: `${sq.url}/v2/incidents/api/t0k3n` }, ['failed', 'still-failing', 'fixed']);
    await streak();
    expect(sq.calls.map((c) => c.body.status)).toEqual(['trigger', 'resolve']);
    const [trigger, resolve] = sq.calls;
    expect(trigger!.headers['content-type']).toMatch(/^application\/json/);
    expect(trigger!.body.message).toEqual(expect.stringMatching(/failed/i));
    expect(typeof trigger!.body.description).toBe('string');
    expect(trigger!.body.description.length).toBeGreaterThan(0);
    expect(resolve!.body.event_id).toBe(trigger!.body.event_id);
    expect(sq.incidents).toEqual([{ id: 1, eventId: trigger!.body.event_id, message: trigger!.body.message, status: 'resolved' }]);
    expect(await deliveryLog()).toEqual([
      { alertType: 'build.failed', outcome: 'delivered' },
      { alertType: 'build.still-failing', outcome: 'skipped' },
      { alertType: 'build.fixed', outcome: 'delivered' },
    ]);
  });

  test('a second streak opens a new incident, and resolves it', async () => {
    await setup({ type: 'squadcast', url: `${sq.url}/v2/incidents/api/t0k3n` }, ['failed', 'still-failing', 'fixed']);
    await streak();
    await secondStreak();
    expect(sq.calls.map((c) => c.body.status)).toEqual(['trigger', 'resolve', 'trigger', 'resolve']);
    expect(sq.incidents.map((i) => [i.id, i.status])).toEqual([[1, 'resolved'], [2, 'resolved']]);
  });

  test('deployment failed → failed again → fixed: one incident, resolved', async () => {
    await setup({ type: 'squadcast', url: `${sq.url}/v2/incidents/api/t0k3n` }, ['deployment-failed', 'deployment-fixed']);
    await feed(deployment('FAILED', '2025-01-31T00:10:00.000Z', A));
    await feed(deployment('FAILED', '2025-01-31T00:20:00.000Z', B));
    await feed(deployment('SUCCESSFUL', '2025-01-31T00:30:00.000Z', C));
    expect(sq.calls.map((c) => c.body.status)).toEqual(['trigger', 'resolve']);
    expect(sq.calls[1]!.body.event_id).toBe(sq.calls[0]!.body.event_id);
    expect(sq.incidents.map((i) => [i.id, i.status])).toEqual([[1, 'resolved']]);
    expect(await deliveryLog()).toEqual([
      { alertType: 'deployment.failed', outcome: 'delivered' },
      { alertType: 'deployment.failed', outcome: 'skipped' },
      { alertType: 'deployment.fixed', outcome: 'delivered' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/,
// .../resolve-events/): POST /v2/enqueue; a `trigger` with a `dedup_key` of an open alert is
// deduplicated into it, otherwise it opens one; `resolve` with that `dedup_key` resolves it (one
// incident per dedup_key). `routing_key` is the 32-character integration key; a trigger needs
// `payload.summary`, `payload.source` and `payload.severity`. Answers 202
// `{"status":"success","message":"Event processed","dedup_key":…}`, or 400
// `{"status":"invalid event","message":"Event object is invalid","errors":[…]}`.
// ---------------------------------------------------------------------------------------------
const PD_ROUTING_KEY = 'R0ut1ngKey0000000000000000000032';
function fakePagerDuty() {
  const incidents: Array<{ id: number; dedupKey: string; status: 'triggered' | 'resolved'; events: number }> = [];
  return vendor((req) => {
    if (req.method !== 'POST' || req.url.pathname !== '/v2/enqueue') return { status: 404 };
    const b = req.body ?? {};
    const errors: string[] = [];
    if (!/^[A-Za-z0-9]{32}$/.test(String(b.routing_key ?? ''))) errors.push("'routing_key' is invalid");
    if (!['trigger', 'acknowledge', 'resolve'].includes(b.event_action)) errors.push("'event_action' is invalid");
    if (b.event_action === 'trigger' && !(b.payload?.summary && b.payload?.source && b.payload?.severity)) errors.push("'payload' is invalid");
    if (b.event_action !== 'trigger' && !b.dedup_key) errors.push("'dedup_key' is required");
    if (errors.length) return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
    const dedupKey = String(b.dedup_key);
    const open = incidents.find((i) => i.dedupKey === dedupKey && i.status === 'triggered');
    if (b.event_action === 'trigger') {
      if (open) open.events++;
      else incidents.push({ id: incidents.length + 1, dedupKey, status: 'triggered', events: 1 });
    } else if (b.event_action === 'resolve' && open) {
      open.status = 'resolved';
    }
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  }).then((v) => ({ ...v, incidents }));
}

describe('PagerDuty (Events API v2)', () => {
  let pd: Awaited<ReturnType<typeof fakePagerDuty>>;
  beforeEach(async () => {
    pd = await fakePagerDuty();
    await setup({ type: 'pagerduty', routingKey: PD_ROUTING_KEY, url: `${pd.url}/v2/enqueue` }, ['failed', 'still-failing', 'fixed']);
  });
  afterEach(async () => { await pd.close(); });

  test('failure → still-failing → fix: one incident (the repeat deduplicated into it), resolved', async () => {
    await streak();
    expect(pd.calls.map((c) => c.body.event_action)).toEqual(['trigger', 'trigger', 'resolve']);
    const key = pd.calls[0]!.body.dedup_key;
    expect(pd.calls.every((c) => c.body.dedup_key === key)).toBe(true);
    expect(pd.incidents).toEqual([{ id: 1, dedupKey: key, status: 'resolved', events: 2 }]);
    expect((await deliveryLog()).map((e) => e.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  test('a second streak opens a new incident, and resolves it', async () => {
    await streak();
    await secondStreak();
    expect(pd.incidents.map((i) => [i.id, i.status, i.events])).toEqual([[1, 'resolved', 2], [2, 'resolved', 1]]);
  });
});

// ---------------------------------------------------------------------------------------------
// Opsgenie Alert API (https://docs.opsgenie.com/docs/alert-api): `Authorization: GenieKey <key>`;
// POST /v2/alerts creates an alert; with the `alias` of an open alert it is deduplicated into it
// (its count goes up) instead of opening another (https://docs.opsgenie.com/docs/alert-deduplication);
// POST /v2/alerts/{alias}/close?identifierType=alias closes it. Both are asynchronous and answer 202
// `{"result":"Request will be processed","took":…,"requestId":…}`; a missing or wrong key is 401
// (https://docs.opsgenie.com/docs/authentication), a create without `message` 422 (validation
// error); the app sends neither, so those two bodies are never read here.
// ---------------------------------------------------------------------------------------------
const GENIE_KEY = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
function fakeOpsgenie() {
  const alerts: Array<{ id: number; alias: string; status: 'open' | 'closed'; count: number }> = [];
  let requests = 0;
  return vendor((req) => {
    if (req.headers.authorization !== `GenieKey ${GENIE_KEY}`) {
      return { status: 401, body: { message: 'Could not authenticate', took: 0.001, requestId: `r${++requests}` } };
    }
    const accepted = { status: 202, body: { result: 'Request will be processed', took: 0.002, requestId: `r${++requests}` } };
    const close = /^\/v2\/alerts\/([^/]+)\/close$/.exec(req.url.pathname);
    if (req.method === 'POST' && req.url.pathname === '/v2/alerts') {
      if (!req.body?.message) {
        return { status: 422, body: { message: 'Request body is not processable. Please check the errors.', errors: { message: 'Message can not be empty.' }, took: 0.001, requestId: `r${requests}` } };
      }
      const alias = String(req.body.alias ?? '');
      const open = alerts.find((a) => a.alias === alias && a.status === 'open');
      if (open) open.count++;
      else alerts.push({ id: alerts.length + 1, alias, status: 'open', count: 1 });
      return accepted;
    }
    if (req.method === 'POST' && close && req.url.searchParams.get('identifierType') === 'alias') {
      const alias = decodeURIComponent(close[1]!);
      const open = alerts.find((a) => a.alias === alias && a.status === 'open');
      if (open) open.status = 'closed';
      return accepted; // accepted whether or not such an alert is open (processing is asynchronous)
    }
    return { status: 404, body: { message: 'Not found', took: 0.001, requestId: `r${requests}` } };
  }).then((v) => ({ ...v, alerts }));
}

describe('Opsgenie (Alert API)', () => {
  let og: Awaited<ReturnType<typeof fakeOpsgenie>>;
  beforeEach(async () => {
    og = await fakeOpsgenie();
    await setup({ type: 'opsgenie', apiKey: GENIE_KEY, url: og.url }, ['failed', 'still-failing', 'fixed']);
  });
  afterEach(async () => { await og.close(); });

  test('failure → still-failing → fix: one alert (the repeat deduplicated into it), closed by alias', async () => {
    await streak();
    const alias = og.calls[0]!.body.alias;
    expect(og.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v2/alerts',
      'POST /v2/alerts',
      `POST /v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`,
    ]);
    expect(og.calls[1]!.body.alias).toBe(alias);
    expect(og.alerts).toEqual([{ id: 1, alias, status: 'closed', count: 2 }]);
    expect((await deliveryLog()).map((e) => e.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  test('a second streak opens a new alert, and closes it', async () => {
    await streak();
    await secondStreak();
    expect(og.alerts.map((a) => [a.id, a.status, a.count])).toEqual([[1, 'closed', 2], [2, 'closed', 1]]);
  });
});

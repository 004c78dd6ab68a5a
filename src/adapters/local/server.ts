/**
 * The local runtime's HTTP surface (Fastify). Each route hands the request to the same App entry
 * point a Forge module calls; errors are mapped once here and never carry a stack trace.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../../app/app-types';
import { MAX_WEBHOOK_BYTES } from '../../app/ingest';
import type { KeyValueStore, Logger } from '../../core/ports';
import { PREFIX } from '../../core/storage-keys';
import { RESOLVER_NAMES, type ResolverName } from '../../shared/contract';
import { createInboundGuard, issueSession, loginPage, safeEqual, safeNext, SESSION_COOKIE, type InboundGuard } from './inbound-guard';
import { LOCAL_ADMIN } from './local-ports';
import { REPO_ROOT } from './manifest-egress';
import type { QueueStats } from './queue/durable-queue';
import { StorageUnavailableError, type StorageHealth } from './storage-health';

export const UI_BUILD_DIR = resolve(REPO_ROOT, 'static/settings/build');
const SHIM_PATH = resolve(REPO_ROOT, 'src/adapters/local/ui/bridge-shim.js');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.map': 'application/json',
};

export interface ServerOptions {
  /** The app's entry points; the runtime passes them through the manifest's handlers (forge-host.ts). */
  app: Pick<App, 'ingestForgeEvent' | 'ingestWebhook' | 'resolve'>;
  store: KeyValueStore;
  log: Logger;
  /** Bytes accepted on the webhook route (Bitbucket's payloads are far smaller). */
  bodyLimit?: number;
  /** Host, Origin and token checks (inbound-guard.ts); default: loopback on 127.0.0.1, no tokens. */
  guard?: InboundGuard;
  /** Disk-fault state: request writes fail fast (503) and /healthz reports the fault. */
  health?: StorageHealth;
  queueStats?: () => QueueStats;
  /** The settings page build (tests point it elsewhere). */
  uiDir?: string;
}

interface RepoListing {
  key: string;
  uuid: string | null;
  fullName: string | null;
  workspace?: string | null;
}

async function listRepositories(store: KeyValueStore): Promise<RepoListing[]> {
  const out: RepoListing[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query<{ uuid: string | null; fullName: string | null; workspace?: string | null }>({ beginsWith: PREFIX.repos, limit: 100, cursor });
    for (const { key, value } of page.results) {
      out.push({ key: key.slice(PREFIX.repos.length), uuid: value.uuid, fullName: value.fullName, workspace: value.workspace ?? null });
    }
    cursor = page.nextCursor;
  } while (cursor && out.length < 5000);
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function indexPage(repos: RepoListing[]): string {
  const items = repos
    .map((r) => `<li><a href="/repos/${encodeURIComponent(r.key)}/settings/">${escapeHtml(r.fullName ?? r.uuid ?? r.key)}</a> <code>${escapeHtml(r.uuid ?? r.key)}</code></li>`)
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Build Alerts for Bitbucket (local)</title>
<style>body{font-family:system-ui,sans-serif;max-width:720px;margin:40px auto;padding:0 16px;color:#172b4d}code{color:#626f86}</style></head>
<body><h1>Build Alerts for Bitbucket</h1>
${repos.length ? `<p>Repositories in this data directory:</p><ul>${items}</ul>` : `<p>No repositories yet. Post a Bitbucket event to <code>/forge/events</code> or <code>/webhooks/bitbucket</code>, or open <code>/repos/&lt;repository-uuid&gt;/settings/</code>.</p>`}
</body></html>`;
}

/** The Forge context the bridge shim hands to the page: the repository (or workspace) in the URL. */
function contextScript(kind: 'repo' | 'workspace', id: string, repo?: RepoListing): string {
  const extension =
    kind === 'repo'
      ? {
          repository: repo?.uuid ? { uuid: repo.uuid, ...(repo.fullName ? { fullName: repo.fullName } : {}) } : /^[0-9a-f-]{36}$/i.test(id) ? { uuid: `{${id}}` } : { fullName: repo?.fullName ?? id },
          // As in Bitbucket, the page knows its workspace, so inherited workspace defaults show up.
          ...(repo?.workspace ? { workspace: { uuid: repo.workspace } } : {}),
        }
      : { workspace: { uuid: /^[0-9a-f-]{36}$/i.test(id) ? `{${id}}` : id } };
  const ctx = { accountId: LOCAL_ADMIN, moduleKey: kind === 'repo' ? 'repo-settings' : 'workspace-settings', extension, localRuntime: true };
  return `<script>window.__BUILD_ALERTS_CONTEXT__=${JSON.stringify(ctx).replace(/</g, '\\u003c')};</script><script src="/__local/bridge-shim.js"></script>`;
}

/**
 * A file inside the UI build, or null. Containment is decided by path.relative on real paths: a
 * string prefix would let `../build-old/x` out (`.../build-old` starts with `.../build`), and a
 * symlink inside the build could point anywhere.
 */
function serveUiFile(uiDir: string, rel: string): { status: number; type: string; body: Buffer } | null {
  if (rel.includes('\0') || !existsSync(uiDir)) return null;
  try {
    const root = realpathSync(uiDir);
    const wanted = realpathSync(resolve(root, rel || 'index.html'));
    const inside = relative(root, wanted);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || !statSync(wanted).isFile()) return null;
    return { status: 200, type: CONTENT_TYPES[extname(wanted)] ?? 'application/octet-stream', body: readFileSync(wanted) };
  } catch {
    return null; // missing, unreadable, or a broken link
  }
}

/** The Forge trigger's "retry me" answer (an InvocationError object): the event was not taken. */
const isRetryAnswer = (v: unknown): v is { retryOptions?: { retryAfter?: number } } => !!v && typeof v === 'object' && (v as { _retry?: unknown })._retry === true;

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { app, store, log, health } = options;
  const uiDir = options.uiDir ?? UI_BUILD_DIR;
  const guard = options.guard ?? createInboundGuard({ bindHost: '127.0.0.1' });
  const server = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? MAX_WEBHOOK_BYTES });
  guard.register(server);
  // Request writes fail fast while the disk fails: the client hears 503 and retries, nothing waits.
  const inRequest = <T>(fn: () => Promise<T>): Promise<T> => (health ? health.failFast(fn) : fn());
  const storageDown = () => health?.fault ?? null;
  const unavailable = (reply: import('fastify').FastifyReply, what: string) => {
    const fault = storageDown();
    return reply
      .status(503)
      .header('retry-after', '30')
      .send({ error: fault ? `storage is failing (${fault.code}: ${fault.message}); ${what} was not accepted, retry later` : `${what} could not be accepted right now, retry later` });
  };

  // Webhook signatures are computed over the exact bytes: keep every body raw and parse in the app.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  server.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _req, reply) => {
    if (error instanceof StorageUnavailableError) return unavailable(reply, 'the request');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status === 413) return reply.status(413).send({ error: `body is larger than ${MAX_WEBHOOK_BYTES} bytes` });
    if (status >= 500) log.error({ code: error.code, err: error.message }, 'request failed');
    return reply.status(status).send({ error: status >= 500 ? 'internal error; see the runtime log' : error.message });
  });
  server.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: 'not found' }));

  const jsonBody = (raw: unknown): { ok: true; value: unknown } | { ok: false; error: string } => {
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from('');
    try {
      return { ok: true, value: JSON.parse(buf.toString('utf8') || 'null') };
    } catch (e) {
      return { ok: false, error: `malformed JSON: ${(e as Error).message.replace(/\s+/g, ' ')}` };
    }
  };

  server.get('/healthz', async (_req, reply) => {
    const fault = storageDown();
    if (!fault) return { ok: true };
    const queue = options.queueStats?.();
    return reply.status(503).send({
      ok: false,
      reason: `storage is failing (${fault.code}) since ${fault.since}: ingest answers 503 and the queue is paused until writes succeed`,
      storage: fault,
      ...(queue ? { queue: { paused: queue.paused ?? null, pending: queue.pending, running: queue.running } } : {}),
    });
  });

  server.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    if (!guard.policy.adminToken) return reply.redirect('/', 302);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage(safeNext(req.query.next), false));
  });

  server.post('/login', async (req, reply) => {
    const token = guard.policy.adminToken;
    if (!token) return reply.redirect('/', 303);
    const form = new URLSearchParams(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');
    const next = safeNext(form.get('next'));
    if (!safeEqual(form.get('token') ?? '', token)) {
      log.warn({ ip: req.ip }, 'sign-in with a wrong admin token');
      return reply.status(401).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(loginPage(next, true));
    }
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${issueSession(token)}; ${guard.cookieAttributes()}; Max-Age=43200`)
      .redirect(next, 303);
  });

  server.post('/logout', async (_req, reply) =>
    reply.header('set-cookie', `${SESSION_COOKIE}=; ${guard.cookieAttributes()}; Max-Age=0`).redirect('/login', 303),
  );

  server.post('/forge/events', async (req, reply) => {
    const body = jsonBody(req.body);
    if (!body.ok) return reply.status(400).send({ error: body.error });
    if (!body.value || typeof body.value !== 'object' || Array.isArray(body.value)) {
      return reply.status(400).send({ error: 'a Forge event is a JSON object with an eventType' });
    }
    const result: unknown = await inRequest(() => app.ingestForgeEvent(body.value));
    // The trigger answers a transient failure (a failing disk among them) with an InvocationError for
    // Forge to retry; over HTTP that is a 503, never a 202 that silently dropped the event.
    if (isRetryAnswer(result)) return unavailable(reply, 'the event');
    const ingested = result as Awaited<ReturnType<typeof app.ingestForgeEvent>>;
    return reply.status(202).send(ingested.queued > 0 ? { queued: ingested.queued } : { ignored: true, reason: ingested.ignored });
  });

  server.post('/webhooks/bitbucket', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const res = await inRequest(() => app.ingestWebhook({ headers: req.headers, rawBody: raw }));
    if (res.status >= 500 && storageDown()) return unavailable(reply, 'the webhook');
    return reply.status(res.status).send(res.body);
  });

  server.post<{ Params: { name: string } }>('/api/resolvers/:name', async (req, reply) => {
    const name = req.params.name as ResolverName;
    if (!(RESOLVER_NAMES as readonly string[]).includes(name)) return reply.status(404).send({ error: `unknown resolver "${name}"` });
    const body = jsonBody(req.body);
    if (!body.ok) return reply.status(400).send({ error: body.error });
    const { payload, extension } = (body.value ?? {}) as { payload?: unknown; extension?: Record<string, unknown> };
    // The local operator is the admin; a different account id (tests) is not.
    const accountId = typeof req.headers['x-local-account-id'] === 'string' ? req.headers['x-local-account-id'] : LOCAL_ADMIN;
    const res = await inRequest(() => app.resolve(name, { caller: { accountId }, extension: extension ?? {}, payload: payload ?? {} }));
    const fault = storageDown();
    if (!res.ok && res.error.code === 'internal' && fault) {
      return reply.status(503).header('retry-after', '30').send({ ok: false, error: { code: 'internal', message: `Storage is failing (${fault.code}); nothing was saved. Free disk space and try again.` } });
    }
    return reply.status(200).send(res);
  });

  server.get('/__local/bridge-shim.js', async (_req, reply) => {
    if (!existsSync(SHIM_PATH)) return reply.status(404).send({ error: 'bridge shim missing' });
    return reply.type('text/javascript; charset=utf-8').send(readFileSync(SHIM_PATH));
  });

  server.get('/', async (_req, reply) => {
    const repos = await listRepositories(store);
    if (repos.length === 1) return reply.redirect(`/repos/${encodeURIComponent(repos[0]!.key)}/settings/`);
    return reply.type('text/html; charset=utf-8').send(indexPage(repos));
  });

  const uiRoute = (kind: 'repo' | 'workspace') => async (req: { params: { id: string; '*': string } }, reply: import('fastify').FastifyReply) => {
    const rel = req.params['*'] ?? '';
    if (rel && rel !== 'index.html') {
      const file = serveUiFile(uiDir, rel);
      return file ? reply.type(file.type).send(file.body) : reply.status(404).send({ error: 'not found' });
    }
    const index = serveUiFile(uiDir, 'index.html');
    if (!index) return reply.status(503).type('text/plain').send('The settings page is not built yet: run `npm run build:ui`.');
    const repos = kind === 'repo' ? await listRepositories(store) : [];
    const repo = repos.find((r) => r.key === req.params.id);
    const html = index.body.toString('utf8').replace(/<head>/i, `<head>${contextScript(kind, req.params.id, repo)}`);
    return reply.type('text/html; charset=utf-8').send(html);
  };
  server.get('/repos/:id/settings', async (req, reply) => reply.redirect(`/repos/${encodeURIComponent((req.params as { id: string }).id)}/settings/`));
  server.get('/workspaces/:id/settings', async (req, reply) => reply.redirect(`/workspaces/${encodeURIComponent((req.params as { id: string }).id)}/settings/`));
  server.get<{ Params: { id: string; '*': string } }>('/repos/:id/settings/*', uiRoute('repo'));
  server.get<{ Params: { id: string; '*': string } }>('/workspaces/:id/settings/*', uiRoute('workspace'));

  return server;
}

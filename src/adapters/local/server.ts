/**
 * The local runtime's HTTP surface (Fastify). Each route hands the request to the same App entry
 * point a Forge module calls; errors are mapped once here and never carry a stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize as normalizePath, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../../app/app-types';
import { MAX_WEBHOOK_BYTES } from '../../app/ingest';
import type { KeyValueStore, Logger } from '../../core/ports';
import { PREFIX } from '../../core/storage-keys';
import { RESOLVER_NAMES, type ResolverName } from '../../shared/contract';
import { LOCAL_ADMIN } from './local-ports';
import { REPO_ROOT } from './manifest-egress';

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

function serveUiFile(relative: string): { status: number; type: string; body: Buffer } | null {
  if (!existsSync(UI_BUILD_DIR)) return null;
  const wanted = normalizePath(join(UI_BUILD_DIR, relative || 'index.html'));
  if (!wanted.startsWith(UI_BUILD_DIR) || !existsSync(wanted)) return null;
  return { status: 200, type: CONTENT_TYPES[extname(wanted)] ?? 'application/octet-stream', body: readFileSync(wanted) };
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { app, store, log } = options;
  const server = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? MAX_WEBHOOK_BYTES });

  // Webhook signatures are computed over the exact bytes: keep every body raw and parse in the app.
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  server.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _req, reply) => {
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

  server.get('/healthz', async () => ({ ok: true }));

  server.post('/forge/events', async (req, reply) => {
    const body = jsonBody(req.body);
    if (!body.ok) return reply.status(400).send({ error: body.error });
    if (!body.value || typeof body.value !== 'object' || Array.isArray(body.value)) {
      return reply.status(400).send({ error: 'a Forge event is a JSON object with an eventType' });
    }
    const result = await app.ingestForgeEvent(body.value);
    return reply.status(202).send(result.queued > 0 ? { queued: result.queued } : { ignored: true, reason: result.ignored });
  });

  server.post('/webhooks/bitbucket', async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const res = await app.ingestWebhook({ headers: req.headers, rawBody: raw });
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
    const res = await app.resolve(name, { caller: { accountId }, extension: extension ?? {}, payload: payload ?? {} });
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
      const file = serveUiFile(rel);
      return file ? reply.type(file.type).send(file.body) : reply.status(404).send({ error: 'not found' });
    }
    const index = serveUiFile('index.html');
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

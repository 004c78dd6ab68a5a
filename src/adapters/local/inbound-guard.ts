/**
 * Who may talk to the local runtime (docs/threat-model.md). Checked on every request, before routing
 * reaches a handler:
 * 1. `Host` must name this server (loopback names with the bound port, the bound address, the host of
 *    BUILD_ALERTS_PUBLIC_URL), else 421: a page on a DNS-rebound name reaches the port but never
 *    with our name in `Host`.
 * 2. A request that can change something (not GET/HEAD) carrying a foreign `Origin`, `Origin: null`,
 *    or `Sec-Fetch-Site` other than same-origin/none, gets 403: browsers send these on cross-site
 *    requests, including `no-cors` ones that need no preflight (CSRF).
 * 3. Tokens: with BUILD_ALERTS_ADMIN_TOKEN set, the settings page and `/api/*` need
 *    `Authorization: Bearer <token>` or the session cookie from `/login` (401 / redirect to /login);
 *    with BUILD_ALERTS_INGEST_TOKEN set, `POST /forge/events` needs `Authorization: Bearer <token>`.
 * 4. Resolvers take only `Content-Type: application/json` (415): a cross-origin form or `no-cors`
 *    fetch cannot send it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface InboundPolicy {
  /** The address the server listens on (`--host`). */
  bindHost: string;
  /** BUILD_ALERTS_PUBLIC_URL: the URL people and Bitbucket use (a TLS-terminating proxy in front). */
  publicUrl?: URL | null;
  /** BUILD_ALERTS_ADMIN_TOKEN: settings page and resolvers. */
  adminToken?: string | null;
  /** BUILD_ALERTS_INGEST_TOKEN: POST /forge/events. */
  ingestToken?: string | null;
}

export const MIN_ADMIN_TOKEN_LENGTH = 32;
export const SESSION_COOKIE = 'build_alerts_session';
const SESSION_TTL_MS = 12 * 3600_000;

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** 127.0.0.0/8, ::1, localhost (and IPv4-mapped 127/8): reachable from this machine only. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

const bracket = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();

/** `Host` (or an origin's host) as `name:port`; a missing port is the scheme's default. */
function hostKeys(host: string, defaultPorts: readonly string[]): string[] {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m) return [];
  const name = m[1]!.toLowerCase().replace(/\.$/, '');
  return m[2] ? [`${name}:${Number(m[2])}`] : defaultPorts.map((p) => `${name}:${p}`);
}

/** Compares secrets in constant time (equal-length digests, so the length leaks nothing either). */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const bearer = (req: FastifyRequest): string | null => {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1]! : null;
};

function cookie(req: FastifyRequest, name: string): string | null {
  const raw = req.headers.cookie;
  if (typeof raw !== 'string') return null;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

const sessionMac = (token: string, expires: number): string => createHmac('sha256', token).update(`build-alerts-session:${expires}`).digest('base64url');

/** A stateless session: expiry and an HMAC keyed by the admin token (rotating the token ends every session). */
export function issueSession(token: string, now = Date.now()): string {
  const expires = now + SESSION_TTL_MS;
  return `${expires}.${sessionMac(token, expires)}`;
}

export function validSession(token: string, value: string | null, now = Date.now()): boolean {
  const m = value ? /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!m) return false;
  const expires = Number(m[1]);
  return expires > now && safeEqual(m[2]!, sessionMac(token, expires));
}

/** Only a path on this server: no scheme, no `//host`, no backslash tricks. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s\\]*$/.test(next) ? next : '/';
}

/** Routes anyone who reaches the server may call (they check their own credentials, or change nothing). */
const PUBLIC_ROUTES = new Set(['/healthz', '/login', '/logout', '/__local/bridge-shim.js', '/webhooks/bitbucket']);
const INGEST_ROUTE = '/forge/events';
const RESOLVER_ROUTE = '/api/resolvers/:name';

export interface InboundGuard {
  /** Call once the server listens: the port is part of every allowed Host. */
  setPort(port: number): void;
  register(server: FastifyInstance): void;
  /** Whether a request carries the admin credentials (always true without an admin token). */
  isAdmin(req: FastifyRequest): boolean;
  cookieAttributes(): string;
  readonly policy: InboundPolicy;
}

export function createInboundGuard(policy: InboundPolicy): InboundGuard {
  let hosts = new Set<string>();
  let port = 0;
  const publicUrl = policy.publicUrl ?? null;
  const publicKey = publicUrl ? `${publicUrl.hostname.toLowerCase()}:${publicUrl.port || (publicUrl.protocol === 'https:' ? '443' : '80')}` : null;

  const computeHosts = (): Set<string> => {
    const out = new Set<string>();
    const add = (name: string) => out.add(`${bracket(name)}:${port}`);
    LOOPBACK_NAMES.forEach(add);
    const bind = policy.bindHost.toLowerCase();
    if (WILDCARDS.has(bind)) {
      // Bound to every interface: each interface address is this server (an IP literal cannot be rebound).
      for (const list of Object.values(networkInterfaces())) {
        for (const nic of list ?? []) if (!nic.address.includes('%')) add(nic.address);
      }
    } else add(bind);
    if (publicKey) out.add(publicKey);
    return out;
  };

  const hostAllowed = (host: string | undefined): boolean =>
    typeof host === 'string' && hostKeys(host, ['80', '443']).some((k) => hosts.has(k));

  const originAllowed = (origin: string): boolean => {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.origin === 'null' || `${url.protocol}//${url.host}` !== origin.replace(/\/$/, '').toLowerCase()) return false;
    if (publicUrl && url.origin === publicUrl.origin) return true;
    const key = `${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    return url.protocol === 'http:' && hosts.has(key);
  };

  const isAdmin = (req: FastifyRequest): boolean => {
    const token = policy.adminToken;
    if (!token) return true;
    const given = bearer(req);
    if (given !== null) return safeEqual(given, token);
    return validSession(token, cookie(req, SESSION_COOKIE));
  };

  const refuse = (reply: FastifyReply, status: number, error: string, headers: Record<string, string> = {}) =>
    reply.status(status).headers(headers).type('application/json; charset=utf-8').send({ error });

  return {
    policy,
    setPort(p: number) {
      port = p;
      hosts = computeHosts();
    },
    isAdmin,
    cookieAttributes: () => `Path=/; HttpOnly; SameSite=Strict${publicUrl?.protocol === 'https:' ? '; Secure' : ''}`,

    register(server: FastifyInstance) {
      server.addHook('onRequest', async (req, reply) => {
        // Framing the settings page from another site would let it steer clicks (clickjacking).
        reply.headers({ 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' });

        if (!hostAllowed(req.headers.host)) {
          return refuse(reply, 421, `Host "${String(req.headers.host ?? '').slice(0, 100)}" is not this server's name (DNS rebinding defence); use http://127.0.0.1:${port}/ or set BUILD_ALERTS_PUBLIC_URL`);
        }
        const route = req.routeOptions.url ?? null;
        const safeMethod = req.method === 'GET' || req.method === 'HEAD';
        if (!safeMethod) {
          const origin = req.headers.origin;
          if (origin !== undefined && !originAllowed(String(origin))) return refuse(reply, 403, `cross-origin request refused (Origin "${String(origin).slice(0, 100)}")`);
          const site = req.headers['sec-fetch-site'];
          if (site !== undefined && site !== 'same-origin' && site !== 'none') return refuse(reply, 403, `cross-site request refused (Sec-Fetch-Site: ${String(site).slice(0, 20)})`);
        }

        if (route === INGEST_ROUTE) {
          if (policy.ingestToken) {
            const given = bearer(req);
            if (given === null || !safeEqual(given, policy.ingestToken)) {
              return refuse(reply, 401, 'POST /forge/events needs Authorization: Bearer <BUILD_ALERTS_INGEST_TOKEN>', { 'www-authenticate': 'Bearer realm="build-alerts ingest"' });
            }
          }
        } else if (route === null || !PUBLIC_ROUTES.has(route)) {
          if (!isAdmin(req)) {
            if (safeMethod && !(route ?? req.url).startsWith('/api/')) {
              const path = req.url.length <= 2000 ? req.url : '/';
              return reply.redirect(`/login?next=${encodeURIComponent(safeNext(path))}`, 302);
            }
            return refuse(reply, 401, 'sign in at /login, or send Authorization: Bearer <BUILD_ALERTS_ADMIN_TOKEN>', { 'www-authenticate': 'Bearer realm="build-alerts admin"' });
          }
        }

        if (route === RESOLVER_ROUTE) {
          const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (type !== 'application/json') return refuse(reply, 415, 'resolvers take Content-Type: application/json');
        }
      });
    },
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sign-in page: plain HTML, no script, posts the token to the same origin. */
export function loginPage(next: string, failed: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sign in · Build Alerts for Bitbucket</title>
<style>body{font-family:system-ui,sans-serif;max-width:420px;margin:80px auto;padding:0 16px;color:#172b4d}label{display:block;margin:16px 0 4px}input{width:100%;padding:8px;font:inherit;box-sizing:border-box}button{margin-top:16px;padding:8px 16px;font:inherit}.error{color:#ae2e24}</style></head>
<body><h1>Build Alerts for Bitbucket</h1>
${failed ? '<p class="error" role="alert">That token is not the admin token.</p>' : '<p>This runtime is protected by an admin token (BUILD_ALERTS_ADMIN_TOKEN).</p>'}
<form method="post" action="/login"><input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></body></html>`;
}

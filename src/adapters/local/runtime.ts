/**
 * Starts the whole app on one machine: LMDB store, durable queue, egress-checked HTTP client and the
 * Fastify server. Requests and queue jobs go through the very handlers manifest.yml names
 * (forge-host.ts), running on the local ports.
 */
import { accessSync, constants } from 'node:fs';
import pino from 'pino';
import type { AppDeps, App } from '../../app/app-types';
import { createApp } from '../../app/create-app';
import type { EgressPolicy } from '../../core/delivery/egress';
import type { BitbucketApi, Clock, Logger } from '../../core/ports';
import { BitbucketConfigError, bitbucketConnection, createLocalBitbucketApi, type BitbucketConnection } from './bitbucket-api';
import { DataDirLockedError, lockDataDir, type DataDirLock } from './data-dir-lock';
import { createFetchHttpClient } from './http-client';
import { createInboundGuard, isLoopbackAddress, MIN_ADMIN_TOKEN_LENGTH } from './inbound-guard';
import { localAccess, offlineBitbucket, systemClock } from './local-ports';
import { extraEgressHosts, manifestEgressHosts } from './manifest-egress';
import { createDurableQueue, type DurableQueue } from './queue/durable-queue';
import { hostManifestHandlers, type HostedApp } from './forge-host';
import { buildServer } from './server';
import { openLocalStore, type LocalStore } from './store/lmdb-store';
import { privateDir } from './store/private-files';
import { createStorageHealth, type StorageHealth } from './storage-health';

export interface RuntimeOptions {
  host: string;
  port: number;
  dataDir: string;
  /** BUILD_ALERTS_WEBHOOK_SECRET: require X-Hub-Signature on every webhook. */
  webhookSecret?: string | null;
  /** Self-hosted: allow channels on private network addresses (BUILD_ALERTS_ALLOW_PRIVATE_EGRESS=1). */
  allowPrivateEgress?: boolean;
  log?: Logger;
  /** Queue parallelism across keys. */
  concurrency?: number;
  /** App and queue time; tests inject a clock they can move forward (then call `queue.wake()`). */
  clock?: Clock;
  /** Per-attempt send timeout in ms (default: env BUILD_ALERTS_SEND_TIMEOUT_MS, else 10 s). */
  sendTimeoutMs?: number;
  /** Backoff multiplier for fault tests (default: env BUILD_ALERTS_RETRY_SCALE, else 1). */
  retryDelayScale?: number;
  /** Wraps the app's ports before the app is built; the benchmark counts storage and queue calls this way. */
  wrapDeps?: (deps: AppDeps) => AppDeps;
  /** BUILD_ALERTS_PUBLIC_URL: the URL in front (a TLS-terminating proxy); its host is accepted in `Host`. */
  publicUrl?: string | null;
  /** BUILD_ALERTS_ADMIN_TOKEN (at least 32 characters): settings page and resolvers. Required off loopback. */
  adminToken?: string | null;
  /** BUILD_ALERTS_INGEST_TOKEN: `POST /forge/events`. Required off loopback. */
  ingestToken?: string | null;
  /** Disk-fault handling: retry interval, and (tests) a simulated failing disk. */
  storage?: { retryMs?: number; writeFault?: (where: string) => Error | null };
  /** The settings page build to serve (tests). */
  uiDir?: string;
  /**
   * BUILD_ALERTS_BITBUCKET_URL: Bitbucket Cloud's API (default https://api.bitbucket.org) or a Data
   * Center base URL. Used only with a token; without one the runtime asks Bitbucket nothing.
   */
  bitbucketUrl?: string | null;
  /** BUILD_ALERTS_BITBUCKET_TOKEN: a Cloud repository/workspace access token or a DC HTTP access token (sent as Bearer). */
  bitbucketToken?: string | null;
  /** BUILD_ALERTS_BITBUCKET_KIND: "cloud" or "data-center"; by default Cloud exactly when the host is api.bitbucket.org. */
  bitbucketKind?: string | null;
}

/** A positive number from the environment, or undefined (unset or not a positive number). */
function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export interface Runtime {
  url: string;
  app: App;
  store: LocalStore;
  queue: DurableQueue;
  health: StorageHealth;
  close(): Promise<void>;
}

export class RuntimeStartError extends Error {}


/** JSON lines (pino); readable lines when a person watches a terminal and pino-pretty is installed. */
function defaultLogger(): Logger {
  const level = process.env.LOG_LEVEL ?? 'info';
  let pretty = false;
  if (process.stdout.isTTY && process.env.LOG_FORMAT !== 'json') {
    try {
      require.resolve('pino-pretty');
      pretty = true;
    } catch {
      pretty = false;
    }
  }
  return pretty
    ? pino({ name: 'build-alerts', level, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' } } })
    : pino({ name: 'build-alerts', level });
}

function checkDataDir(dir: string): void {
  try {
    privateDir(dir);
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (e) {
    throw new RuntimeStartError(`data dir "${dir}" is not readable and writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Off loopback anyone on the network reaches the port: the settings page and ingest need tokens.
 * Returns the parsed public URL.
 */
function checkExposure(options: RuntimeOptions): URL | null {
  let publicUrl: URL | null = null;
  if (options.publicUrl) {
    try {
      publicUrl = new URL(options.publicUrl);
    } catch {
      publicUrl = null;
    }
    if (!publicUrl || (publicUrl.protocol !== 'https:' && publicUrl.protocol !== 'http:') || publicUrl.username || publicUrl.password) {
      throw new RuntimeStartError(`BUILD_ALERTS_PUBLIC_URL "${options.publicUrl}" is not an http(s) URL without credentials`);
    }
  }
  const admin = options.adminToken ?? '';
  const problems: string[] = [];
  if (!isLoopbackAddress(options.host)) {
    if (!admin) problems.push(`BUILD_ALERTS_ADMIN_TOKEN (at least ${MIN_ADMIN_TOKEN_LENGTH} characters)`);
    if (!options.ingestToken) problems.push('BUILD_ALERTS_INGEST_TOKEN');
  }
  if (admin && admin.length < MIN_ADMIN_TOKEN_LENGTH) problems.push(`a longer BUILD_ALERTS_ADMIN_TOKEN (${admin.length} characters; at least ${MIN_ADMIN_TOKEN_LENGTH})`);
  if (problems.length > 0) {
    const where = isLoopbackAddress(options.host) ? '' : `listening on ${options.host} (not loopback) `;
    throw new RuntimeStartError(`${where}requires ${problems.join(' and ')}; missing or too short, not starting`);
  }
  return publicUrl;
}

function checkBitbucket(options: RuntimeOptions): BitbucketConnection | null {
  try {
    return bitbucketConnection({ url: options.bitbucketUrl, token: options.bitbucketToken, kind: options.bitbucketKind });
  } catch (e) {
    if (e instanceof BitbucketConfigError) throw new RuntimeStartError(e.message);
    throw e;
  }
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const publicUrl = checkExposure(options);
  const bitbucketAt = checkBitbucket(options);
  checkDataDir(options.dataDir);
  let lock: DataDirLock;
  try {
    lock = lockDataDir(options.dataDir);
  } catch (e) {
    if (e instanceof DataDirLockedError) throw new RuntimeStartError(e.message);
    throw new RuntimeStartError(`cannot lock the data dir "${options.dataDir}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const log: Logger = options.log ?? defaultLogger();
  const health = createStorageHealth({ log, retryMs: options.storage?.retryMs, writeFault: options.storage?.writeFault });
  let store: LocalStore;
  try {
    store = openLocalStore(options.dataDir, { sweepIntervalMs: 60_000, health });
  } catch (e) {
    lock.release();
    throw new RuntimeStartError(`cannot open the store in "${options.dataDir}": ${(e as Error).message}`);
  }
  const egress: EgressPolicy = {
    allowedHosts: [...manifestEgressHosts(), ...extraEgressHosts()],
    undeclaredHint: 'self-hosted: add it to BUILD_ALERTS_EGRESS_HOSTS (comma-separated hosts or *.domain patterns)',
    allowLoopback: true,
    allowPrivate: options.allowPrivateEgress ?? false,
    ownHosts: [`${options.host}:${options.port}`, `localhost:${options.port}`, `127.0.0.1:${options.port}`],
  };
  let url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  let app!: App;
  let hosted!: HostedApp;
  const clock = options.clock ?? systemClock;
  let queue: DurableQueue;
  try {
    queue = createDurableQueue({
    clock,
    dataDir: options.dataDir,
    handler: (body, meta) => hosted.handleJob(body, meta),
    log,
    concurrency: options.concurrency ?? 16,
    // The app decides when a delivery gives up (core/delivery/backoff); the queue only guards against loops.
    // Runs that send nothing count too: a recovery waiting for its failure re-runs every 15 s for up to
    // 10 minutes (40 runs), an open breaker holds an alert until its 3 h deadline, and quiet hours hold
    // one in 900 s hops for up to a day (96 runs). Forge retries within a 24 h retention window with no
    // smaller cap (https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/#retries).
    maxAttempts: 200,
    health,
  });
  } catch (e) {
    await store.close().catch(() => undefined);
    lock.release();
    throw new RuntimeStartError(`cannot open the queue in "${options.dataDir}": ${(e as Error).message}`);
  }
  health.onChange((fault) => (fault ? queue.pause(`storage is failing (${fault.code})`) : queue.resume()));
  const bitbucket: BitbucketApi = bitbucketAt ? createLocalBitbucketApi({ connection: bitbucketAt, log, store, now: () => clock.now() }) : offlineBitbucket;
  if (bitbucketAt) log.info({ bitbucket: bitbucketAt.kind, url: bitbucketAt.baseUrl }, 'Bitbucket API enrichment on');
  const deps: AppDeps = {
    store,
    secrets: store,
    queue,
    http: createFetchHttpClient({ egress }),
    clock,
    log,
    bitbucket,
    access: localAccess,
    egress,
    runtime: 'local',
    webhookUrl: async () => `${publicUrl ? publicUrl.href.replace(/\/$/, '') : url}/webhooks/bitbucket`,
    envWebhookSecret: options.webhookSecret ?? null,
    sendTimeoutMs: options.sendTimeoutMs ?? envNumber('BUILD_ALERTS_SEND_TIMEOUT_MS'),
    retryDelayScale: options.retryDelayScale ?? envNumber('BUILD_ALERTS_RETRY_SCALE'),
  };
  app = createApp(options.wrapDeps ? options.wrapDeps(deps) : deps);
  hosted = hostManifestHandlers(app, log);
  const guard = createInboundGuard({ bindHost: options.host, publicUrl, adminToken: options.adminToken || null, ingestToken: options.ingestToken || null });
  const server = await buildServer({ app: hosted, store, log, guard, health, queueStats: () => queue.stats(), uiDir: options.uiDir });
  try {
    const address = await server.listen({ host: options.host, port: options.port });
    const actualPort = new URL(address).port;
    guard.setPort(Number(actualPort));
    url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${actualPort}`;
    egress.ownHosts = [`${options.host}:${actualPort}`, `localhost:${actualPort}`, `127.0.0.1:${actualPort}`];
  } catch (e) {
    health.close();
    await queue.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    lock.release();
    const code = (e as NodeJS.ErrnoException).code;
    throw new RuntimeStartError(
      code === 'EADDRINUSE' ? `port ${options.port} on ${options.host} is already in use (try --port)` : `cannot listen on ${options.host}:${options.port}: ${code ?? (e as Error).message}`,
    );
  }
  await queue.start();
  // The manifest's scheduledTrigger runs hourly on Forge; locally the same handler runs on a timer.
  const reconcileTimer = setInterval(() => {
    hosted.reconcile().catch((e: Error) => log.warn({ err: e.message }, 'reconciliation failed'));
  }, 3600_000);
  reconcileTimer.unref();
  return {
    url,
    app,
    store,
    queue,
    health,
    async close() {
      clearInterval(reconcileTimer);
      try {
        await server.close();
        // Writes still waiting for a failing disk give up now; their jobs run again on the next start.
        health.close();
        await queue.stop();
        await store.close();
      } finally {
        lock.release();
      }
    },
  };
}

/**
 * The app's entry points, shared by both runtimes. `adapters/forge` and `adapters/local` build the
 * ports and call these; neither holds any logic of its own.
 */
import type { AccessChecker, BitbucketApi, Caller, Clock, HttpClient, JobResult, KeyValueStore, Logger, Queue, SecretStore } from '../core/ports';
import type { JobBody } from './jobs';
import type { EgressPolicy } from '../core/delivery/egress';
import type { ExtensionContext, ResolverName, ResolverResponse } from '../shared/contract';

export interface AppDeps {
  store: KeyValueStore;
  secrets: SecretStore;
  queue: Queue<JobBody>;
  http: HttpClient;
  clock: Clock;
  log: Logger;
  bitbucket: BitbucketApi;
  access: AccessChecker;
  egress: EgressPolicy;
  runtime: 'forge' | 'local';
  /** Where Bitbucket webhooks should point (web trigger URL or local /webhooks/bitbucket), shown in settings. */
  webhookUrl?: () => Promise<string | null>;
  /** Inbound webhook secret from the environment (local runtime: BUILD_ALERTS_WEBHOOK_SECRET). */
  envWebhookSecret?: string | null;
  /** Per-attempt send timeout (ms); default deliver.ts SEND_TIMEOUT_MS. Lowered by tests (BUILD_ALERTS_SEND_TIMEOUT_MS). */
  sendTimeoutMs?: number;
  /**
   * Multiplies the retry backoff (core/delivery/backoff) so fault tests run in seconds, not minutes
   * (BUILD_ALERTS_RETRY_SCALE). A vendor's Retry-After is never scaled: it stays a floor. Default 1.
   */
  retryDelayScale?: number;
  /**
   * Errors the platform must see, which resolvers rethrow instead of answering `internal`
   * (Forge: the consent error, so Forge can show its "Allow access" prompt). Default: none.
   */
  mustPropagate?: (err: unknown) => boolean;
  /**
   * Where a delivery's first attempt runs: `inline` (default) in the evaluation that raised it, so an
   * alert costs two invocations; `queue` as its own queue job (tests that inspect queued deliveries).
   */
  firstDelivery?: 'inline' | 'queue';
}

/** A raw inbound HTTP request (Bitbucket webhook), as both the web trigger and the local server see it. */
export interface InboundRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Exact bytes received: signatures are computed over these, not over re-serialized JSON. */
  rawBody: Buffer;
}

export interface InboundResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface IngestResult {
  queued: number;
  ignored?: string;
}

export interface ResolverCall {
  caller: Caller;
  extension: ExtensionContext;
  payload: unknown;
}

export interface App {
  /** Forge product trigger: normalize, drop what no rule can use, queue the rest. */
  ingestForgeEvent(event: unknown): Promise<IngestResult>;
  /** Web trigger / local POST /webhooks/bitbucket. */
  ingestWebhook(request: InboundRequest): Promise<InboundResponse>;
  /** Queue consumer: evaluate an event or deliver one alert to one channel. */
  handleJob(body: JobBody, meta: { attempt: number }): Promise<JobResult>;
  /** Scheduled trigger: feed terminal pipeline results the app has not seen. */
  reconcile(): Promise<{ repositories: number; fed: number }>;
  resolve(name: ResolverName, call: ResolverCall): Promise<ResolverResponse<unknown>>;
}

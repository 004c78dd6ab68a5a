/**
 * The only ways the core and app reach the outside world. `adapters/forge` implements these with
 * @forge/kvs, @forge/events and @forge/api; `adapters/local` with LMDB, a durable queue and fetch.
 * One contract suite (test/contract) runs against both.
 */
import type { FieldError } from './result';

// ---------- storage ----------
export interface StoredEntry<T = unknown> {
  key: string;
  value: T;
}

export interface QueryPage<T = unknown> {
  results: StoredEntry<T>[];
  /** Present when there may be more results; pass back as `cursor`. */
  nextCursor?: string;
}

export interface QueryOptions {
  /** Keys starting with this prefix (KVS `WhereConditions.beginsWith`). */
  beginsWith: string;
  cursor?: string;
  /** 1..100, as KVS allows; default 20. */
  limit?: number;
  /** Descending key order (KVS `Sort.DESC`). */
  reverse?: boolean;
}

export interface SetOptions {
  /** Expire the entry after this many seconds (KVS `ttl`). */
  ttlSeconds?: number;
}

export type TransactionOp =
  | { op: 'set'; key: string; value: unknown; ttlSeconds?: number }
  | { op: 'delete'; key: string }
  /** Fails the whole transaction unless the key currently holds exactly this value (undefined = absent). */
  | { op: 'check'; key: string; equals: unknown };

export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** One round trip for several keys (KVS `batchGet`); missing keys are absent from the map. */
  getMany<T = unknown>(keys: readonly string[]): Promise<Map<string, T>>;
  set(key: string, value: unknown, options?: SetOptions): Promise<void>;
  /** One round trip for several writes (KVS `batchSet`). */
  setMany(entries: readonly { key: string; value: unknown; ttlSeconds?: number }[]): Promise<void>;
  delete(key: string): Promise<void>;
  query<T = unknown>(options: QueryOptions): Promise<QueryPage<T>>;
  /** All or nothing. Rejects with `TransactionConflictError` when a check fails. */
  transact(ops: readonly TransactionOp[]): Promise<void>;
}

/** Secrets live apart from other data: never listed by `query`, never returned to the browser. */
export interface SecretStore {
  getSecret<T = unknown>(key: string): Promise<T | undefined>;
  setSecret(key: string, value: unknown): Promise<void>;
  deleteSecret(key: string): Promise<void>;
}

export class TransactionConflictError extends Error {
  constructor(message = 'transaction check failed') {
    super(message);
    this.name = 'TransactionConflictError';
  }
}

/** Thrown by stores for keys or values that break the KVS contract (programmer error: keys are built in storage-keys.ts). */
export class StorageContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageContractError';
  }
}

// ---------- queue ----------
/**
 * A job on the queue. The body's shape belongs to the app (src/app/jobs.ts); the port only needs its
 * `type`, and the queue limits (core/queue-limits.ts) measure it as JSON.
 */
export interface QueueJob<B extends { type: string } = { type: string }> {
  body: B;
  /** 0..900 seconds, as @forge/events allows. */
  delayInSeconds?: number;
  /** Jobs with the same key run one at a time, in push order (deliveries: channel + incidentKey). */
  concurrencyKey?: string;
}

export interface Queue<B extends { type: string } = { type: string }> {
  /** At most 50 jobs per call, as @forge/events allows. Resolves once durably queued. */
  push(jobs: readonly QueueJob<B>[]): Promise<void>;
}

/** What a consumer returns: done, or ask the queue to run the same job again later. */
export type JobResult = { status: 'done' } | { status: 'retry'; afterSeconds: number; reason: string };

// ---------- HTTP egress ----------
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Response text, truncated by the client to a few KiB. */
  body: string;
}

export type HttpFailure = { kind: 'timeout' | 'network' | 'egress-denied'; message: string };
export type HttpResult = { ok: true; response: HttpResponse; latencyMs: number } | { ok: false; failure: HttpFailure; latencyMs: number };

export interface HttpClient {
  send(request: HttpRequest, options?: { timeoutMs?: number }): Promise<HttpResult>;
}

// ---------- time and logs ----------
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

// ---------- Bitbucket ----------
export interface RepositoryDetails {
  uuid: string | null;
  fullName: string;
  slug: string;
  mainBranch: string | null;
  url: string | null;
}

export interface CommitDetails {
  hash: string;
  message: string | null;
  author: import('./events/repo-event').Person | null;
  url: string | null;
}

/** The failed step of a pipeline run, from `GET …/pipelines/{uuid}/steps/`. */
export interface FailedStepDetails {
  /** Braced step uuid, needed to read its log; null when Bitbucket left it out. */
  uuid: string | null;
  name: string | null;
  durationSeconds: number | null;
}

/** A pipeline run, from `GET …/pipelines/{uuid}`. */
export interface PipelineDetails {
  uuid: string;
  /** Who started the run (the pipeline's `creator`); null for runs Bitbucket started by itself without one. */
  creator: import('./events/repo-event').Person | null;
  /** The trigger's type as Bitbucket names it ("pipeline_trigger_push", "pipeline_trigger_manual", ...). */
  trigger: string | null;
}

/** Bitbucket REST calls made as the app (Forge: `api.asApp().requestBitbucket`). All degrade to null/[] on failure. */
export interface BitbucketApi {
  getRepository(repo: string): Promise<RepositoryDetails | null>;
  getCommit(repo: string, hash: string): Promise<CommitDetails | null>;
  listBranches(repo: string, limit?: number): Promise<string[]>;
  /** Raw Pipelines API objects, newest first (`GET /2.0/repositories/{repo}/pipelines/?sort=-created_on`). */
  listRecentPipelines(repo: string, limit?: number): Promise<unknown[]>;
  /** Name of the first failed step of a pipeline, when it can be found. */
  getFailedStep(repo: string, pipelineUuid: string): Promise<string | null>;
  /** The first failed step with its uuid and how long it ran (same call as `getFailedStep`). */
  getFailedStepDetails(repo: string, pipelineUuid: string): Promise<FailedStepDetails | null>;
  /** The pipeline run itself: who started it. */
  getPipeline(repo: string, pipelineUuid: string): Promise<PipelineDetails | null>;
  /** The processed end of a step's log (core/log-tail.ts), or null when there is none or it cannot be read. */
  getStepLogTail(repo: string, pipelineUuid: string, stepUuid: string): Promise<import('./alerts/alert').LogTail | null>;
}

/** Who is calling a resolver. Only `accountId` from the Forge context is trusted. */
export interface Caller {
  accountId: string | null;
}

/** Permission checks made as the user (Forge: `api.asUser().requestBitbucket`). */
export interface AccessChecker {
  canAdminRepository(caller: Caller, repo: string): Promise<boolean>;
  canAdminWorkspace(caller: Caller, workspace: string): Promise<boolean>;
}

export type { FieldError };

/**
 * Hosts the handlers manifest.yml names, locally. It reads which export each module runs
 * (`function[].handler: index.<export>`), loads it from src/index.ts, and calls it with the
 * arguments Forge would pass: the product event to the trigger, `{ body, retryContext }` to the
 * consumer (an `InvocationError` result becomes a queue retry), the web trigger request shape, and
 * `{ call: { functionKey, payload }, context }` to the resolver. The handlers get the local App
 * (LMDB store, durable queue) and logger inside the invocation context (forge/hosting.ts), not
 * through module globals, so two runtimes in one process stay apart; no logic is implemented twice.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import type { App, InboundRequest, InboundResponse, IngestResult, ResolverCall } from '../../app/app-types';
import { hostedContext } from '../forge/hosting';
import type { Logger } from '../../core/ports';
import type { JobResult } from '../../core/ports';
import type { JobBody } from '../../app/jobs';
import type { ResolverName, ResolverResponse } from '../../shared/contract';
import { REPO_ROOT } from './manifest-egress';

type Handler = (...args: any[]) => Promise<any>;

interface Manifest {
  modules: Record<string, { key: string; function?: string; resolver?: { function: string } }[]> & {
    function: { key: string; handler: string }[];
  };
}

export interface ManifestHandlers {
  trigger: Handler;
  consumer: Handler;
  webtrigger: Handler;
  scheduled: Handler;
  resolver: Handler;
}

/** The export each manifest module runs, looked up the way Forge does: function key → `index.<export>`. */
export function manifestHandlers(manifestPath = resolve(REPO_ROOT, 'manifest.yml')): ManifestHandlers {
  const manifest = YAML.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const functions = new Map(manifest.modules.function.map((f) => [f.key, f.handler]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const entry = require('../../index') as Record<string, Handler>;
  const load = (module: string, pick: (m: { function?: string; resolver?: { function: string } }) => string | undefined): Handler => {
    const functionKey = pick(manifest.modules[module]?.[0] ?? {});
    const handler = functionKey ? functions.get(functionKey) : undefined;
    const [file, exportName] = (handler ?? '').split('.');
    const fn = file === 'index' && exportName ? entry[exportName] : undefined;
    if (typeof fn !== 'function') throw new Error(`manifest.yml: ${module} names no handler exported by src/index.ts`);
    return fn;
  };
  return {
    trigger: load('trigger', (m) => m.function),
    consumer: load('consumer', (m) => m.function),
    webtrigger: load('webtrigger', (m) => m.function),
    scheduled: load('scheduledTrigger', (m) => m.function),
    resolver: load('bitbucket:repoSettingsMenuPage', (m) => m.resolver?.function),
  };
}

/** What the local server and queue call: the App's entry points, each through its Forge handler. */
export type HostedApp = Pick<App, 'ingestForgeEvent' | 'ingestWebhook' | 'handleJob' | 'resolve'> & {
  /** The scheduled handler; rejects when it answers an error status. */
  reconcile(): Promise<void>;
};

export function hostManifestHandlers(app: App, log: Logger, handlers: ManifestHandlers = manifestHandlers()): HostedApp {
  const ctx = <T extends object>(base: T): T => hostedContext({ app, log }, base);
  return {
    ingestForgeEvent: (event: unknown): Promise<IngestResult> => handlers.trigger(event, ctx({})),

    async ingestWebhook(request: InboundRequest): Promise<InboundResponse> {
      const headers: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value : [value];
      }
      const res = (await handlers.webtrigger({ method: 'POST', body: request.rawBody.toString('utf8'), headers }, ctx({}))) as {
        statusCode: number;
        body?: string;
      };
      let body: Record<string, unknown> = {};
      try {
        body = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {};
      } catch {
        body = { error: 'unreadable response' };
      }
      return { status: res.statusCode, body };
    },

    async handleJob(body: JobBody, meta: { attempt: number; jobId?: string }): Promise<JobResult> {
      const result = (await handlers.consumer({ body, jobId: meta.jobId, retryContext: { retryCount: meta.attempt - 1 } }, ctx({}))) as
        | { _retry?: boolean; retryOptions?: { retryAfter?: number; retryData?: { reason?: string } } }
        | undefined;
      if (result && result._retry) {
        return { status: 'retry', afterSeconds: result.retryOptions?.retryAfter ?? 1, reason: result.retryOptions?.retryData?.reason ?? 'retry' };
      }
      return { status: 'done' };
    },

    async reconcile(): Promise<void> {
      const res = (await handlers.scheduled({}, ctx({}))) as { statusCode?: number } | undefined;
      if ((res?.statusCode ?? 500) >= 400) throw new Error(`scheduled handler answered ${res?.statusCode ?? 'nothing'}`);
    },

    // Shapes as Forge sends them (https://developer.atlassian.com/platform/forge/runtime-reference/forge-resolver/):
    // the page's extension carries the repository only; the workspace comes as `context.workspaceId`.
    // The local page knows its workspace (a UUID, or a Data Center project/slug) and passes it there.
    resolve: (name: ResolverName, call: ResolverCall): Promise<ResolverResponse<unknown>> => {
      const { workspace, ...extension } = call.extension;
      const workspaceId = workspace?.uuid ?? workspace?.slug;
      return handlers.resolver(
        { call: { functionKey: name, payload: call.payload }, context: ctx({ extension, ...(workspaceId ? { workspaceId } : {}) }) },
        { principal: { accountId: call.caller.accountId } },
      );
    },
  };
}

/**
 * AppDeps for the Forge runtime: KVS storage and secrets (@forge/kvs), the async-events queue
 * (@forge/events), egress over @forge/api `fetch`, Bitbucket REST as the app, permission checks as
 * the user. Names shared with manifest.yml (queue and web trigger keys) live here.
 */
import { webTrigger } from '@forge/api';
import type { AppDeps } from '../../app/app-types';
import { FORGE_EGRESS_PORTS, type EgressPolicy } from '../../core/delivery/egress';
import { FORGE_EGRESS_HOSTS } from '../../shared/egress-hosts';
import { createForgeAccessChecker } from './access-checker';
import { createForgeBitbucketApi } from './bitbucket-api';
import { createForgeEventsQueue } from './events-queue';
import { createForgeHttpClient } from './http-client';
import { createForgeKvsStore } from './kvs-store';
import type { Installation } from './invocation';
import { NO_INSTALLATION } from './invocation';
import { isForgeConsentError } from './platform-errors';
import { createConsoleLogger, systemClock } from './logger';

/** manifest.yml `modules.consumer[].queue`. */
export const QUEUE_KEY = 'build-alerts-jobs';
/** manifest.yml `modules.webtrigger[].key`. */
export const WEBTRIGGER_KEY = 'bitbucket-webhook';

/** Forge functions reach no loopback or private network; the manifest list is the whole policy. */
export const FORGE_EGRESS_POLICY: EgressPolicy = {
  allowedHosts: FORGE_EGRESS_HOSTS,
  allowLoopback: false,
  allowPrivate: false,
  allowedPorts: FORGE_EGRESS_PORTS,
  undeclaredHint: 'Forge apps call only hosts their manifest declares: ask the app owner to add it and redeploy',
};

/**
 * Ports for one invocation of one installation. Nothing here is cached beyond the returned object,
 * which app-instance.ts builds per invocation: per-tenant answers never outlive it in memory.
 */
export function createForgeDeps(options: Partial<AppDeps> & { installation?: Installation } = {}): AppDeps {
  const { installation = NO_INSTALLATION, ...overrides } = options;
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createConsoleLogger({ clock });
  const kvs = createForgeKvsStore();
  const store = overrides.store ?? kvs;
  const egress = overrides.egress ?? FORGE_EGRESS_POLICY;
  const workspaceUuid = installation.workspaceUuid;
  const bitbucket = overrides.bitbucket ?? createForgeBitbucketApi({ log, store, now: () => clock.now(), workspaceUuid });
  let webhookUrl: Promise<string | null> | null = null;
  return {
    store,
    secrets: overrides.secrets ?? kvs,
    queue: overrides.queue ?? createForgeEventsQueue({ key: QUEUE_KEY }),
    http: overrides.http ?? createForgeHttpClient({ egress, clock }),
    clock,
    log,
    bitbucket,
    access: overrides.access ?? createForgeAccessChecker({ log, bitbucket, now: () => clock.now(), workspaceUuid }),
    egress,
    runtime: 'forge',
    // Asked at most once per invocation (this object lives for one), and never fails a page load.
    webhookUrl:
      overrides.webhookUrl ??
      (() =>
        (webhookUrl ??= webTrigger.getUrl(WEBTRIGGER_KEY).catch((e: unknown) => {
          log.warn({ err: (e as Error)?.message }, 'web trigger URL unavailable');
          webhookUrl = null;
          return null;
        }))),
    envWebhookSecret: overrides.envWebhookSecret ?? null,
    // Forge shows its "Allow access" prompt only when this error leaves the resolver
    // (https://developer.atlassian.com/platform/forge/runtime-reference/fetch-api/ `asUser`).
    mustPropagate: overrides.mustPropagate ?? isForgeConsentError,
  };
}


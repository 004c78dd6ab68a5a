/**
 * AppDeps for the Forge runtime: KVS storage and secrets (@forge/kvs), the async-events queue
 * (@forge/events), egress over @forge/api `fetch`, Bitbucket REST as the app, permission checks as
 * the user. Names shared with manifest.yml (queue and web trigger keys) live here.
 */
import { webTrigger } from '@forge/api';
import type { AppDeps } from '../../app/app-types';
import type { EgressPolicy } from '../../core/delivery/egress';
import { FORGE_EGRESS_HOSTS } from '../../shared/egress-hosts';
import { createForgeAccessChecker } from './access-checker';
import { createForgeBitbucketApi } from './bitbucket-api';
import { createForgeEventsQueue } from './events-queue';
import { createForgeHttpClient } from './http-client';
import { createForgeKvsStore } from './kvs-store';
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
  undeclaredHint: 'Forge apps call only hosts their manifest declares: ask the app owner to add it and redeploy',
};

export function createForgeDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createConsoleLogger({ clock });
  const kvs = createForgeKvsStore();
  const store = overrides.store ?? kvs;
  const egress = overrides.egress ?? FORGE_EGRESS_POLICY;
  const bitbucket = overrides.bitbucket ?? createForgeBitbucketApi({ log, store, now: () => clock.now() });
  let webhookUrl: Promise<string | null> | null = null;
  return {
    store,
    secrets: overrides.secrets ?? kvs,
    queue: overrides.queue ?? createForgeEventsQueue({ key: QUEUE_KEY }),
    http: overrides.http ?? createForgeHttpClient({ egress, clock }),
    clock,
    log,
    bitbucket,
    access: overrides.access ?? createForgeAccessChecker({ log, bitbucket, now: () => clock.now() }),
    egress,
    runtime: 'forge',
    // The URL is stable per installation; ask once per instance, and never fail a page load over it.
    webhookUrl:
      overrides.webhookUrl ??
      (() =>
        (webhookUrl ??= webTrigger.getUrl(WEBTRIGGER_KEY).catch((e: unknown) => {
          log.warn({ err: (e as Error)?.message }, 'web trigger URL unavailable');
          webhookUrl = null;
          return null;
        }))),
    envWebhookSecret: overrides.envWebhookSecret ?? null,
  };
}

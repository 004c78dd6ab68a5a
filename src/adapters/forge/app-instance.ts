/**
 * The App each Forge invocation runs with. On Forge it is built per invocation, for that
 * invocation's installation: warm processes serve several tenants in turn, so nothing per tenant
 * (web trigger URL, Bitbucket answers, permission answers, parsed rules) may outlive the invocation
 * in module memory (https://developer.atlassian.com/platform/forge/shared-responsibility-model/).
 * Building the ports costs microseconds; shared caches that matter live in KVS, per installation.
 */
import type { App } from '../../app/app-types';
import { createApp } from '../../app/create-app';
import type { Installation } from './invocation';
import { createForgeDeps } from './ports';

/** Supplies the App for one invocation; each handler module takes one so tests can pass a fake. */
export type AppProvider = (installation: Installation) => App;

/**
 * The local runtime hosts the manifest's handlers with its own single-tenant App (LMDB store,
 * durable queue) and provides it here, so the handler code is the same one Forge runs.
 */
let hosted: App | null = null;
export function provideApp(instance: App | null): void {
  hosted = instance;
}

export const appForInvocation: AppProvider = (installation) => hosted ?? createApp(createForgeDeps({ installation }));

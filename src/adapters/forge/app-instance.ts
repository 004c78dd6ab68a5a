/**
 * The App each Forge invocation runs with. On Forge it is built per invocation, for that
 * invocation's installation: warm processes serve several tenants in turn, so nothing per tenant
 * (web trigger URL, Bitbucket answers, permission answers, parsed rules) may outlive the invocation
 * in module memory (https://developer.atlassian.com/platform/forge/shared-responsibility-model/).
 * Building the ports costs microseconds; shared caches that matter live in KVS, per installation.
 */
import type { App } from '../../app/app-types';
import { createApp } from '../../app/create-app';
import { hostingOf } from './hosting';
import type { Installation } from './invocation';
import { createForgeDeps } from './ports';

/** Supplies the App for one invocation; each handler module takes one so tests can pass a fake. */
export type AppProvider = (installation: Installation, context?: unknown) => App;

/**
 * On Forge: a new App for this invocation's installation. Hosted by the local runtime: the App it
 * put into the invocation context (hosting.ts), so the handler code is the same one Forge runs.
 */
export const appForInvocation: AppProvider = (installation, context) =>
  hostingOf(context)?.app ?? createApp(createForgeDeps({ installation }));

/**
 * Custom UI resolver for both settings pages. Every name in RESOLVER_NAMES is defined here and
 * forwarded to the App. Trust: `context.accountId` and `context.installContext` are filled by the
 * platform (@forge/resolver copies them from the invocation, node_modules/@forge/resolver/out/index.js);
 * the extension context comes from the page and is only a hint that the App verifies with a
 * permission check.
 *
 * Shapes, per the reference pages: the repository settings page's extension holds `type`,
 * `repository.uuid` and `location`, and no workspace
 * (https://developer.atlassian.com/platform/forge/manifest-reference/modules/bitbucket-repository-settings-menu-page/);
 * the workspace comes as the resolver context's `workspaceId`
 * (https://developer.atlassian.com/platform/forge/runtime-reference/forge-resolver/) and, for a
 * Bitbucket installation, inside `installContext` (`ari:cloud:bitbucket::workspace/<uuid>`), which
 * wins. A workspace the browser puts in the extension is ignored.
 *
 * `NEEDS_AUTHENTICATION_ERR` leaves the resolver unchanged, so Forge can show its consent prompt.
 */
import Resolver from '@forge/resolver';
import type { Logger } from '../../core/ports';
import type { ExtensionContext, ResolverResponse } from '../../shared/contract';
import { RESOLVER_NAMES } from '../../shared/contract';
import { appForInvocation, type AppProvider } from './app-instance';
import { installationOf } from './invocation';
import { logFor } from './hosting';
import { createConsoleLogger } from './logger';
import { isForgeConsentError } from './platform-errors';

const pickString = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 300 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** The workspace of this invocation: the installation's, else the resolver context's `workspaceId`. */
export function trustedWorkspace(context: Record<string, unknown> | undefined): string | null {
  return installationOf(context).workspaceUuid ?? pickString(context?.workspaceId) ?? null;
}

/**
 * Only the fields the contract names, as strings: the repository from the page's extension, the
 * workspace from `trustedWorkspace`. Anything else in the browser's context is dropped.
 */
export function toExtensionContext(raw: unknown, workspace: string | null): ExtensionContext {
  const ext = obj(raw) ?? {};
  const out: ExtensionContext = {};
  const repo = obj(ext.repository);
  if (repo) {
    const uuid = pickString(repo.uuid);
    const fullName = pickString(repo.fullName) ?? pickString(repo.full_name);
    if (uuid || fullName) out.repository = { ...(uuid ? { uuid } : {}), ...(fullName ? { fullName } : {}) };
  }
  if (workspace) out.workspace = /^\{?[0-9a-f-]{36}\}?$/i.test(workspace) ? { uuid: workspace } : { slug: workspace };
  return out;
}

const INTERNAL: ResolverResponse<never> = { ok: false, error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } };

export function makeResolver(getApp: AppProvider, ownLog: Logger = createConsoleLogger({ base: { handler: 'resolver' } })) {
  const resolver = new Resolver();
  for (const name of RESOLVER_NAMES) {
    resolver.define(name, async (req: { payload: unknown; context: Record<string, unknown> }) => {
      const log = logFor(req.context, ownLog, { handler: 'resolver' });
      const accountId = pickString(req.context?.accountId) ?? null;
      const installation = installationOf(req.context);
      log.debug({ resolver: name, installContext: installation.installContext, workspace: trustedWorkspace(req.context) }, 'resolver call');
      try {
        return await getApp(installation, req.context).resolve(name, {
          caller: { accountId },
          extension: toExtensionContext(req.context?.extension, trustedWorkspace(req.context)),
          payload: req.payload ?? {},
        });
      } catch (err) {
        if (isForgeConsentError(err)) throw err;
        log.error({ resolver: name, err }, 'resolver failed');
        return INTERNAL;
      }
    });
  }
  return resolver.getDefinitions();
}

export const handler = makeResolver(appForInvocation);

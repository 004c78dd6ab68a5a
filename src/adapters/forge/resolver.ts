/**
 * Custom UI resolver for both settings pages. Every name in RESOLVER_NAMES is defined here and
 * forwarded to the App. Trust: `context.accountId` is filled by the platform (@forge/resolver
 * overwrites whatever the browser sent); the extension context comes from the page and is only a
 * hint that the App verifies with a permission check. Nothing else from the context is passed on.
 */
import Resolver from '@forge/resolver';
import type { Logger } from '../../core/ports';
import type { ExtensionContext, ResolverResponse } from '../../shared/contract';
import { RESOLVER_NAMES } from '../../shared/contract';
import { getForgeApp, type AppProvider } from './app-instance';
import { createConsoleLogger } from './logger';

const pickString = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 300 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Only the fields the contract names, as strings; anything else in the browser's context is dropped. */
export function toExtensionContext(raw: unknown): ExtensionContext {
  const ext = obj(raw) ?? {};
  const out: ExtensionContext = {};
  const repo = obj(ext.repository);
  if (repo) {
    const repository = { uuid: pickString(repo.uuid), fullName: pickString(repo.fullName) ?? pickString(repo.full_name) };
    if (repository.uuid || repository.fullName) out.repository = repository;
  }
  const ws = obj(ext.workspace);
  if (ws) {
    const workspace = { uuid: pickString(ws.uuid), slug: pickString(ws.slug) };
    if (workspace.uuid || workspace.slug) out.workspace = workspace;
  }
  return out;
}

const INTERNAL: ResolverResponse<never> = { ok: false, error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } };

export function makeResolver(getApp: AppProvider, log: Logger = createConsoleLogger({ base: { handler: 'resolver' } })) {
  const resolver = new Resolver();
  for (const name of RESOLVER_NAMES) {
    resolver.define(name, async (req: { payload: unknown; context: Record<string, unknown> }) => {
      const accountId = pickString(req.context?.accountId) ?? null;
      try {
        return await getApp().resolve(name, {
          caller: { accountId },
          extension: toExtensionContext(req.context?.extension),
          payload: req.payload ?? {},
        });
      } catch (err) {
        log.error({ resolver: name, err }, 'resolver failed');
        return INTERNAL;
      }
    });
  }
  return resolver.getDefinitions();
}

export const handler = makeResolver(() => getForgeApp());

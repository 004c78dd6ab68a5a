/**
 * The installation an invocation runs for, read from what the platform fills in.
 *
 * Every Forge function gets `(payload, context)`; the context is the same for all modules:
 * `{ installContext, principal?, license?, installation?, workspaceId? }`
 * (https://developer.atlassian.com/platform/forge/function-reference/arguments/#context-schema).
 * A Bitbucket installation's `installContext` is the workspace ARI, `ari:cloud:bitbucket::workspace/<uuid>`.
 * Resolver callbacks see `context.installContext` copied from that runtime payload by @forge/resolver
 * (node_modules/@forge/resolver/out/index.js) and `context.workspaceId` from the resolver context
 * (https://developer.atlassian.com/platform/forge/runtime-reference/forge-resolver/).
 *
 * Warm processes serve several installations in turn ("Do not write tenant-specific data to
 * module-level (global) variables", https://developer.atlassian.com/platform/forge/shared-responsibility-model/),
 * so everything per tenant is derived from this, per invocation.
 */
export interface Installation {
  /** The ARI, when the platform gave one. */
  installContext: string | null;
  /** The workspace UUID in braces, lower case, as Bitbucket REST paths take it. */
  workspaceUuid: string | null;
}

const UUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
const WORKSPACE_ARI = /^ari:cloud:bitbucket::workspace\/(\{?[0-9a-f-]{36}\}?)$/i;

export const bracedUuid = (value: unknown): string | null => {
  if (typeof value !== 'string') return null;
  const m = UUID.exec(value.trim());
  return m ? `{${m[1]!.toLowerCase()}}` : null;
};

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The installation of a function's context (or a resolver callback's context). Unknown parts are null. */
export function installationOf(context: unknown): Installation {
  const c = obj(context);
  const installContext = typeof c.installContext === 'string' && c.installContext.length <= 300 ? c.installContext : null;
  const fromAri = installContext ? bracedUuid(WORKSPACE_ARI.exec(installContext)?.[1]) : null;
  // The ARI is what the platform signs into the invocation; workspaceId is the documented fallback.
  return { installContext, workspaceUuid: fromAri ?? bracedUuid(c.workspaceId) };
}

export const NO_INSTALLATION: Installation = { installContext: null, workspaceUuid: null };

/**
 * The page's only way to the backend: `invoke` from @forge/bridge, typed by the shared contract.
 * In Bitbucket the host answers; locally the bridge shim (src/adapters/local/ui/bridge-shim.js)
 * turns the same call into POST /api/resolvers/:name, so one bundle serves both.
 */
import { invoke as bridgeInvoke, view } from '@forge/bridge';
import type {
  ExtensionContext,
  FieldErrorDto,
  ResolverData,
  ResolverError,
  ResolverName,
  ResolverRequest,
  ResolverResponse,
} from '../../../src/shared/contract';

export type {
  ActivityEntryDto,
  ChannelInput,
  ChannelTypeDto,
  ChannelTypeInfo,
  ChannelView,
  DeadLetterDto,
  DeliveryLogEntry,
  BuildHealthCell,
  BuildHealthRow,
  FieldErrorDto,
  MentionsDto,
  QuietHoursDto,
  ResolverData,
  ResolverError,
  ResolverName,
  ResolverRequest,
  ResolverResponse,
  RuleDto,
  RuleEventDto,
  SettingsView,
  SnoozeDto,
  TestResult,
} from '../../../src/shared/contract';
export { RULE_EVENT_NAMES } from '../../../src/shared/contract';

/** Calls one resolver. Never rejects: transport failures become an `internal` error value. */
export async function invoke<N extends ResolverName>(
  name: N,
  payload: ResolverRequest<N>,
): Promise<ResolverResponse<ResolverData<N>>> {
  try {
    const res = (await bridgeInvoke(name, payload as Record<string, unknown>)) as unknown;
    if (isResolverResponse<ResolverData<N>>(res)) return res;
    return { ok: false, error: { code: 'internal', message: `Unexpected answer from ${name}.` } };
  } catch (e) {
    const message = e instanceof Error && e.message ? e.message.trim() : 'The request failed.';
    return { ok: false, error: { code: 'internal', message } };
  }
}

function isResolverResponse<T>(v: unknown): v is ResolverResponse<T> {
  if (typeof v !== 'object' || v === null || !('ok' in v)) return false;
  const r = v as { ok: unknown; error?: unknown };
  return r.ok === true || (r.ok === false && typeof r.error === 'object' && r.error !== null);
}

/** Field errors of an `invalid` response, or none. */
export function fieldErrorsOf(error: ResolverError): FieldErrorDto[] {
  return error.code === 'invalid' ? error.fields : [];
}

export type PageKind = 'repository' | 'workspace';

export interface PageContext {
  kind: PageKind;
  extension: ExtensionContext;
  accountId: string | null;
}

/**
 * Repository page unless the context carries no repository (workspace settings module, or the
 * local /workspaces/:ws/settings URL whose shim sets moduleKey 'workspace-settings').
 */
export async function loadPageContext(): Promise<PageContext> {
  const ctx = (await view.getContext()) as unknown as {
    accountId?: string;
    moduleKey?: string;
    extension?: ExtensionContext & Record<string, unknown>;
  };
  const extension = ctx.extension ?? {};
  const hasRepo = Boolean(extension.repository && (extension.repository.uuid || extension.repository.fullName));
  const workspaceModule = typeof ctx.moduleKey === 'string' && /workspace/i.test(ctx.moduleKey);
  return {
    kind: hasRepo && !workspaceModule ? 'repository' : 'workspace',
    extension,
    accountId: ctx.accountId ?? null,
  };
}

/**
 * AccessChecker: permission checks made as the calling user with `api.asUser().requestBitbucket`.
 * The resolver context's extension (repository, workspace) comes from the browser and is not trusted;
 * only the platform-filled accountId is, and asUser() acts as exactly that account.
 *
 * `GET /2.0/user/permissions/repositories` and `/2.0/user/permissions/workspaces` were removed
 * (CHANGE-2770, they answer 410 Gone), so the per-workspace replacements are used:
 * - repository: `GET /2.0/user/workspaces/{workspace}/permissions/repositories?q=repository.uuid="{uuid}"`,
 *   effective permission `admin` (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-user-workspaces-workspace-permissions-repositories-get)
 * - workspace: `GET /2.0/user/workspaces/{workspace}/permission`, role `owner`
 *   (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-workspaces/#api-user-workspaces-workspace-permission-get)
 * Any failure means "no": a check that cannot be made never grants access. The one exception is
 * `NEEDS_AUTHENTICATION_ERR` (the user has not yet allowed the app to act for them): it is rethrown,
 * because Forge shows its "Allow access" prompt only when that error leaves the resolver.
 *
 * Scopes: both endpoints need `read:workspace:bitbucket`... see docs/deploy.md, "Bitbucket endpoints and scopes".
 * Answers live for one invocation (this checker is built per invocation): a page load makes one check.
 */
import api, { route } from '@forge/api';
import type { AccessChecker, BitbucketApi, Caller, Logger } from '../../core/ports';
import type { BitbucketClient } from './bitbucket-api';
import { braced, repoSegments } from './bitbucket-api';
import { isForgeConsentError } from './platform-errors';

export interface ForgeAccessCheckerOptions {
  log: Logger;
  /** Used (as the app) to find a repository's workspace when only its UUID is known. */
  bitbucket: BitbucketApi;
  /** Defaults to `api.asUser()`. */
  asUser?: BitbucketClient;
  now?: () => number;
  /** The installation's workspace UUID (braced): the workspace segment of every path. */
  workspaceUuid?: string | null;
}

/** Answers are reused within the checker's life (one invocation) so a page load costs one check. */
const CACHE_MS = 60_000;
const MAX_ENTRIES = 200;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function createForgeAccessChecker(options: ForgeAccessCheckerOptions): AccessChecker {
  const now = options.now ?? Date.now;
  const user: BitbucketClient = options.asUser ?? (api.asUser() as unknown as BitbucketClient);
  const answers = new Map<string, { allowed: boolean; expires: number }>();

  /** `call` makes the request: each call site passes its `route` literal straight to requestBitbucket, so @forge/lint's permission linter can read it. */
  async function getJson(call: () => ReturnType<BitbucketClient['requestBitbucket']>, what: string): Promise<Record<string, unknown> | null> {
    try {
      const res = await call();
      if (!res.ok) {
        options.log.info({ check: what, status: res.status }, 'permission check answered no');
        return null;
      }
      return obj(await res.json());
    } catch (e) {
      if (isForgeConsentError(e)) throw e;
      options.log.warn({ check: what, err: (e as Error)?.message }, 'permission check failed');
      return null;
    }
  }

  async function memo(key: string, check: () => Promise<boolean>): Promise<boolean> {
    const hit = answers.get(key);
    if (hit && hit.expires > now()) return hit.allowed;
    const allowed = await check();
    if (answers.size >= MAX_ENTRIES) answers.delete(answers.keys().next().value as string);
    answers.set(key, { allowed, expires: now() + CACHE_MS });
    return allowed;
  }

  /** Workspace segment and a `q` filter for the repository, resolving a bare UUID through the app's own read. */
  async function locate(repo: string): Promise<{ workspace: string; filter: string } | null> {
    const seg = repoSegments(repo, options.workspaceUuid);
    if (!seg) return null;
    const repoUuid = braced(seg.repo.replace(/[{}]/g, ''));
    if (seg.workspace !== '{}') {
      return { workspace: seg.workspace, filter: repoUuid ? `repository.uuid="${repoUuid}"` : `repository.full_name="${seg.workspace}/${seg.repo}"` };
    }
    const details = await options.bitbucket.getRepository(repo);
    const workspace = details?.fullName.split('/')[0];
    if (!details || !workspace || !repoUuid) return null;
    return { workspace, filter: `repository.uuid="${repoUuid}"` };
  }

  return {
    async canAdminRepository(caller: Caller, repo: string): Promise<boolean> {
      if (!caller.accountId) return false;
      return memo(`repo:${caller.accountId}:${repo}`, async () => {
        const where = await locate(repo);
        if (!where) return false;
        const body = await getJson(
          () => user.requestBitbucket(route`/2.0/user/workspaces/${where.workspace}/permissions/repositories?q=${where.filter}`),
          'repository admin',
        );
        const values = Array.isArray(body?.values) ? body.values.map(obj) : [];
        return values.some((v) => v.permission === 'admin');
      });
    },

    async canAdminWorkspace(caller: Caller, workspace: string): Promise<boolean> {
      if (!caller.accountId) return false;
      const ws = braced(workspace) ?? workspace.trim();
      if (!/^[A-Za-z0-9._\-{}]+$/.test(ws)) return false;
      return memo(`ws:${caller.accountId}:${ws}`, async () => {
        const body = await getJson(() => user.requestBitbucket(route`/2.0/user/workspaces/${ws}/permission`), 'workspace admin');
        return body?.permission === 'owner';
      });
    },
  };
}

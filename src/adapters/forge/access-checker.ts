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
 * Any failure means "no": a check that cannot be made never grants access.
 */
import api, { route, type Route } from '@forge/api';
import type { AccessChecker, BitbucketApi, Caller, Logger } from '../../core/ports';
import type { BitbucketRequest } from './bitbucket-api';
import { braced, repoSegments } from './bitbucket-api';

export interface ForgeAccessCheckerOptions {
  log: Logger;
  /** Used (as the app) to find a repository's workspace when only its UUID is known. */
  bitbucket: BitbucketApi;
  /** Defaults to `api.asUser().requestBitbucket`. */
  requestAsUser?: BitbucketRequest;
  now?: () => number;
}

/** Answers are reused briefly within one warm instance so a settings page load costs one check. */
const CACHE_MS = 60_000;
const MAX_ENTRIES = 200;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function createForgeAccessChecker(options: ForgeAccessCheckerOptions): AccessChecker {
  const now = options.now ?? Date.now;
  const request: BitbucketRequest =
    options.requestAsUser ?? ((path) => api.asUser().requestBitbucket(path) as Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>);
  const answers = new Map<string, { allowed: boolean; expires: number }>();

  async function getJson(path: Route, what: string): Promise<Record<string, unknown> | null> {
    try {
      const res = await request(path);
      if (!res.ok) {
        options.log.info({ check: what, status: res.status }, 'permission check answered no');
        return null;
      }
      return obj(await res.json());
    } catch (e) {
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
    const seg = repoSegments(repo);
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
          route`/2.0/user/workspaces/${where.workspace}/permissions/repositories?q=${where.filter}`,
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
        const body = await getJson(route`/2.0/user/workspaces/${ws}/permission`, 'workspace admin');
        return body?.permission === 'owner';
      });
    },
  };
}

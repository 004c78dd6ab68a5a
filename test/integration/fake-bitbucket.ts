/**
 * A loopback stand-in for Bitbucket's REST API: answers from a route table and records every
 * request (raw path, headers). The shapes the tests fake cite the reference page they follow.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** As sent, percent-encoding kept (e.g. `/2.0/repositories/%7B%7D/%7B...%7D`). */
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FakeAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: unknown;
  /** Hold the answer this long (timeouts). */
  delayMs?: number;
}

export type FakeRoute = (req: FakeRequest, url: URL) => FakeAnswer | undefined;

export interface FakeBitbucket {
  url: string;
  received: FakeRequest[];
  routes: Map<string, FakeAnswer | FakeRoute>;
  /** Paths of what was received, decoded, without the query. */
  paths(): string[];
  close(): Promise<void>;
}

/** Routes are keyed by decoded pathname (no query); unknown paths answer 404 like Bitbucket does. */
export async function startFakeBitbucket(options: { token?: string; host?: string } = {}): Promise<FakeBitbucket> {
  const received: FakeRequest[] = [];
  const routes = new Map<string, FakeAnswer | FakeRoute>();
  const server: Server = createServer((req, res) => {
    const request: FakeRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    received.push(request);
    const url = new URL(request.path, 'http://fake');
    let answer: FakeAnswer | undefined;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      answer = { status: 401, body: { type: 'error', error: { message: 'Unauthorized' } } };
    } else {
      const route = routes.get(decodeURIComponent(url.pathname));
      answer = typeof route === 'function' ? route(request, url) : route;
    }
    answer ??= { status: 404, body: { type: 'error', error: { message: 'Not found' } } };
    const isText = typeof answer.body === 'string' || Buffer.isBuffer(answer.body);
    const payload = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
    const send = () => {
      res.writeHead(answer.status ?? 200, { 'content-type': isText ? 'application/octet-stream' : 'application/json', ...answer.headers });
      res.end(payload);
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    received,
    routes,
    paths: () => received.map((r) => decodeURIComponent(new URL(r.path, 'http://fake').pathname)),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

// ---------- documented shapes ----------

/**
 * Cloud repository, GET /2.0/repositories/{workspace}/{repo_slug}
 * (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-get):
 * `uuid`, `full_name`, `slug`, `mainbranch: {type: "branch", name}`, `links.html.href`.
 */
export function cloudRepository(o: { uuid: string; fullName: string; mainBranch?: string }) {
  const slug = o.fullName.split('/')[1]!;
  return {
    type: 'repository',
    uuid: o.uuid,
    full_name: o.fullName,
    name: slug,
    slug,
    is_private: true,
    mainbranch: { type: 'branch', name: o.mainBranch ?? 'main' },
    links: {
      self: { href: `https://api.bitbucket.org/2.0/repositories/${o.fullName}` },
      html: { href: `https://bitbucket.org/${o.fullName}` },
    },
  };
}

/**
 * Cloud commit, GET /2.0/repositories/{workspace}/{repo_slug}/commit/{commit}
 * (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-commits/#api-repositories-workspace-repo-slug-commit-commit-get):
 * the reference example has `hash`, `message`, `author: {raw: "Name <email>", type: "author", user: {display_name, uuid, account_id}}`, `links.html.href`.
 */
export function cloudCommit(o: { hash: string; fullName: string; message: string; author: string; email: string; accountId?: string }) {
  return {
    type: 'commit',
    hash: o.hash,
    date: '2025-01-31T00:40:00+00:00',
    message: o.message,
    author: {
      type: 'author',
      raw: `${o.author} <${o.email}>`,
      user: { type: 'user', display_name: o.author, uuid: '{d301aafa-d676-4ee0-88be-962be7417567}', account_id: o.accountId ?? '557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443' },
    },
    links: { html: { href: `https://bitbucket.org/${o.fullName}/commits/${o.hash}` } },
  };
}

/**
 * DC repository, GET /rest/api/1.0/projects/{projectKey}/repos/{repositorySlug}
 * (https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-project/#api-api-latest-projects-projectkey-repos-repositoryslug-get):
 * `RestRepository` with `slug`, `name`, `project.key`, `links.self[].href` (the browse page).
 */
export function dcRepository(o: { project: string; slug: string; base: string }) {
  return {
    slug: o.slug,
    id: 1,
    name: o.slug,
    scmId: 'git',
    state: 'AVAILABLE',
    statusMessage: 'Available',
    forkable: true,
    project: { key: o.project, id: 2, name: o.project, public: false, type: 'NORMAL' },
    public: false,
    links: {
      clone: [{ href: `${o.base}/scm/${o.project.toLowerCase()}/${o.slug}.git`, name: 'http' }],
      self: [{ href: `${o.base}/projects/${o.project}/repos/${o.slug}/browse` }],
    },
  };
}

/**
 * DC default branch, GET …/default-branch (`RestMinimalRef`)
 * (https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-project/#api-api-latest-projects-projectkey-repos-repositoryslug-default-branch-get);
 * older servers answer the same shape at …/branches/default (https://docs.atlassian.com/bitbucket-server/rest/5.16.0/bitbucket-rest.html).
 */
export function dcRef(name: string) {
  return { id: `refs/heads/${name}`, displayId: name, type: 'BRANCH' };
}

/**
 * DC commit, GET …/commits/{commitId} (`RestCommit`)
 * (https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-commits-commitid-get):
 * `id`, `displayId`, `author: {name, emailAddress, displayName?}`, `authorTimestamp`, `message`, `parents`.
 */
export function dcCommit(o: { id: string; message: string; name: string; email: string; displayName?: string }) {
  const author = { name: o.name, emailAddress: o.email, ...(o.displayName ? { displayName: o.displayName } : {}) };
  return {
    id: o.id,
    displayId: o.id.slice(0, 11),
    author,
    authorTimestamp: 1738284000000,
    committer: author,
    committerTimestamp: 1738284000000,
    message: o.message,
    parents: [{ id: '5c64a07cd6c0f21b753bf261ef059c7e7633c50a', displayId: '5c64a07cd6c' }],
  };
}

/**
 * DC branches, GET …/branches?orderBy=MODIFICATION&limit=N, a page of `RestBranch`
 * (https://developer.atlassian.com/server/bitbucket/rest/v1002/api-group-repository/#api-api-latest-projects-projectkey-repos-repositoryslug-branches-get;
 * paging: https://developer.atlassian.com/server/bitbucket/rest/v1002/intro/#paged-apis).
 */
export function dcBranchesPage(names: string[], defaultName?: string) {
  return {
    size: names.length,
    limit: 25,
    isLastPage: true,
    start: 0,
    values: names.map((n) => ({ ...dcRef(n), latestCommit: '823b2230a56056231c9425d63758fa87078a66b4', latestChangeset: '823b2230a56056231c9425d63758fa87078a66b4', isDefault: n === defaultName })),
  };
}

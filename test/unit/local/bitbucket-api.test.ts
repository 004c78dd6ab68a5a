/**
 * The self-hosted Bitbucket port: configuration, Data Center mapping, and both flavours against a
 * loopback fake answering the documented shapes (test/integration/fake-bitbucket.ts cites them).
 */
import {
  bitbucketConnection,
  BitbucketConfigError,
  createLocalBitbucketApi,
  dcBranchNames,
  dcCommitDetails,
  dcRepoSegments,
  dcRepositoryDetails,
  type BitbucketConnection,
} from '../../../src/adapters/local/bitbucket-api';
import { cloudCommit, cloudRepository, dcBranchesPage, dcCommit, dcRef, dcRepository, startFakeBitbucket, type FakeBitbucket } from '../../integration/fake-bitbucket';

const TOKEN = 'ATCTT3xFfGN0-test-token-do-not-log';
const HASH = '823b2230a56056231c9425d63758fa87078a66b4';
const REPO_UUID = '{15a31549-1cff-45dc-9d0d-310114c5038b}';

function recordingLog() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('bitbucketConnection', () => {
  test('no token: offline, whatever the URL', () => {
    expect(bitbucketConnection({})).toBeNull();
    expect(bitbucketConnection({ url: 'https://bitbucket.acme.example', token: '  ' })).toBeNull();
  });

  test('Cloud by default; Data Center for any other host; API versions in the URL are accepted', () => {
    expect(bitbucketConnection({ token: TOKEN })).toEqual({ baseUrl: 'https://api.bitbucket.org', token: TOKEN, kind: 'cloud' });
    expect(bitbucketConnection({ url: 'https://api.bitbucket.org/2.0/', token: TOKEN })?.baseUrl).toBe('https://api.bitbucket.org');
    expect(bitbucketConnection({ url: 'https://bitbucket.acme.example/', token: TOKEN })).toEqual({ baseUrl: 'https://bitbucket.acme.example', token: TOKEN, kind: 'data-center' });
    expect(bitbucketConnection({ url: 'https://acme.example/bitbucket/rest/api/1.0', token: TOKEN })?.baseUrl).toBe('https://acme.example/bitbucket');
    expect(bitbucketConnection({ url: 'http://127.0.0.1:9999', token: TOKEN, kind: 'cloud' })?.kind).toBe('cloud');
  });

  test.each([
    ['ftp://bitbucket.acme.example', /must be http\(s\), not ftp/],
    ['https://admin:hunter2@bitbucket.acme.example', /must not contain credentials/],
    ['https://bitbucket.acme.example/?token=abc', /query or fragment/],
    ['https://bitbucket.org', /Cloud's website; use its API, https:\/\/api\.bitbucket\.org/],
    ['not a url', /is not a URL/],
  ])('%s is refused with a one-line error', (url, message) => {
    let error: unknown;
    try {
      bitbucketConnection({ url, token: TOKEN });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BitbucketConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain(TOKEN);
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('an unknown kind and a token with whitespace are refused without echoing the token', () => {
    expect(() => bitbucketConnection({ token: TOKEN, kind: 'server' })).toThrow(/"cloud" or "data-center"/);
    expect(() => bitbucketConnection({ token: `${TOKEN}\nX-Evil: 1` })).toThrow(/whitespace or control characters/);
    try {
      bitbucketConnection({ token: `${TOKEN}\nX-Evil: 1` });
    } catch (e) {
      expect((e as Error).message).not.toContain(TOKEN);
    }
  });
});

describe('Data Center mapping', () => {
  const base = 'https://bitbucket.acme.example';

  test('repository names: PROJECT/slug and ~user/slug; anything else is not addressable', () => {
    expect(dcRepoSegments('PRJ/my-repo')).toEqual({ project: 'PRJ', slug: 'my-repo' });
    expect(dcRepoSegments('~jcitizen/dotfiles')).toEqual({ project: '~jcitizen', slug: 'dotfiles' });
    expect(dcRepoSegments(REPO_UUID)).toBeNull();
    expect(dcRepoSegments('PRJ/../x')).toBeNull();
    expect(dcRepoSegments('PRJ/..')).toBeNull();
    expect(dcRepoSegments('PRJ/a b')).toBeNull();
    expect(dcRepoSegments('PRJ/a%2f')).toBeNull();
  });

  test('RestRepository and the default branch', () => {
    expect(dcRepositoryDetails(dcRepository({ project: 'PRJ', slug: 'my-repo', base }), 'develop')).toEqual({
      uuid: null,
      fullName: 'PRJ/my-repo',
      slug: 'my-repo',
      mainBranch: 'develop',
      url: `${base}/projects/PRJ/repos/my-repo/browse`,
    });
    expect(dcRepositoryDetails({ slug: 'x' }, null)).toBeNull();
  });

  test('RestCommit: message, author name (display name first) and email', () => {
    expect(dcCommitDetails(dcCommit({ id: HASH, message: 'Fix the flaky test\n\nDetails', name: 'jcitizen', email: 'jane@example.com', displayName: 'Jane Citizen' }), 'https://x/c')).toEqual({
      hash: HASH,
      message: 'Fix the flaky test\n\nDetails',
      author: { name: 'Jane Citizen', email: 'jane@example.com' },
      url: 'https://x/c',
    });
    expect(dcCommitDetails(dcCommit({ id: HASH, message: 'm', name: 'jcitizen', email: 'jane@example.com' }), null)?.author).toEqual({ name: 'jcitizen', email: 'jane@example.com' });
    expect(dcCommitDetails({ message: 'no id' }, null)).toBeNull();
  });

  test('a page of RestBranch: display ids, or ids without refs/heads/', () => {
    expect(dcBranchNames(dcBranchesPage(['develop', 'main']))).toEqual(['develop', 'main']);
    expect(dcBranchNames({ values: [{ id: 'refs/heads/feature/x' }, {}] })).toEqual(['feature/x']);
    expect(dcBranchNames({})).toBeNull();
  });
});

describe('Data Center API over HTTP', () => {
  let fake: FakeBitbucket;
  let connection: BitbucketConnection;
  const repoPath = '/rest/api/1.0/projects/PRJ/repos/my-repo';

  beforeEach(async () => {
    fake = await startFakeBitbucket({ token: TOKEN });
    connection = bitbucketConnection({ url: `${fake.url}/`, token: TOKEN })!;
    fake.routes.set(repoPath, { body: dcRepository({ project: 'PRJ', slug: 'my-repo', base: fake.url }) });
    fake.routes.set(`${repoPath}/commits/${HASH}`, { body: dcCommit({ id: HASH, message: 'Fix the flaky test', name: 'jcitizen', email: 'jane@example.com', displayName: 'Jane Citizen' }) });
    fake.routes.set(`${repoPath}/branches`, (_req, url) => ({ body: dcBranchesPage(['develop', 'main', 'feature/x'].slice(0, Number(url.searchParams.get('limit'))), 'develop') }));
  });
  afterEach(() => fake.close());

  test('repository with its default branch, commit and branches, each with the Bearer token', async () => {
    expect(connection.kind).toBe('data-center');
    fake.routes.set(`${repoPath}/default-branch`, { body: dcRef('develop') });
    const { log, lines } = recordingLog();
    const api = createLocalBitbucketApi({ connection, log });
    expect(await api.getRepository('PRJ/my-repo')).toEqual({ uuid: null, fullName: 'PRJ/my-repo', slug: 'my-repo', mainBranch: 'develop', url: `${fake.url}/projects/PRJ/repos/my-repo/browse` });
    expect(await api.getCommit('PRJ/my-repo', HASH)).toEqual({
      hash: HASH,
      message: 'Fix the flaky test',
      author: { name: 'Jane Citizen', email: 'jane@example.com' },
      url: `${fake.url}/projects/PRJ/repos/my-repo/commits/${HASH}`,
    });
    expect(await api.listBranches('PRJ/my-repo', 2)).toEqual(['develop', 'main']);
    expect(fake.received.map((r) => r.path)).toEqual([repoPath, `${repoPath}/default-branch`, `${repoPath}/commits/${HASH}`, `${repoPath}/branches?orderBy=MODIFICATION&limit=2`]);
    for (const r of fake.received) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers.accept).toBe('application/json');
    }
    // Cached: asking again sends nothing.
    await api.getRepository('PRJ/my-repo');
    await api.getCommit('PRJ/my-repo', HASH);
    expect(fake.received).toHaveLength(4);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  test('servers without …/default-branch: …/branches/default', async () => {
    fake.routes.set(`${repoPath}/branches/default`, { body: dcRef('master') });
    const api = createLocalBitbucketApi({ connection, log: recordingLog().log });
    expect((await api.getRepository('PRJ/my-repo'))?.mainBranch).toBe('master');
    expect(fake.paths()).toEqual([repoPath, `${repoPath}/default-branch`, `${repoPath}/branches/default`]);
  });

  test('no Pipelines, Cloud-style names and bad hashes: nothing is asked', async () => {
    const api = createLocalBitbucketApi({ connection, log: recordingLog().log });
    expect(await api.listRecentPipelines('PRJ/my-repo')).toEqual([]);
    expect(await api.getFailedStep('PRJ/my-repo', REPO_UUID)).toBeNull();
    expect(await api.getFailedStepDetails('PRJ/my-repo', REPO_UUID)).toBeNull();
    expect(await api.getPipeline('PRJ/my-repo', REPO_UUID)).toBeNull();
    expect(await api.getStepLogTail('PRJ/my-repo', REPO_UUID, REPO_UUID)).toBeNull();
    expect(await api.getRepository(REPO_UUID)).toBeNull();
    expect(await api.getCommit('PRJ/my-repo', 'not-a-hash')).toBeNull();
    expect(fake.received).toHaveLength(0);
  });

  test('failures degrade to null / [] with a warn line that has no secret', async () => {
    const wrong = { ...connection, token: 'wrong-token' };
    const { log, lines } = recordingLog();
    const api = createLocalBitbucketApi({ connection: wrong, log });
    expect(await api.getRepository('PRJ/my-repo')).toBeNull();
    expect(await api.listBranches('PRJ/my-repo')).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.obj)).toEqual([{ call: 'getRepository', status: 401 }, { call: 'listBranches', status: 401 }]);
    expect(JSON.stringify(lines)).not.toContain('wrong-token');
  });

  test('bodies over 1 MB are refused; slow answers time out', async () => {
    fake.routes.set(`${repoPath}/commits/${HASH}`, { body: { id: HASH, message: 'x'.repeat(1024 * 1024 + 1) } });
    const { log, lines } = recordingLog();
    const api = createLocalBitbucketApi({ connection, log, timeoutMs: 300 });
    expect(await api.getCommit('PRJ/my-repo', HASH)).toBeNull();
    expect(lines.at(-1)?.obj).toEqual({ call: 'getCommit', err: 'response body over 1048576 bytes' });

    fake.routes.set(`${repoPath}/branches`, { delayMs: 2000, body: dcBranchesPage(['main']) });
    const started = Date.now();
    expect(await api.listBranches('PRJ/my-repo')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(lines.at(-1)?.obj).toEqual({ call: 'listBranches', err: 'timed out' });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});

describe('Cloud API over HTTP (the Forge adapter on fetch)', () => {
  let api: FakeBitbucket;
  let storage: FakeBitbucket;
  const PIPELINE = '{a7b1d7c2-1f5e-4c1b-9a57-2d3d7a1f0b10}';
  const STEP = '{5e8c4a3b-0c2d-4f6e-8a1b-9c0d1e2f3a4b}';

  beforeEach(async () => {
    api = await startFakeBitbucket({ token: TOKEN });
    // Another origin (localhost, not 127.0.0.1) stands in for Cloud's log storage.
    storage = await startFakeBitbucket({ host: 'localhost' });
  });
  afterEach(async () => {
    await api.close();
    await storage.close();
  });

  const cloud = (log = recordingLog().log) => createLocalBitbucketApi({ connection: { baseUrl: api.url, token: TOKEN, kind: 'cloud' }, log });

  test('a bare repository UUID is addressed with {} as its workspace, as the Forge adapter does', async () => {
    api.routes.set(`/2.0/repositories/{}/${REPO_UUID}`, { body: cloudRepository({ uuid: REPO_UUID, fullName: 'acme/api' }) });
    api.routes.set(`/2.0/repositories/{}/${REPO_UUID}/commit/${HASH}`, { body: cloudCommit({ hash: HASH, fullName: 'acme/api', message: 'Fix the flaky test', author: 'Jane Doe', email: 'jane@example.com' }) });
    const bb = cloud();
    expect(await bb.getRepository(REPO_UUID)).toEqual({ uuid: REPO_UUID, fullName: 'acme/api', slug: 'api', mainBranch: 'main', url: 'https://bitbucket.org/acme/api' });
    expect(await bb.getCommit(REPO_UUID, HASH)).toMatchObject({ message: 'Fix the flaky test', author: { name: 'Jane Doe', email: 'jane@example.com' } });
    expect(api.received.map((r) => r.path)).toEqual([
      '/2.0/repositories/%7B%7D/%7B15a31549-1cff-45dc-9d0d-310114c5038b%7D',
      `/2.0/repositories/%7B%7D/%7B15a31549-1cff-45dc-9d0d-310114c5038b%7D/commit/${HASH}`,
    ]);
    expect(api.received.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && r.headers.accept === 'application/json')).toBe(true);
  });

  test('the step log: a 307 to storage on another host is followed without the Authorization header', async () => {
    const logPath = `/2.0/repositories/acme/api/pipelines/${PIPELINE}/steps/${STEP}/log`;
    // "After the step is completed, the log is moved to long term storage and a redirection to the log file is returned"
    // (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pipelines/#api-repositories-workspace-repo-slug-pipelines-pipeline-uuid-steps-step-uuid-log-get).
    api.routes.set(logPath, { status: 307, headers: { location: `${storage.url}/logs/step.log?X-Amz-Signature=secret-sig` } });
    const text = 'npm ERR! Test failed.\nnpm ERR! exit code 1\n';
    storage.routes.set('/logs/step.log', { status: 206, headers: { 'content-range': `bytes 0-${Buffer.byteLength(text) - 1}/${Buffer.byteLength(text)}` }, body: text });
    const { log, lines } = recordingLog();
    const tail = await cloud(log).getStepLogTail('acme/api', PIPELINE, STEP);
    expect(tail?.lines).toEqual(['npm ERR! Test failed.', 'npm ERR! exit code 1']);
    expect(api.received[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(api.received[0]!.headers.range).toBe('bytes=-16384');
    expect(storage.received).toHaveLength(1);
    expect(storage.received[0]!.headers.authorization).toBeUndefined();
    expect(storage.received[0]!.headers.range).toBe('bytes=-16384');
    expect(JSON.stringify(lines)).not.toMatch(/secret-sig|ATCTT3x/);
  });

  test('other calls do not follow a redirect off the API origin; same-origin redirects keep the token', async () => {
    api.routes.set('/2.0/repositories/acme/api', { status: 302, headers: { location: `${storage.url}/steal` } });
    api.routes.set('/2.0/repositories/acme/moved', { status: 301, headers: { location: '/2.0/repositories/acme/api2' } });
    api.routes.set('/2.0/repositories/acme/api2', { body: cloudRepository({ uuid: REPO_UUID, fullName: 'acme/api2' }) });
    const { log, lines } = recordingLog();
    const bb = cloud(log);
    expect(await bb.getRepository('acme/api')).toBeNull();
    expect(storage.received).toHaveLength(0);
    expect(lines.find((l) => l.level === 'warn')?.obj).toEqual({ call: 'getRepository', status: 302 });
    expect((await bb.getRepository('acme/moved'))?.fullName).toBe('acme/api2');
    expect(api.received.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  test('never from https down to http, and never with credentials in the Location', async () => {
    const seen: string[] = [];
    const fakeFetch = (async (input: URL | RequestInfo) => {
      const url = String(input);
      seen.push(url);
      const to = url.includes('/a/') ? 'http://storage.example/log' : 'https://user:pw@storage.example/log';
      return new Response(null, { status: 307, headers: { location: to } });
    }) as typeof fetch;
    const bb = createLocalBitbucketApi({ connection: { baseUrl: 'https://api.bitbucket.org', token: TOKEN, kind: 'cloud' }, log: recordingLog().log, fetch: fakeFetch });
    expect(await bb.getStepLogTail('acme/a', PIPELINE, STEP)).toBeNull();
    expect(await bb.getStepLogTail('acme/b', PIPELINE, STEP)).toBeNull();
    expect(seen.every((u) => u.startsWith('https://api.bitbucket.org/2.0/repositories/acme/'))).toBe(true);
    expect(seen).toHaveLength(2);
  });
});

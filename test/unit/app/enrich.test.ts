/** Enrichment fills what Forge events lack, and an API failure leaves the alert as it was. */
import type { AppDeps } from '../../../src/app/app-types';
import { enrichAlerts } from '../../../src/app/enrich';
import type { Alert } from '../../../src/core/alerts/alert';
import type { BitbucketApi } from '../../../src/core/ports';

const alert = (): Alert => ({
  version: 1, id: 'al_1', type: 'build.failed', occurredAt: '2026-01-01T00:00:00.000Z',
  repository: { uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}', fullName: null, slug: null },
  ref: 'main',
  build: { key: null, name: null, state: 'FAILED', commit: 'abc1234', ref: 'main', url: null, runId: '{run-1}' },
  previous: null, incidentKey: 'bb:x', links: {},
});

function depsWith(bitbucket: Partial<BitbucketApi>): { deps: AppDeps; warnings: string[] } {
  const warnings: string[] = [];
  const none = async () => null;
  const deps = {
    bitbucket: { getRepository: none, getCommit: none, listBranches: async () => [], listRecentPipelines: async () => [], getFailedStep: none, ...bitbucket },
    log: { debug() {}, info() {}, warn: (o: object, m?: string) => warnings.push(`${m} ${JSON.stringify(o)}`), error() {} },
  } as unknown as AppDeps;
  return { deps, warnings };
}

test('fills repository name, commit message and author, and the failing step', async () => {
  const { deps } = depsWith({
    getRepository: async () => ({ uuid: '{15a31549-1cff-45dc-9d0d-310114c5038b}', fullName: 'acme/api', slug: 'api', mainBranch: 'main', url: 'https://bitbucket.org/acme/api' }),
    getCommit: async () => ({ hash: 'abc1234', message: 'Break the build', author: { name: 'Ada <ada@example.com>', email: 'ada@example.com' }, url: 'https://bitbucket.org/acme/api/commits/abc1234' }),
    getFailedStep: async (_repo, run) => (run === '{run-1}' ? 'Unit tests' : null),
  });
  const [out] = await enrichAlerts(deps, [alert()], 'k');
  expect(out!.repository.fullName).toBe('acme/api');
  expect(out!.build).toMatchObject({ commitMessage: 'Break the build', author: { email: 'ada@example.com' }, failedStep: 'Unit tests' });
  expect(out!.links).toMatchObject({ repository: 'https://bitbucket.org/acme/api', commit: 'https://bitbucket.org/acme/api/commits/abc1234' });
});

test('degrades gracefully when Bitbucket calls fail', async () => {
  const boom = async () => {
    throw new Error('503 from Bitbucket');
  };
  const { deps, warnings } = depsWith({ getRepository: boom, getCommit: boom, getFailedStep: boom });
  const input = alert();
  const [out] = await enrichAlerts(deps, [input], 'k');
  expect(out).toEqual(input);
  expect(warnings.length).toBeGreaterThanOrEqual(1);
});

/** Enrichment fills what Forge events lack, and an API failure leaves the alert as it was. */
import type { AppDeps } from '../../../src/app/app-types';
import { enrichAlerts } from '../../../src/app/enrich';
import type { Alert, BuildAlert } from '../../../src/core/alerts/alert';
import type { BitbucketApi } from '../../../src/core/ports';

const alert = (): BuildAlert => ({
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
    bitbucket: {
      getRepository: none, getCommit: none, listBranches: async () => [], listRecentPipelines: async () => [], getFailedStep: none,
      getFailedStepDetails: none, getPipeline: none, getStepLogTail: none, ...bitbucket,
    },
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

test('a failed Pipelines run gets the step duration, the log tail of that step and who started the run', async () => {
  const logCalls: string[] = [];
  const { deps } = depsWith({
    getFailedStepDetails: async (_repo, run) => (run === '{run-1}' ? { uuid: '{step-9}', name: 'Unit tests', durationSeconds: 192 } : null),
    getStepLogTail: async (_repo, run, step) => {
      logCalls.push(`${run}/${step}`);
      return { lines: ['FAIL checkout.test.ts', '  expected 3 calls, got 1'], truncated: true };
    },
    getPipeline: async () => ({ uuid: '{run-1}', creator: { name: 'Ravi Patel', accountId: '712020:ravi' }, trigger: 'pipeline_trigger_manual' }),
  });
  const [out] = await enrichAlerts(deps, [alert()], 'k');
  expect(out!.build!.failedStep).toBe('Unit tests');
  expect(out!.failedStepDurationSeconds).toBe(192);
  expect(out!.logTail).toEqual({ lines: ['FAIL checkout.test.ts', '  expected 3 calls, got 1'], truncated: true });
  expect(out!.triggeredBy).toEqual({ name: 'Ravi Patel', accountId: '712020:ravi' });
  expect(logCalls).toEqual(['{run-1}/{step-9}']);
});

test('does not fetch the log when no matching rule shows it, and leaves an empty or missing tail out', async () => {
  let asked = 0;
  const { deps } = depsWith({
    getFailedStepDetails: async () => ({ uuid: '{step-9}', name: 'Unit tests', durationSeconds: null }),
    getStepLogTail: async () => (asked++, { lines: [], truncated: false }),
  });
  const [off] = await enrichAlerts(deps, [alert()], 'k', { logTail: false });
  expect(asked).toBe(0);
  expect(off!.logTail).toBeUndefined();
  const [empty] = await enrichAlerts(deps, [alert()], 'k');
  expect(asked).toBe(1);
  expect(empty!.logTail).toBeUndefined();
  expect(empty!.failedStepDurationSeconds).toBeUndefined();
  expect(empty!.triggeredBy).toBeUndefined();
});

test('passing builds are not diagnosed', async () => {
  let calls = 0;
  const count = async () => (calls++, null);
  const { deps } = depsWith({ getFailedStepDetails: count, getPipeline: count, getStepLogTail: count, getFailedStep: count });
  const fixed = { ...alert(), type: 'build.fixed' as const, build: { ...alert().build, state: 'SUCCESSFUL' as const } };
  await enrichAlerts(deps, [fixed], 'k');
  expect(calls).toBe(0);
});

test('a live build status knows only the run number (url …/results/<n>): the run is found among recent pipelines', async () => {
  const live: Alert = { ...alert(), build: { ...alert().build, runId: undefined, number: 42, url: 'https://bitbucket.org/acme/api/pipelines/results/42' } };
  const asked: string[] = [];
  const { deps } = depsWith({
    // Raw Pipelines API objects, newest first (GET /2.0/repositories/{ws}/{repo}/pipelines/?sort=-created_on).
    listRecentPipelines: async () => [{ uuid: '{run-43}', build_number: 43 }, { uuid: '{run-42}', build_number: 42 }],
    getFailedStepDetails: async (_repo, run) => {
      asked.push(run);
      return run === '{run-42}' ? { uuid: '{step-1}', name: 'Integration tests', durationSeconds: 75 } : null;
    },
  });
  const [out] = await enrichAlerts(deps, [live], 'k');
  expect(asked).toEqual(['{run-42}']);
  expect(out!.build).toMatchObject({ runId: '{run-42}', failedStep: 'Integration tests' });
  expect(out!.failedStepDurationSeconds).toBe(75);

  // A run that is not among the recent ones: the alert goes out without the diagnosis.
  const { deps: none } = depsWith({ listRecentPipelines: async () => [{ uuid: '{run-99}', build_number: 99 }] });
  const [plain] = await enrichAlerts(none, [live], 'k');
  expect(plain!.build!.failedStep).toBeUndefined();
});

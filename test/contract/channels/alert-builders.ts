/**
 * Fixed alerts for the channel contract suite. Local on purpose: channel goldens must not change
 * when shared test builders do. Times are fixed so goldens are stable.
 */
import type { Alert, GroupedBuild } from '../../../src/core/alerts/alert';
import type { AlertOverrides } from '../../helpers/builders';
import type { BuildInfo } from '../../../src/core/events/repo-event';
import type { BuildContext } from '../../../src/core/channels/channel';
import { resolvePeople } from '../../../src/core/people';

export const NOW = Date.parse('2026-11-23T10:05:00.000Z');
const REPO_URL = 'https://bitbucket.org/acme/widgets';
const COMMIT = '7f3c2a9e1b4d5c6f8a0b1c2d3e4f5a6b7c8d9e0f';

export const AUTHOR_ACCOUNT_ID = '557058:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

export function aBuild(overrides: Partial<BuildInfo> = {}): BuildInfo {
  return {
    key: '{8e2c0a7b-5d3e-4f1a-9b6c-2d4e6f8a0b1c}',
    name: 'Pipeline #42 for main',
    state: 'FAILED',
    commit: COMMIT,
    ref: 'main',
    url: `${REPO_URL}/pipelines/results/42`,
    number: 42,
    commitMessage: 'Fix flaky checkout test\n\nThe retry loop never waited.',
    author: { name: 'Jane Doe <jane@acme.example>', accountId: AUTHOR_ACCOUNT_ID, uuid: '{d3b07384-d113-4ec6-a0a1-9f5e0b8c7d6e}' },
    failedStep: 'Unit tests',
    ...overrides,
  };
}

export function anAlert(overrides: AlertOverrides = {}): Alert {
  const build = 'build' in overrides ? overrides.build : aBuild();
  return {
    version: 1,
    id: 'alrt-7f3c2a9-failed',
    type: 'build.failed',
    occurredAt: '2026-11-23T10:04:30.000Z',
    repository: { uuid: '{0b9d4c8e-a7f6-4a1c-8e2f-3d5b7c9e1f2a}', fullName: 'acme/widgets', slug: 'widgets', url: REPO_URL },
    ref: 'main',
    build,
    previous: { state: 'SUCCESSFUL', at: '2026-11-23T09:12:00.000Z', commit: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b' },
    failures: { count: 1, since: '2026-11-23T10:04:30.000Z' },
    incidentKey: 'inc:0b9d4c8e:main:8e2c0a7b',
    links: {
      build: build?.url ?? null,
      commit: `${REPO_URL}/commits/${build?.commit ?? COMMIT}`,
      repository: REPO_URL,
    },
    ...overrides,
  } as Alert;
}

export const failedAlert = (): Alert => anAlert();

export const stillFailingAlert = (): Alert =>
  anAlert({
    id: 'alrt-9a8b7c6-still-failing',
    type: 'build.still-failing',
    occurredAt: '2026-11-23T11:40:00.000Z',
    build: aBuild({ name: 'Pipeline #44 for main', number: 44, url: `${REPO_URL}/pipelines/results/44`, commit: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b', commitMessage: 'Try a longer timeout' }),
    previous: { state: 'FAILED', at: '2026-11-23T11:02:00.000Z', commit: COMMIT },
    failures: { count: 3, since: '2026-11-23T10:04:30.000Z' },
  });

export const fixedAlert = (): Alert =>
  anAlert({
    id: 'alrt-5e4f3a2-fixed',
    type: 'build.fixed',
    occurredAt: '2026-11-23T12:09:30.000Z',
    build: aBuild({ name: 'Pipeline #45 for main', number: 45, state: 'SUCCESSFUL', url: `${REPO_URL}/pipelines/results/45`, commit: '5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f', commitMessage: 'Wait for the checkout mock', failedStep: null }),
    previous: { state: 'FAILED', at: '2026-11-23T11:40:00.000Z', commit: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b' },
    failures: { count: 3, since: '2026-11-23T10:04:30.000Z' },
    brokenForMs: 2 * 3600_000 + 5 * 60_000,
  });

function grouped(name: string, key: string, n: number): GroupedBuild {
  const url = `https://ci.acme.example/job/${key}/${n}/`;
  return {
    type: 'build.failed',
    build: { key, name, state: 'FAILED', commit: COMMIT, ref: 'main', url, number: n },
    links: { build: url, commit: `${REPO_URL}/commits/${COMMIT}` },
  };
}

export const groupedAlert = (): Alert =>
  anAlert({
    id: 'alrt-7f3c2a9-grouped',
    group: [grouped('Jenkins integration', 'jenkins-integration', 311), grouped('SonarCloud quality gate', 'sonarcloud', 77)],
  });

export const pushAlert = (): Alert =>
  anAlert({
    id: 'alrt-push',
    type: 'push',
    build: undefined,
    push: { changes: [{ refType: 'branch', name: 'main', action: 'updated', before: '1a2b3c4', after: COMMIT }] },
    previous: null,
    failures: null,
  });

export const deploymentFailedAlert = (): Alert =>
  anAlert({
    id: 'alrt-deploy',
    type: 'deployment.failed',
    build: undefined,
    deployment: { state: 'FAILED', environment: 'Production', environmentType: 'Production', commit: COMMIT, url: `${REPO_URL}/deployments` },
    incidentKey: 'inc:0b9d4c8e:deploy:production',
  });

export function aContext(overrides: Partial<BuildContext> = {}): BuildContext {
  return { idempotencyKey: 'alrt-7f3c2a9-failed:team-channel', now: NOW, rule: 'main-builds', ...overrides };
}

/**
 * A failure with everything "why" and "who" adds: step duration, a log tail with text that must not
 * format, mention or close a code block anywhere, and a run started by someone unmapped.
 */
export const diagnosedAlert = (): Alert =>
  anAlert({
    id: 'alrt-7f3c2a9-diagnosed',
    failedStepDurationSeconds: 192,
    logTail: {
      lines: [
        '+ npm test -- --ci',
        'FAIL src/checkout.test.ts',
        '  ● checkout › retries *twice* with _backoff_ <!channel> @all <users/all> <@123456789012345678>',
        '    ```js',
        '    expect(calls).toBe(3) // & got 1',
        '',
        'Error: 1 test failed',
      ],
      truncated: true,
    },
    triggeredBy: { name: 'Ravi <Patel>', accountId: '712020:00000000-0000-4000-8000-0000000000aa' },
  });

/** The context deliver.ts gives when the rules' mentions map knows the author (every chat tool) but not who started the run. */
export const diagnosedContext = (): BuildContext =>
  aContext({
    idempotencyKey: 'alrt-7f3c2a9-diagnosed:team-channel',
    people: resolvePeople(diagnosedAlert(), {
      workspace: {
        'jane@acme.example': { slack: 'U024BE7LH', teams: 'jane@acme.example', discord: '80351110224678912', 'google-chat': 'users/123456789012345678901', mattermost: 'jane.doe' },
      },
    }),
  });

/**
 * Every real payload in /work/shared/fixtures, normalized, with the fields read by hand from the file.
 * Headers are the ones SOURCES.md says Bitbucket sends with each kind.
 */
import { normalize, type RepoEvent } from '../../../src/core/events';
import { listFixtures, loadFixture } from '../../helpers/fixtures';

type Hdrs = Record<string, string>;
const cloud = (key: string): Hdrs => ({ 'X-Event-Key': key, 'User-Agent': 'Bitbucket-Webhooks/2.0' });
const dc = (key: string): Hdrs => ({ 'X-Event-Key': key, 'X-Request-Id': 'b5b5d6a4-0000-4000-8000-000000000000' });
const plugin = (key: string): Hdrs => ({ 'X-Event-Key': key, 'X-Bitbucket-Type': 'server' });

const XO = { uuid: '{05740f13-ee26-40c5-b530-4d204854fea1}', fullName: 'groupname/xo', slug: 'xo' };
const TESTREPO = { uuid: '{2b922c6d-3824-4e91-a7be-90c8b8392f84}', fullName: 'automationtestharness/testrepo', slug: 'testrepo' };
const FOO = { uuid: '{bc771cbf-829e-4c4b-b71f-a0eb3ac2b860}', fullName: 'brydzewski/foo', slug: 'foo' };
const STASH_EXAMPLE = { uuid: '{4834ac2c-bfa9-4be8-aa54-49990e738ae5}', fullName: 'atlassian/stash-example-plugin', slug: 'stash-example-plugin' };
const FORGE_REPO = '{15a31549-1cff-45dc-9d0d-310114c5038b}';
const FORGE_WS = '{4c16a397-8e48-479c-8ca2-442e46c90570}';
const PRJ = { uuid: null, fullName: 'PRJ/my-repo', slug: 'my-repo' };
const PROJECT_1 = { uuid: null, fullName: 'PROJECT_1/rep_1', slug: 'rep_1' };
const DEVLAKE_REPO = { uuid: '{9988e380-f77d-40f0-974f-626252e7b941}' };

interface Case {
  headers?: Hdrs;
  expected: unknown;
}

const CASES: Record<string, Case> = {
  'cloud-api-commit-status-get.drone-go-scm.json': {
    expected: {
      source: 'pipelines-api',
      kind: 'build',
      occurredAt: '2018-07-01T20:27:45.726Z',
      repository: STASH_EXAMPLE,
      build: {
        key: 'drone',
        name: 'build-22',
        state: 'SUCCESSFUL',
        commit: 'a6e5e7d797edf751cbd839d6bd4aef86c941eec9',
        ref: null,
        url: 'https://ci.example.com/1000/output',
        number: null,
        description: 'Build has completed successfully',
      },
    },
  },
  'cloud-api-commit-statuses-list.drone-go-scm.json': {
    expected: [
      {
        source: 'pipelines-api',
        kind: 'build',
        repository: STASH_EXAMPLE,
        build: { key: 'drone', name: null, state: 'SUCCESSFUL', commit: 'a6e5e7d797edf751cbd839d6bd4aef86c941eec9', ref: null },
      },
    ],
  },
  'cloud-commit-status-created-inprogress-pipelines-pr-2.cimonitor.json': {
    headers: cloud('repo:commit_status_created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'build',
      eventKey: 'repo:commit_status_created',
      repository: XO,
      workspace: '{0cd27561-674a-4f88-a54b-593966be7ac9}',
      build: {
        key: '2067324061',
        name: 'Pipeline #3508 for Pull Request #411',
        state: 'INPROGRESS',
        ref: 'feature/XO-430',
        number: 3508,
        description: null,
      },
    },
  },
  'cloud-commit-status-created-inprogress-pipelines-pr.cimonitor.json': {
    headers: cloud('repo:commit_status_created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'build',
      occurredAt: '2024-07-10T09:06:37.643Z',
      repository: XO,
      build: {
        key: '606642714',
        name: 'Pipeline #3506 for Pull Request #437',
        state: 'INPROGRESS',
        commit: '0b6c06edfcb49802d7c63ba1b01eabd573c1bade',
        ref: 'feature/XO-466',
        url: 'https://bitbucket.org/groupname/xo/addon/pipelines/home#!/results/3506',
        number: 3506,
        description: null,
        commitMessage: 'XO-466: Removed 319 from excluded types\n',
        author: { name: 'Marc [REDACTED]', uuid: '{b3d09cea-ea4a-46c1-aef4-eb2904f6820b}' },
      },
    },
  },
  'cloud-commit-status-created-inprogress.drone-go-scm.json': {
    headers: cloud('repo:commit_status_created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'build',
      occurredAt: '2025-03-24T08:48:56.572Z',
      repository: TESTREPO,
      workspace: '{612f7b18-b167-4bff-8ee9-d43570117ff1}',
      // The webhook actor is the workspace account ...
      actor: { name: 'Automationtestharness', uuid: '{612f7b18-b167-4bff-8ee9-d43570117ff1}' },
      build: {
        key: '3343801',
        name: 'Pipeline #4 for main',
        state: 'INPROGRESS',
        commit: 'bdf6fac0519ffd1562461eb82e018ff62efffbc9',
        ref: 'main',
        url: 'https://bitbucket.org/automationtestharness/testrepo/addon/pipelines/home#!/results/4',
        number: 4,
        // ... the author is the person who made the commit.
        author: {
          name: 'Shivam Negi',
          email: 'shivamnegi94@gmail.com',
          accountId: '601ba1bdb7bda90068ed5d1b',
          uuid: '{ce7d5dfc-83c9-4878-beaf-7b91610e104a}',
        },
      },
    },
  },
  'cloud-commit-status-created-successful-sonarcloud.cimonitor.json': {
    headers: cloud('repo:commit_status_created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'build',
      occurredAt: '2024-07-10T09:14:19.463Z',
      repository: XO,
      build: {
        key: 'sc-groupname_XO_backend',
        name: 'SonarCloud - XO_backend',
        state: 'SUCCESSFUL',
        commit: '240c78ed4c4968bf9637a1ca021378ba08c0f300',
        ref: null,
        number: null,
        description: 'Quality Gate passed',
        author: { name: 'Nick', uuid: '{439374be-ee4d-411c-b153-0b768303ac74}' },
      },
    },
  },
  'cloud-commit-status-updated-successful.drone-go-scm.json': {
    headers: cloud('repo:commit_status_updated'),
    expected: {
      source: 'cloud-webhook',
      kind: 'build',
      eventKey: 'repo:commit_status_updated',
      occurredAt: '2025-03-24T08:49:42.838Z',
      repository: TESTREPO,
      build: { key: '3343801', state: 'SUCCESSFUL', commit: 'bdf6fac0519ffd1562461eb82e018ff62efffbc9', ref: 'main', number: 4 },
    },
  },
  'cloud-pr-comment-created.drone-go-scm.json': {
    headers: cloud('pullrequest:comment_created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'pullrequest',
      occurredAt: '2022-06-23T22:10:09.939Z',
      repository: {
        uuid: '{4402cbae-7790-453a-b29e-5fcab61a84df}',
        fullName: 'rutvijmehta-harness/spring-cloud-alibaba',
        slug: 'spring-cloud-alibaba',
      },
      pullRequest: { id: 1, action: 'commented', title: 'Update pom.xml', source: 'tiwhitepaper-rutvij', destination: '2021.x' },
    },
  },
  'cloud-pr-created.drone-go-scm.json': {
    headers: cloud('pullrequest:created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'pullrequest',
      occurredAt: '2018-07-02T21:51:39.492Z',
      repository: FOO,
      pullRequest: { id: 1, action: 'created', title: 'Awesome new feature', source: 'develop', destination: 'master' },
    },
  },
  'cloud-pr-created.jenkins-bitbucket-branch-source.json': {
    headers: cloud('pullrequest:created'),
    expected: {
      source: 'cloud-webhook',
      kind: 'pullrequest',
      occurredAt: '2024-11-09T13:02:56.285Z',
      repository: { uuid: '{f991126e-6825-40ea-a1c2-e72c336ae41e}', fullName: 'amuniz/test-repos', slug: 'test-repos' },
      pullRequest: { id: 735, action: 'created', title: 'BUILD test', source: 'feature/test', destination: 'master' },
    },
  },
  'cloud-pr-fulfilled.drone-go-scm.json': {
    headers: cloud('pullrequest:fulfilled'),
    expected: {
      kind: 'pullrequest',
      occurredAt: '2018-07-03T01:28:05.903Z',
      repository: FOO,
      pullRequest: { id: 1, action: 'merged', source: 'develop', destination: 'master' },
    },
  },
  'cloud-pr-rejected.drone-go-scm.json': {
    headers: cloud('pullrequest:rejected'),
    expected: {
      kind: 'pullrequest',
      occurredAt: '2018-07-03T01:44:00.030Z',
      repository: FOO,
      pullRequest: { id: 2, action: 'declined', title: 'update README', source: 'develop', destination: 'master' },
    },
  },
  'cloud-pr-updated.drone-go-scm.json': {
    headers: cloud('pullrequest:updated'),
    expected: {
      kind: 'pullrequest',
      occurredAt: '2018-07-02T21:54:34.210Z',
      repository: FOO,
      pullRequest: { id: 1, action: 'updated', source: 'develop', destination: 'master' },
    },
  },
  'cloud-push-annotated-tag-create.jenkins-bitbucket-branch-source.json': {
    headers: cloud('repo:push'),
    expected: {
      source: 'cloud-webhook',
      kind: 'push',
      occurredAt: null,
      repository: { uuid: '{3deb8c29-778a-450c-8f69-3e50a18079df}', fullName: 'amuniz/test-repos', slug: 'test-repos' },
      push: {
        changes: [
          { refType: 'tag', name: 'test-tag', action: 'created', before: null, after: '7ef5981d59145c3ed300b1ab77b93907d33abe59' },
        ],
      },
    },
  },
  'cloud-push-branch-create.drone-go-scm.json': {
    headers: cloud('repo:push'),
    expected: {
      kind: 'push',
      repository: FOO,
      push: {
        changes: [
          { refType: 'branch', name: 'develop', action: 'created', before: null, after: '141977fedf5cf35aa290ac87d4b5177ac4cd9de1' },
        ],
      },
    },
  },
  'cloud-push-branch-delete.drone-go-scm.json': {
    headers: cloud('repo:push'),
    expected: {
      kind: 'push',
      repository: FOO,
      push: {
        changes: [
          { refType: 'branch', name: 'develop', action: 'deleted', before: '141977fedf5cf35aa290ac87d4b5177ac4cd9de1', after: null },
        ],
      },
    },
  },
  'cloud-push-branch-update.drone-go-scm.json': {
    headers: cloud('repo:push'),
    expected: {
      kind: 'push',
      repository: FOO,
      push: {
        changes: [
          {
            refType: 'branch',
            name: 'master',
            action: 'updated',
            before: '40e7580cf11311d84a6e5e97e2cbba6df1675750',
            after: '141977fedf5cf35aa290ac87d4b5177ac4cd9de1',
          },
        ],
      },
    },
  },
  'cloud-push-signed-branch-create.jenkins-bitbucket-branch-source.json': {
    headers: { ...cloud('repo:push'), 'X-Hub-Signature': 'sha256=f205c729821c6954aff2afe72b965c34015b4baf96ea8ddc2cc44999c014a035' },
    expected: {
      kind: 'push',
      repository: { uuid: '{3deb8c29-778a-450c-8f69-3e50a18079df}', fullName: 'nfalco79/test-repos', slug: 'test-repos' },
      push: {
        changes: [
          { refType: 'branch', name: 'feature/webhook', action: 'created', before: null, after: 'd7f300a32270053bdfd97a6d64113f58202c33e7' },
        ],
      },
    },
  },
  'cloud-push-tag-create.drone-go-scm.json': {
    headers: cloud('repo:push'),
    expected: {
      kind: 'push',
      repository: FOO,
      push: {
        changes: [
          { refType: 'tag', name: 'feature/x', action: 'created', before: null, after: '141977fedf5cf35aa290ac87d4b5177ac4cd9de1' },
        ],
      },
    },
  },
  'forge-build-status-created-failed.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'build',
      eventKey: 'avi:bitbucket:created:build-status',
      occurredAt: '2025-01-31T00:42:46.866Z',
      repository: { uuid: FORGE_REPO, fullName: null },
      workspace: FORGE_WS,
      actor: { accountId: '5ffed3379edf280075d75b20', uuid: '{cc8e193d-7603-4dfd-8771-fcc8960aa0fb}' },
      selfGenerated: false,
      build: {
        key: 'my-build1',
        name: null,
        state: 'FAILED',
        commit: 'b88c4b490b648bf960eba6f59123456797960e55',
        ref: 'main',
        url: 'https://some.url.com',
        number: null,
      },
    },
  },
  'forge-created-pullrequest-comment.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'pullrequest',
      occurredAt: '2023-06-26T06:34:41.624Z',
      repository: { uuid: '{30cbb1be-00da-425d-b3b1-29695ceb11f9}', slug: 'repository-slug' },
      workspace: '{6d1a0dc3-2eb4-4bdc-952f-af3b8fcbe13d}',
      pullRequest: { id: 4, action: 'commented', title: 'PR title', source: 'testbranch1', destination: 'master' },
    },
  },
  'forge-created-pullrequest.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'pullrequest',
      occurredAt: '2026-03-23T06:03:12.361Z',
      repository: { uuid: FORGE_REPO, slug: 'repository-slug' },
      pullRequest: {
        id: 3,
        action: 'created',
        title: 'PR title',
        source: 'Joshua-Tang/gitignore-edited-online-with-bitbucket-1683871668235',
        destination: 'master',
        author: { name: 'Jane Smith', accountId: '712020:f44b4850-c6f6-54ce-9722-b800af117eb4' },
      },
    },
  },
  'forge-pending-deployment.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'deployment',
      occurredAt: '2024-11-15T03:08:01.556Z',
      repository: { uuid: FORGE_REPO },
      actor: null,
      deployment: {
        state: 'PENDING',
        environment: 'us-east-1',
        environmentType: 'PRODUCTION',
        commit: null,
        environmentUuid: '{fc0697a9-b1d3-44b1-b296-2d7ed47ff150}',
      },
    },
  },
  'forge-push-repository-branch.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'push',
      mainBranch: 'main',
      repository: { uuid: FORGE_REPO, slug: 'repository-slug' },
      push: {
        changes: [
          { refType: 'branch', name: 'main', action: 'created', before: null, after: 'a37e0ad81173c7f6707d6b9f74dab4ce9938064d' },
        ],
      },
    },
  },
  'forge-started-deployment.atlassian-docs.json': {
    expected: {
      source: 'forge',
      kind: 'deployment',
      deployment: { state: 'STARTED', environment: 'us-east-1', environmentType: 'PRODUCTION' },
    },
  },
  'forge-updated-pullrequest.atlassian-docs.json': {
    expected: { source: 'forge', kind: 'pullrequest', pullRequest: { id: 3, action: 'updated', destination: 'master' } },
  },
  'pipelines-api-deployment-completed-production.apache-devlake.json': {
    expected: {
      source: 'pipelines-api',
      kind: 'deployment',
      occurredAt: '2023-02-20T09:39:09.267Z',
      // Recovered from release.url: the filtered object has no repository field.
      repository: { fullName: 'likyh/likyhphp', slug: 'likyhphp' },
      deployment: {
        state: 'SUCCESSFUL',
        environment: 'Production',
        environmentType: 'Production',
        commit: 'ca4302e0e56c89332711e1b1051ab2f0110d4412',
      },
    },
  },
  'pipelines-api-deployment-undeployed.apache-devlake.json': {
    expected: { ignored: true },
  },
  'pipelines-api-pipeline-failed-instant.apache-devlake.json': {
    expected: {
      source: 'pipelines-api',
      kind: 'build',
      // completed_on, kept even though it is earlier than created_on (09:09:50.315).
      occurredAt: '2023-02-20T09:09:50.299Z',
      repository: DEVLAKE_REPO,
      workspace: '{33cb24c9-0d0a-420d-b664-9466339c27fa}',
      build: {
        key: null,
        state: 'FAILED',
        commit: '9e1574b68b04610b93e84ae8650f91f7ff416b7b',
        ref: '0.5-alpha',
        runId: '{ee91b6d3-7736-482c-892f-ad1e923d145e}',
      },
    },
  },
  'pipelines-api-pipeline-in-progress-halted.apache-devlake.json': {
    expected: {
      source: 'pipelines-api',
      kind: 'build',
      occurredAt: '2023-02-20T09:29:44.212Z',
      repository: DEVLAKE_REPO,
      build: { state: 'INPROGRESS', commit: 'ca4302e0e56c89332711e1b1051ab2f0110d4412', ref: '0.5-alpha' },
    },
  },
  'pipelines-api-pipeline-successful.apache-devlake.json': {
    expected: {
      source: 'pipelines-api',
      kind: 'build',
      occurredAt: '2023-02-20T09:17:37.966Z',
      repository: DEVLAKE_REPO,
      build: { state: 'SUCCESSFUL', commit: 'ca4302e0e56c89332711e1b1051ab2f0110d4412', ref: 'pipeline' },
    },
  },
  'postwebhooks-pr-created.jenkins-bitbucket-branch-source.json': {
    headers: plugin('pullrequest:created'),
    expected: {
      source: 'post-webhooks',
      kind: 'pullrequest',
      occurredAt: null,
      repository: PROJECT_1,
      workspace: 'PROJECT_1',
      pullRequest: {
        id: 1,
        action: 'created',
        title: 'Test webhooks',
        source: 'test-webhook',
        destination: 'master',
        url: 'http://localhost:7990/bitbucket/projects/PROJECT_1/repos/rep_1/pull-requests/1',
      },
    },
  },
  'postwebhooks-pr-updated.jenkins-bitbucket-branch-source.json': {
    headers: plugin('pullrequest:updated'),
    expected: {
      source: 'post-webhooks',
      kind: 'pullrequest',
      repository: PROJECT_1,
      pullRequest: { id: 1, action: 'updated', source: 'test-webhook', destination: 'master' },
    },
  },
  'postwebhooks-repo-push-branch-create.jenkins-bitbucket-branch-source.json': {
    headers: plugin('repo:push'),
    expected: {
      source: 'post-webhooks',
      kind: 'push',
      repository: PROJECT_1,
      push: {
        changes: [
          { refType: 'branch', name: 'test-webhook', action: 'created', before: null, after: '417b2f673581ee6000e260a5fa65e62b56c7a3cd' },
        ],
      },
    },
  },
  'postwebhooks-repo-push-merge-commit.jenkins-bitbucket-branch-source.json': {
    headers: plugin('repo:push'),
    expected: {
      source: 'post-webhooks',
      kind: 'push',
      push: {
        changes: [
          {
            refType: 'branch',
            name: 'master',
            action: 'updated',
            before: '0a943a29376f2336b78312d99e65da17048951db',
            after: '500cf91e7b4b7d9f995cdb6e81cb5538216ac02e',
          },
        ],
      },
    },
  },
  'server-diagnostics-ping.jenkins-bitbucket-branch-source.json': {
    headers: dc('diagnostics:ping'),
    expected: { source: 'server-webhook', kind: 'ping', occurredAt: null, repository: { uuid: null, fullName: null, slug: null } },
  },
  'server-pr-declined.drone-go-scm.json': {
    headers: dc('pr:declined'),
    expected: {
      source: 'server-webhook',
      kind: 'pullrequest',
      occurredAt: '2018-07-05T19:30:48.000Z',
      repository: PRJ,
      workspace: 'PRJ',
      actor: { name: 'Jane Citizen', email: 'jane@example.com' },
      pullRequest: { id: 2, action: 'declined', title: 'added LICENSE', source: 'develop', destination: 'master' },
    },
  },
  'server-pr-from-ref-updated.drone-go-scm.json': {
    headers: dc('pr:from_ref_updated'),
    expected: {
      kind: 'pullrequest',
      occurredAt: '2021-11-23T10:02:52.000Z',
      repository: PRJ,
      pullRequest: {
        id: 2,
        action: 'updated',
        source: 'feature-2',
        destination: 'master',
        url: 'http://example.com:7990/projects/PRJ/repos/my-repo/pull-requests/2',
      },
    },
  },
  'server-pr-merged.drone-go-scm.json': {
    headers: dc('pr:merged'),
    expected: { kind: 'pullrequest', repository: PRJ, pullRequest: { id: 3, action: 'merged', title: 'Develop', source: 'develop', destination: 'master' } },
  },
  'server-pr-opened.drone-go-scm.json': {
    headers: dc('pr:opened'),
    expected: {
      kind: 'pullrequest',
      occurredAt: '2018-07-05T19:21:30.000Z',
      repository: PRJ,
      pullRequest: { id: 2, action: 'created', title: 'added LICENSE', source: 'develop', destination: 'master' },
    },
  },
  'server-refs-changed-branch-create.drone-go-scm.json': {
    headers: dc('repo:refs_changed'),
    expected: {
      source: 'server-webhook',
      kind: 'push',
      occurredAt: '2018-07-05T18:24:15.000Z',
      repository: PRJ,
      push: {
        changes: [
          // fromHash is all zeros: no previous commit.
          { refType: 'branch', name: 'develop', action: 'created', before: null, after: '208b0a5c05eddadad01f2aed8802fe0c3b3eaf5e' },
        ],
      },
    },
  },
  'server-refs-changed-branch-update.drone-go-scm.json': {
    headers: { ...dc('repo:refs_changed'), 'X-Hub-Signature': 'sha256=c90565fa018f3039414a7929c9187a147f1ac463076961c4cf411e3c67c541f8' },
    expected: {
      kind: 'push',
      repository: PRJ,
      push: {
        changes: [
          {
            refType: 'branch',
            name: 'master',
            action: 'updated',
            before: '5c64a07cd6c0f21b753bf261ef059c7e7633c50a',
            after: '823b2230a56056231c9425d63758fa87078a66b4',
          },
        ],
      },
    },
  },
  'server-refs-changed-push.jenkins-bitbucket-branch-source.json': {
    headers: dc('repo:refs_changed'),
    expected: {
      kind: 'push',
      occurredAt: '2024-11-27T01:34:45.000Z',
      repository: { uuid: null, fullName: 'AMUNIZ/test-repos', slug: 'test-repos' },
      workspace: 'AMUNIZ',
      actor: { name: 'Antonio Muniz', email: 'amuniz@acme.com' },
      push: {
        changes: [
          {
            refType: 'branch',
            name: 'main',
            action: 'updated',
            before: 'a8c13e8850dc60300be720019d1ffc1aa2fded87',
            after: '9fdd7b96d3f5c276d0b9e0bf38c879eb112d889a',
          },
        ],
      },
    },
  },
  'server-refs-changed-tag-create.drone-go-scm.json': {
    headers: dc('repo:refs_changed'),
    expected: {
      kind: 'push',
      repository: PRJ,
      push: {
        changes: [
          { refType: 'tag', name: 'v1.1.0', action: 'created', before: null, after: '823b2230a56056231c9425d63758fa87078a66b4' },
        ],
      },
    },
  },
};

describe('normalize: every shared fixture', () => {
  it('has an expectation for each fixture file, and no stale ones', () => {
    expect(Object.keys(CASES).sort()).toEqual(listFixtures());
  });

  it.each(Object.keys(CASES))('%s', (file) => {
    const c = CASES[file] as Case;
    const result = normalize({ body: loadFixture(file), headers: c.headers });
    if (!result.ok) throw new Error(`expected ok, got error: ${result.error.message}`);
    expect(result.value).toMatchObject(c.expected as object);
  });

  it('gives every event the version, a known source and a valid or null time', () => {
    for (const file of Object.keys(CASES)) {
      const result = normalize({ body: loadFixture(file), headers: CASES[file]?.headers });
      if (!result.ok) throw new Error(result.error.message);
      const events = (Array.isArray(result.value) ? result.value : [result.value]).filter((e): e is RepoEvent => !('ignored' in e));
      for (const e of events) {
        expect(e.version).toBe(1);
        expect(['forge', 'cloud-webhook', 'server-webhook', 'post-webhooks', 'pipelines-api']).toContain(e.source);
        if (e.occurredAt !== null) expect(new Date(e.occurredAt).toISOString()).toBe(e.occurredAt);
      }
    }
  });

  // RepoEvent is a discriminated union: the kind names the one payload part present. The types say
  // so at compile time; this holds the normalizers to it at run time, on every real payload.
  it('gives every event exactly the part its kind names', () => {
    const PART = { build: 'build', deployment: 'deployment', push: 'push', pullrequest: 'pullRequest', ping: null } as const;
    let checked = 0;
    for (const file of Object.keys(CASES)) {
      const result = normalize({ body: loadFixture(file), headers: CASES[file]?.headers });
      if (!result.ok) throw new Error(result.error.message);
      const events = (Array.isArray(result.value) ? result.value : [result.value]).filter((e): e is RepoEvent => !('ignored' in e));
      for (const e of events) {
        const present = (['build', 'deployment', 'push', 'pullRequest'] as const).filter((part) => e[part] !== undefined);
        expect({ file, kind: e.kind, present }).toEqual({ file, kind: e.kind, present: PART[e.kind] ? [PART[e.kind]] : [] });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});

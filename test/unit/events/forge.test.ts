import { normalize, type RepoEvent } from '../../../src/core/events';
import { loadFixture } from '../../helpers/fixtures';
import { aForgeBuildStatus, aForgeDeployment, type Json } from './builders';

function event(body: unknown): RepoEvent {
  const r = normalize({ body });
  if (!r.ok) throw new Error(r.error.message);
  if (Array.isArray(r.value) || 'ignored' in r.value) throw new Error(`not a single event: ${JSON.stringify(r.value)}`);
  return r.value;
}

describe('Forge build-status events', () => {
  it('normalizes the documented updated:build-status example', () => {
    // https://developer.atlassian.com/platform/forge/events-reference/bitbucket/ ("Build status updated")
    const e = event(
      aForgeBuildStatus(
        'avi:bitbucket:updated:build-status',
        { state: 'SUCCESSFUL', updatedOn: '2025-01-31T01:03:17.105700Z' },
        { timestamp: '2025-01-31T01:03:17.137933Z' },
      ),
    );
    expect(e).toMatchObject({
      source: 'forge',
      eventKey: 'avi:bitbucket:updated:build-status',
      occurredAt: '2025-01-31T01:03:17.105Z',
      build: { key: 'my-build1', state: 'SUCCESSFUL', ref: 'main', commit: 'b88c4b490b648bf960eba6f59123456797960e55' },
    });
  });

  it('takes the Pipelines build number from the url (Forge statuses have no name)', () => {
    const e = event(
      aForgeBuildStatus('avi:bitbucket:created:build-status', {
        key: '3343801',
        state: 'INPROGRESS',
        url: 'https://bitbucket.org/ws/repo/addon/pipelines/home#!/results/42',
      }),
    );
    expect(e.build).toMatchObject({ name: null, number: 42, state: 'INPROGRESS' });
  });

  it('carries selfGenerated through', () => {
    expect(event(aForgeBuildStatus('avi:bitbucket:created:build-status', {}, { selfGenerated: true })).selfGenerated).toBe(true);
  });

  it('errors on an unknown state or a repository without uuid', () => {
    expect(normalize({ body: aForgeBuildStatus('avi:bitbucket:created:build-status', { state: 'WEIRD' }) })).toEqual({
      ok: false,
      error: { message: 'avi:bitbucket:created:build-status: body.buildStatus.state has unknown value "WEIRD"' },
    });
    expect(normalize({ body: aForgeBuildStatus('avi:bitbucket:created:build-status', {}, { repository: { uuid: 7 } }) })).toEqual({
      ok: false,
      error: { message: 'avi:bitbucket:created:build-status: body.repository.uuid must be a string, got number' },
    });
  });
});

describe('Forge pull-request events', () => {
  const pr = (eventType: string, extra: Json = {}): Json => ({ ...loadFixture<Json>('forge-updated-pullrequest.atlassian-docs.json'), eventType, ...extra });

  it.each([
    ['avi:bitbucket:fulfilled:pullrequest', 'merged'],
    ['avi:bitbucket:rejected:pullrequest', 'declined'],
    ['avi:bitbucket:updated:pullrequest-reviewer-status', 'reviewer-status'],
  ])('%s → %s', (eventType, action) => {
    expect(event(pr(eventType)).pullRequest).toMatchObject({ id: 3, action, destination: 'master' });
  });

  it('reads the title whether it is a TruncatedValue or a string', () => {
    const body = pr('avi:bitbucket:updated:pullrequest');
    body.pullrequest = { ...body.pullrequest, title: 'Plain title' };
    expect(event(body).pullRequest?.title).toBe('Plain title');
  });

  it.each([
    'avi:bitbucket:updated:pullrequest-comment',
    'avi:bitbucket:deleted:pullrequest-comment',
    'avi:bitbucket:created:repository',
    'avi:bitbucket:created:commit-comment',
  ])('%s is ignored', (eventType) => {
    expect(normalize({ body: pr(eventType) })).toEqual({
      ok: true,
      value: { ignored: true, reason: `Forge event "${eventType}" is not handled` },
    });
  });
});

describe('Forge deployment events', () => {
  it.each([
    [{ state: 'COMPLETED', status: 'SUCCESSFUL' }, 'SUCCESSFUL'],
    [{ state: 'COMPLETED', status: 'FAILED' }, 'FAILED'],
    [{ state: 'COMPLETED', status: 'STOPPED' }, 'STOPPED'],
    [{ state: 'COMPLETED' }, 'SUCCESSFUL'],
    [{ state: 'UNKNOWN' }, 'PENDING'],
    [{ state: 'IN_PROGRESS' }, 'STARTED'],
  ])('completed deployment %j → %s', (deployment, state) => {
    const e = event(aForgeDeployment('avi:bitbucket:completed:deployment', deployment));
    expect(e).toMatchObject({ kind: 'deployment', deployment: { state, environment: 'us-east-1', environmentType: 'PRODUCTION' } });
  });

  it('falls back to the event name when the state is missing', () => {
    const body = aForgeDeployment('avi:bitbucket:pending:deployment');
    delete body.deployment.state;
    expect(event(body).deployment?.state).toBe('PENDING');
  });

  it('errors when neither state nor event name says the phase', () => {
    expect(normalize({ body: aForgeDeployment('avi:bitbucket:completed:deployment', { state: 'SIDEWAYS' }) })).toEqual({
      ok: false,
      error: { message: 'avi:bitbucket:completed:deployment: body.deployment.state has unknown value "SIDEWAYS"' },
    });
  });
});

describe('Forge push events', () => {
  it('maps a branch update with before and after, and knows no main branch when not told', () => {
    const body: Json = loadFixture('forge-push-repository-branch.atlassian-docs.json');
    body.push = { ...body.push, ref: 'feature/x', mainbranch: false, created: false, before: 'aaaaaaaaaaaa' };
    expect(event(body)).toMatchObject({
      mainBranch: null,
      push: { changes: [{ refType: null, name: 'feature/x', action: 'updated', before: 'aaaaaaaaaaaa', after: 'a37e0ad81173c7f6707d6b9f74dab4ce9938064d' }] },
    });
  });

  it('ignores a TagPush, which names no ref', () => {
    const body: Json = loadFixture('forge-push-repository-branch.atlassian-docs.json');
    body.push = { date: '2025-01-01T00:00:00Z', message: { value: 'v1', truncated: false }, author: null };
    const r = normalize({ body });
    expect(r.ok && !Array.isArray(r.value) && 'ignored' in r.value).toBe(true);
  });
});

describe('Forge completed deployments in the REST API shape', () => {
  test('a nested state object and a nested environment are read as well', () => {
    const body = {
      eventType: 'avi:bitbucket:completed:deployment',
      timestamp: '2026-01-02T10:00:00Z',
      repository: { uuid: '{11111111-2222-3333-4444-555555555555}' },
      deployment: {
        uuid: '{d1}',
        state: { name: 'COMPLETED', status: { name: 'FAILED' } },
        environment: { uuid: '{e1}', name: 'Production', type: 'Production' },
        release: { commit: { hash: '9fceb02d0ae5' } },
      },
    };
    const r = normalize({ body });
    expect(r.ok).toBe(true);
    const e = (r as { value: RepoEvent }).value;
    expect(e.deployment).toMatchObject({ state: 'FAILED', environment: 'Production', environmentUuid: '{e1}', commit: '9fceb02d0ae5' });
    const stopped = normalize({ body: { ...body, deployment: { ...body.deployment, state: { name: 'COMPLETED', status: { name: 'STOPPED' } } } } });
    expect((stopped as { value: RepoEvent }).value.deployment?.state).toBe('STOPPED');
  });
});

import { normalize, type RepoEvent } from '../../../src/core/events';
import { loadFixture } from '../../helpers/fixtures';
import { aDcPullRequestEvent, dcHeaders, pluginHeaders, type Json } from './builders';

function event(body: unknown, headers?: Record<string, string>): RepoEvent {
  const r = normalize({ body, headers });
  if (!r.ok) throw new Error(r.error.message);
  if (Array.isArray(r.value) || 'ignored' in r.value) throw new Error(`not a single event: ${JSON.stringify(r.value)}`);
  return r.value;
}

describe('Data Center webhooks', () => {
  it.each([
    ['pr:modified', 'updated'],
    ['pr:to_ref_updated', 'updated'],
    ['pr:deleted', 'deleted'],
    ['pr:comment:added', 'commented'],
    ['pr:reviewer:approved', 'approved'],
    ['pr:reviewer:unapproved', 'unapproved'],
    ['pr:reviewer:needs_work', 'changes-requested'],
    ['pr:reviewer:changes_requested', 'changes-requested'],
  ])('%s → %s', (key, action) => {
    const e = event(aDcPullRequestEvent(key), dcHeaders(key));
    expect(e).toMatchObject({
      source: 'server-webhook',
      eventKey: key,
      repository: { uuid: null, fullName: 'PRJ/my-repo', slug: 'my-repo' },
      pullRequest: { id: 2, action, source: 'develop', destination: 'master' },
    });
  });

  it.each(['pr:comment:edited', 'pr:comment:deleted', 'pr:reviewer:updated', 'repo:forked', 'repo:modified', 'mirror:repo_synchronized'])(
    '%s is ignored',
    (key) => {
      const r = normalize({ body: aDcPullRequestEvent(key), headers: dcHeaders(key) });
      expect(r).toEqual({ ok: true, value: { ignored: true, reason: `Bitbucket Data Center event "${key}" is not handled` } });
    },
  );

  it('maps a branch delete: DELETE with an all-zero toHash', () => {
    const body: Json = loadFixture('server-refs-changed-branch-update.drone-go-scm.json');
    body.changes[0] = { ...body.changes[0], type: 'DELETE', toHash: '0000000000000000000000000000000000000000' };
    expect(event(body, dcHeaders('repo:refs_changed')).push?.changes).toEqual([
      { refType: 'branch', name: 'master', action: 'deleted', before: '5c64a07cd6c0f21b753bf261ef059c7e7633c50a', after: null },
    ]);
  });

  it('recognises a DC body by its own eventKey when the header was lost', () => {
    expect(event(loadFixture('server-pr-merged.drone-go-scm.json'))).toMatchObject({
      source: 'server-webhook',
      pullRequest: { id: 3, action: 'merged' },
    });
  });

  it('gives a specific error for a wrong change type or a bad PR id', () => {
    const body: Json = loadFixture('server-refs-changed-branch-update.drone-go-scm.json');
    body.changes[0].type = 'MOVE';
    expect(normalize({ body, headers: dcHeaders('repo:refs_changed') })).toEqual({
      ok: false,
      error: { message: 'repo:refs_changed: body.changes[0].type must be ADD, UPDATE or DELETE' },
    });
    const pr = aDcPullRequestEvent('pr:opened');
    pr.pullRequest = { ...pr.pullRequest, id: 'two' };
    expect(normalize({ body: pr, headers: dcHeaders('pr:opened') })).toEqual({
      ok: false,
      error: { message: 'pr:opened: body.pullRequest.id must be an integer, got string' },
    });
  });

  it('answers diagnostics:ping with a ping whatever the body', () => {
    expect(event(null, dcHeaders('diagnostics:ping'))).toMatchObject({ kind: 'ping', source: 'server-webhook' });
  });
});

describe('Post Webhooks for Bitbucket (DC app)', () => {
  it.each([
    ['pullrequest:fulfilled', 'merged'],
    ['pullrequest:rejected', 'declined'],
    ['pullrequest:approved', 'approved'],
  ])('the event key alone decides the action: %s → %s', (key, action) => {
    const e = event(loadFixture('postwebhooks-pr-created.jenkins-bitbucket-branch-source.json'), pluginHeaders(key));
    expect(e).toMatchObject({ source: 'post-webhooks', occurredAt: null, pullRequest: { id: 1, action } });
  });

  it('is still recognised when X-Bitbucket-Type is missing, by its DC-shaped repository', () => {
    const e = event(loadFixture('postwebhooks-repo-push-merge-commit.jenkins-bitbucket-branch-source.json'), { 'X-Event-Key': 'repo:push' });
    expect(e).toMatchObject({ source: 'post-webhooks', repository: { fullName: 'PROJECT_1/rep_1' } });
  });

  it('maps a branch delete (new is null, closed is true)', () => {
    const body: Json = loadFixture('postwebhooks-repo-push-merge-commit.jenkins-bitbucket-branch-source.json');
    body.push.changes[0] = { ...body.push.changes[0], new: null, closed: true };
    expect(event(body, pluginHeaders('repo:push')).push?.changes).toEqual([
      { refType: 'branch', name: 'master', action: 'deleted', before: '0a943a29376f2336b78312d99e65da17048951db', after: null },
    ]);
  });

  it('rejects a PR id that is not a number string', () => {
    const body: Json = loadFixture('postwebhooks-pr-created.jenkins-bitbucket-branch-source.json');
    body.pullrequest.id = 'PR-1';
    expect(normalize({ body, headers: pluginHeaders('pullrequest:created') })).toEqual({
      ok: false,
      error: { message: 'pullrequest:created: body.pullrequest.id must be an integer, got string' },
    });
  });

  it('ignores keys it does not handle', () => {
    const r = normalize({ body: {}, headers: pluginHeaders('repo:commit_status_created') });
    expect(r).toEqual({ ok: true, value: { ignored: true, reason: 'Post Webhooks event "repo:commit_status_created" is not handled' } });
  });
});

import { normalize, type RepoEvent } from '../../../src/core/events';
import { loadFixture } from '../../helpers/fixtures';
import { aCloudCommitStatus, aCloudPullRequestEvent, cloudHeaders, type Json } from './builders';

function event(body: unknown, headers: Record<string, string | string[]>): RepoEvent {
  const r = normalize({ body, headers });
  if (!r.ok) throw new Error(r.error.message);
  if (Array.isArray(r.value) || 'ignored' in r.value) throw new Error(`not a single event: ${JSON.stringify(r.value)}`);
  return r.value;
}

function errorOf(body: unknown, headers: Record<string, string>): string {
  const r = normalize({ body, headers });
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error.message;
}

describe('Cloud commit status webhooks', () => {
  it.each(['FAILED', 'STOPPED', 'SUCCESSFUL'] as const)('keeps state %s from a Pipelines status', (state) => {
    const e = event(aCloudCommitStatus({ state }), cloudHeaders('repo:commit_status_updated'));
    expect(e.build).toMatchObject({ state, key: '3343801', ref: 'main', number: 4, commit: 'bdf6fac0519ffd1562461eb82e018ff62efffbc9' });
    expect(e.build?.author?.name).toBe('Shivam Negi');
  });

  it('recovers the commit from links.commit.href when the status has no commit object', () => {
    const body = aCloudCommitStatus({ state: 'FAILED' });
    delete body.commit_status.commit;
    const e = event(body, cloudHeaders('repo:commit_status_updated'));
    expect(e.build?.commit).toBe('bdf6fac0519ffd1562461eb82e018ff62efffbc9');
    expect(e.build?.author).toBeNull();
    expect(e.build?.commitMessage).toBeNull();
  });

  it('recovers the commit from links.self.href when links.commit is gone too', () => {
    const body = aCloudCommitStatus();
    delete body.commit_status.commit;
    delete body.commit_status.links.commit;
    expect(event(body, cloudHeaders('repo:commit_status_created')).build?.commit).toBe('bdf6fac0519ffd1562461eb82e018ff62efffbc9');
  });

  it('reads the build number from the newer /pipelines/results/<n> url when the name has none', () => {
    const e = event(
      aCloudCommitStatus({ name: 'build', url: 'https://bitbucket.org/ws/repo/pipelines/results/57' }),
      cloudHeaders('repo:commit_status_created'),
    );
    expect(e.build?.number).toBe(57);
  });

  it('gives no build number for a third-party status', () => {
    const e = event(aCloudCommitStatus({ name: 'Jenkins #12', url: 'https://ci.example.com/job/x/12/' }), cloudHeaders('repo:commit_status_created'));
    expect(e.build?.number).toBeNull();
  });

  it('takes the repository from commit_status.repository when the top-level one is missing', () => {
    const body = aCloudCommitStatus();
    delete body.repository;
    expect(event(body, cloudHeaders('repo:commit_status_created')).repository).toMatchObject({
      uuid: '{2b922c6d-3824-4e91-a7be-90c8b8392f84}',
      fullName: 'automationtestharness/testrepo',
      slug: 'testrepo',
    });
  });

  it('names the missing or wrong field', () => {
    const noState = aCloudCommitStatus();
    delete noState.commit_status.state;
    expect(errorOf(noState, cloudHeaders('repo:commit_status_updated'))).toBe(
      'repo:commit_status_updated: body.commit_status.state is missing',
    );
    expect(errorOf(aCloudCommitStatus({ state: 3 }), cloudHeaders('repo:commit_status_updated'))).toBe(
      'repo:commit_status_updated: body.commit_status.state must be a string, got number',
    );
    expect(errorOf(aCloudCommitStatus({ state: 'BROKEN' }), cloudHeaders('repo:commit_status_updated'))).toBe(
      'repo:commit_status_updated: body.commit_status.state has unknown value "BROKEN"',
    );
    expect(errorOf(aCloudCommitStatus({ key: ['x'] }), cloudHeaders('repo:commit_status_updated'))).toBe(
      'repo:commit_status_updated: body.commit_status.key must be a string, got array',
    );
    expect(errorOf({ ...aCloudCommitStatus(), commit_status: [] }, cloudHeaders('repo:commit_status_created'))).toBe(
      'repo:commit_status_created: body.commit_status must be an object, got array',
    );
  });
});

describe('Cloud headers', () => {
  it.each([
    ['lower case', { 'x-event-key': 'repo:commit_status_updated' }],
    ['upper case', { 'X-EVENT-KEY': 'repo:commit_status_updated' }],
    ['repeated header (array)', { 'x-Event-Key': ['repo:commit_status_updated'] }],
  ])('matches header names case-insensitively: %s', (_label, headers) => {
    const e = event(aCloudCommitStatus({ state: 'FAILED' }), headers);
    expect(e).toMatchObject({ source: 'cloud-webhook', eventKey: 'repo:commit_status_updated', build: { state: 'FAILED' } });
  });

  it('uses X-Event-Time for a push, whose body has no event time', () => {
    const e = event(
      loadFixture('cloud-push-branch-update.drone-go-scm.json'),
      cloudHeaders('repo:push', { 'x-event-time': 'Wed, 10 Jul 2024 09:06:37 GMT' }),
    );
    expect(e.occurredAt).toBe('2024-07-10T09:06:37.000Z');
  });
});

describe('Cloud pull request webhooks', () => {
  const approval = { date: '2018-07-03T10:00:00.123456+00:00', user: { display_name: 'Reviewer', uuid: '{aaaaaaaa-0000-4000-8000-000000000000}' } };

  it.each([
    ['pullrequest:approved', 'approved', { approval }],
    ['pullrequest:unapproved', 'unapproved', { approval }],
    ['pullrequest:changes_request_created', 'changes-requested', { changes_request: approval }],
    ['pullrequest:changes_request_removed', 'reviewer-status', { changes_request: approval }],
  ])('%s → %s, at the time of the review', (key, action, extra) => {
    const e = event(aCloudPullRequestEvent(extra), cloudHeaders(key));
    expect(e).toMatchObject({ kind: 'pullrequest', occurredAt: '2018-07-03T10:00:00.123Z', pullRequest: { id: 1, action, source: 'develop' } });
  });

  it('takes the PR id from a numeric string', () => {
    const body = aCloudPullRequestEvent();
    body.pullrequest = { ...body.pullrequest, id: '17' };
    expect(event(body, cloudHeaders('pullrequest:updated')).pullRequest?.id).toBe(17);
  });

  it('rejects a PR id that is not an integer', () => {
    const body = aCloudPullRequestEvent();
    body.pullrequest = { ...body.pullrequest, id: 1.5 };
    expect(errorOf(body, cloudHeaders('pullrequest:updated'))).toBe('pullrequest:updated: body.pullrequest.id must be an integer, got number');
  });

  it('rejects an event with no repository', () => {
    const body: Json = aCloudPullRequestEvent();
    delete body.repository;
    delete body.pullrequest.destination.repository;
    expect(errorOf(body, cloudHeaders('pullrequest:created'))).toBe('pullrequest:created: body.repository is missing');
  });
});

describe('Cloud push webhooks', () => {
  it('rejects a change that names no ref', () => {
    const body: Json = loadFixture('cloud-push-branch-update.drone-go-scm.json');
    body.push.changes = [{ new: null, old: null, created: false, closed: false }];
    expect(errorOf(body, cloudHeaders('repo:push'))).toBe('repo:push: body.push.changes[0] names no ref (new.name and old.name are missing)');
  });

  it('rejects push.changes that is not an array', () => {
    const body: Json = loadFixture('cloud-push-branch-update.drone-go-scm.json');
    body.push.changes = { 0: 'x' };
    expect(errorOf(body, cloudHeaders('repo:push'))).toBe('repo:push: body.push.changes must be an array, got object');
  });
});

describe('Cloud events the app does not handle', () => {
  it.each(['repo:fork', 'issue:created', 'repo:updated', 'pullrequest:comment_updated', 'repo:commit_comment_created'])(
    '%s is ignored with a reason',
    (key) => {
      const r = normalize({ body: loadFixture('cloud-pr-created.drone-go-scm.json'), headers: cloudHeaders(key) });
      expect(r).toEqual({ ok: true, value: { ignored: true, reason: `Bitbucket Cloud event "${key}" is not handled` } });
    },
  );
});

/** Who to ask: the alert's people with their handles, the repository's map winning per person. */
import type { BuildAlert } from '../../../src/core/alerts/alert';
import { handleProblem, isPersonKey, resolvePeople } from '../../../src/core/people';

const JANE = { name: 'Jane Doe <jane@acme.example>', accountId: '557058:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', uuid: '{d3b07384-d113-4ec6-a0a1-9f5e0b8c7d6e}' };
const RAVI = { name: 'Ravi Patel', accountId: '712020:ravi', uuid: '{a1111111-2222-4333-8444-555555555555}' };

const alert = (over: Partial<BuildAlert> = {}): BuildAlert => ({
  version: 1, id: 'a', type: 'build.failed', occurredAt: '2026-01-01T00:00:00Z',
  repository: { uuid: '{r}', fullName: 'acme/api', slug: 'api' }, ref: 'main',
  build: { key: 'k', name: 'Pipeline #1', state: 'FAILED', commit: 'abc1234', ref: 'main', url: null, author: JANE },
  previous: null, incidentKey: 'i', links: {}, ...over,
});

test('author and trigger, each with the handles of their own entry; unmapped people have none', () => {
  const people = resolvePeople(alert({ triggeredBy: RAVI }), {
    workspace: { 'jane@acme.example': { slack: 'U024BE7LH', teams: 'jane@acme.example' } },
  });
  expect(people).toEqual([
    { name: 'Jane Doe', roles: ['author'], handles: { slack: 'U024BE7LH', teams: 'jane@acme.example' }, ids: expect.arrayContaining(['jane@acme.example']) },
    { name: 'Ravi Patel', roles: ['triggered-by'], handles: {}, ids: expect.arrayContaining(['712020:ravi']) },
  ]);
});

test('the repository entry replaces the workspace entry for that person, matched by any key', () => {
  const people = resolvePeople(alert(), {
    workspace: { 'jane@acme.example': { slack: 'U0WORKSPACE', discord: '80351110224678912' } },
    repository: { '{D3B07384-D113-4EC6-A0A1-9F5E0B8C7D6E}': { slack: 'U0REPO' } },
  });
  expect(people[0]!.handles).toEqual({ slack: 'U0REPO' });
});

test('an author who also started the run is one person with both roles', () => {
  const people = resolvePeople(alert({ triggeredBy: { name: 'Jane Doe', accountId: JANE.accountId } }));
  expect(people).toHaveLength(1);
  expect(people[0]!.roles).toEqual(['author', 'triggered-by']);
});

test('handles that would notify a whole channel, or are malformed, are not used', () => {
  const people = resolvePeople(alert(), { workspace: { [JANE.accountId]: { mattermost: '@all', 'google-chat': 'users/all', slack: '<!channel>', discord: '12' } } });
  expect(people[0]!.handles).toEqual({});
  expect(handleProblem('mattermost', 'here')).toMatch(/notifies everyone/);
  expect(handleProblem('google-chat', 'users/123456789')).toBeNull();
  expect(handleProblem('teams', '29:1abc')).toMatch(/Entra object id or user principal name/);
});

test('person keys: e-mail, Atlassian account id, Bitbucket uuid', () => {
  expect(['jane@acme.example', '557058:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', '5ffed3379edf280075d75b20', '{d3b07384-d113-4ec6-a0a1-9f5e0b8c7d6e}'].every(isPersonKey)).toBe(true);
  expect(['jane', 'U024BE7LH', ''].some(isPersonKey)).toBe(false);
});

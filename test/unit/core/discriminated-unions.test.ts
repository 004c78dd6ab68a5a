/**
 * RepoEvent and Alert are discriminated unions: the kind (or type) names the payload part present.
 * The `@ts-expect-error` lines are checked by `npm run typecheck` (part of `npm test`): if a union
 * loosens back into a bag of optional parts, they stop being errors and the typecheck fails.
 */
import type { Alert, BuildAlert } from '../../../src/core/alerts/alert';
import type { RepoEvent } from '../../../src/core/events/repo-event';
import { evaluateBuild } from '../../../src/core/alerts/state-machine';
import { aBuildEvent, aPushEvent, anAlert } from '../../helpers/builders';

const repository = { uuid: '{r}', fullName: 'acme/api', slug: 'api' };

test('a build event must carry its build, and only that part', () => {
  // @ts-expect-error a build event without `build`
  const bare: RepoEvent = { source: 'forge', kind: 'build', occurredAt: null, repository };
  const push = aPushEvent();
  // @ts-expect-error a push event carrying a build
  const mixed: RepoEvent = { ...push, build: aBuildEvent().build };
  expect([bare.kind, mixed.kind]).toEqual(['build', 'push']);
});

test('narrowing by kind gives the part without a check or a cast', () => {
  const events: RepoEvent[] = [aBuildEvent({ state: 'FAILED' }), aPushEvent()];
  const seen = events.map((e) => (e.kind === 'build' ? e.build.state : e.kind === 'push' ? e.push.changes.length : null));
  expect(seen).toEqual(['FAILED', 1]);
});

test('the state machine takes only build events, so a push cannot reach it', () => {
  // @ts-expect-error evaluateBuild needs a BuildEvent
  const call = () => evaluateBuild(undefined, aPushEvent());
  expect(typeof call).toBe('function');
  const raised = evaluateBuild(undefined, aBuildEvent({ state: 'FAILED' })).alerts;
  expect(raised.map((a) => [a.type, a.build?.state])).toEqual([['build.failed', 'FAILED']]);
});

test('an alert type decides its part', () => {
  const alert: Alert = anAlert({ type: 'build.failed' });
  // @ts-expect-error a pull-request alert type on a build alert
  const wrong: BuildAlert = { ...(alert as BuildAlert), type: 'pr.opened' };
  const commit = alert.type.startsWith('build.') && alert.build ? alert.build.commit : null;
  expect(commit).toMatch(/^[0-9a-f]{40}$/);
  expect(wrong.type).toBe('pr.opened');
});

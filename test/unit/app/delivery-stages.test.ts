/** Each delivery stage, on plain objects: what it lets through and what it decides instead, with its reason. */
import {
  decideBeforeSend, dropRedelivery, holdForQuietHours, memoFor, nextMemo, respectBreaker, retryPolicyOf, settledDelivered, settledWithoutDelivery,
  skipDisabledChannel, waitForOpeningAlert, RECOVERY_WAITS_FOR_FAILURE_MS, type DeliverySnapshot, type IncidentRecord,
} from '../../../src/app/delivery-stages';
import { GIVE_UP_AFTER_MS, RESOLVE_GIVE_UP_AFTER_MS } from '../../../src/core/delivery/backoff';
import type { DeliveryJob } from '../../../src/core/delivery/delivery-job';
import type { AlertType } from '../../../src/core/alerts/alert';
import { anAlert } from '../../helpers/builders';

const NOW = Date.parse('2025-03-01T12:00:00Z');
function aJob(type: AlertType = 'build.failed', o: Partial<DeliveryJob> = {}): DeliveryJob {
  const alert = anAlert({ type });
  return {
    id: `${alert.id}:hook`, repo: 'r', channelScope: 'r', channel: 'hook', channelType: 'webhook', channelConfig: {},
    rule: 'rule', alert, attempt: 1, raisedAt: NOW - 1000, ...o,
  };
}
const snap = (job: DeliveryJob, o: Partial<DeliverySnapshot> = {}): DeliverySnapshot => ({ job, now: NOW, health: {}, incident: { delivered: [] }, scale: 1, ...o });
const openBreaker = { failures: 5, openUntil: NOW + 10_000, openedCount: 1 } as never;

describe('holdForQuietHours', () => {
  it('holds a job until notBefore, with reason quiet-hours', () => {
    expect(holdForQuietHours(snap(aJob('build.failed', { notBefore: NOW + 60_000 })))).toEqual({ kind: 'wait', afterMs: 60_000, reason: 'quiet-hours' });
    expect(holdForQuietHours(snap(aJob('build.failed', { notBefore: NOW - 1 })))).toBeNull();
    expect(holdForQuietHours(snap(aJob()))).toBeNull();
  });
});

describe('dropRedelivery', () => {
  it('drops a job already delivered, unless it is a manual redelivery', () => {
    const job = aJob();
    const incident: IncidentRecord = { delivered: [job.id] };
    expect(dropRedelivery(snap(job, { incident }))).toEqual({ kind: 'drop', reason: 'redelivered' });
    expect(dropRedelivery(snap({ ...job, manual: 'redeliver' }, { incident }))).toBeNull();
    expect(dropRedelivery(snap(job))).toBeNull();
  });
});

describe('skipDisabledChannel', () => {
  it('settles as skipped, marking a failure settled so its fix does not wait for it', () => {
    const v = skipDisabledChannel(snap(aJob(), { health: { disabled: { reason: 'HTTP 410', at: '' } } }));
    expect(v).toMatchObject({ kind: 'settle', reason: 'channel-disabled', outcome: 'skipped', settlesOpening: true });
    expect(v && 'error' in v ? v.error : '').toMatch(/channel disabled: HTTP 410/);
    expect(skipDisabledChannel(snap(aJob(), { health: { disabled: null } }))).toBeNull();
  });
});

describe('respectBreaker', () => {
  it('waits while the breaker is open', () => {
    expect(respectBreaker(snap(aJob(), { health: { breaker: openBreaker } }))).toEqual({ kind: 'wait', afterMs: 10_000, reason: 'breaker-open' });
  });
  it('gives an opening alert up once the wait would pass its 3 h window', () => {
    const old = NOW - GIVE_UP_AFTER_MS;
    expect(respectBreaker(snap(aJob('build.failed', { raisedAt: old }), { health: { breaker: openBreaker } }))).toMatchObject({ kind: 'settle', outcome: 'failed', reason: 'breaker-open' });
  });
  it('never holds a resolving alert: it probes on its own schedule, so an open breaker cannot keep an incident open', () => {
    expect(respectBreaker(snap(aJob('build.fixed'), { health: { breaker: openBreaker } }))).toBeNull();
    expect(respectBreaker(snap(aJob('deployment.fixed', { raisedAt: NOW - RESOLVE_GIVE_UP_AFTER_MS + 1 }), { health: { breaker: openBreaker } }))).toBeNull();
  });
  it('lets manual sends through', () => {
    expect(respectBreaker(snap(aJob('build.failed', { manual: 'test' }), { health: { breaker: openBreaker } }))).toBeNull();
  });
});

describe('waitForOpeningAlert', () => {
  const fix = (o: Partial<DeliveryJob> = {}) => aJob('build.fixed', { awaitsFailure: true, ...o });
  it('waits (reason waiting-for-failure) while the failure is not settled on this channel, for at most 10 minutes', () => {
    expect(waitForOpeningAlert(snap(fix()))).toMatchObject({ kind: 'wait', reason: 'waiting-for-failure' });
    expect(waitForOpeningAlert(snap(fix({ raisedAt: NOW - RECOVERY_WAITS_FOR_FAILURE_MS - 1 })))).toBeNull();
  });
  it('goes on once the failure was delivered', () => {
    expect(waitForOpeningAlert(snap(fix(), { incident: { delivered: [], opened: true, openDelivered: true } }))).toBeNull();
    // Records from before openDelivered existed: as before, send.
    expect(waitForOpeningAlert(snap(fix(), { incident: { delivered: [], opened: true } }))).toBeNull();
  });
  it('resolves nothing, and says so, when the failure was settled without reaching this channel', () => {
    expect(waitForOpeningAlert(snap(fix(), { incident: { delivered: [], opened: true, openDelivered: false } }))).toMatchObject({
      kind: 'settle', reason: 'nothing-to-resolve', outcome: 'skipped', settlesOpening: false,
    });
  });
  it('does not apply to failures, fixes without a failure rule, or manual sends', () => {
    expect(waitForOpeningAlert(snap(aJob('build.failed')))).toBeNull();
    expect(waitForOpeningAlert(snap(aJob('build.fixed')))).toBeNull();
    expect(waitForOpeningAlert(snap(fix({ manual: 'redeliver' })))).toBeNull();
  });
  it('scales its wait with BUILD_ALERTS_RETRY_SCALE', () => {
    expect(waitForOpeningAlert(snap(fix({ raisedAt: NOW - 1000 }), { scale: 0.001 }))).toBeNull();
  });
});

describe('decideBeforeSend', () => {
  it('runs the stages in order: quiet hours before a redelivery check before a disabled channel', () => {
    const job = aJob('build.failed', { notBefore: NOW + 5000 });
    const incident = { delivered: [job.id] };
    const health = { disabled: { reason: 'x', at: '' } };
    expect(decideBeforeSend(snap(job, { incident, health }))).toMatchObject({ reason: 'quiet-hours' });
    expect(decideBeforeSend(snap({ ...job, notBefore: undefined }, { incident, health }))).toMatchObject({ reason: 'redelivered' });
    expect(decideBeforeSend(snap({ ...job, notBefore: undefined }, { health }))).toMatchObject({ reason: 'channel-disabled' });
    expect(decideBeforeSend(snap(aJob()))).toBeNull();
  });
});

describe('settling the incident record', () => {
  it('a delivered failure opens the incident; a delivered fix closes it', () => {
    const failed = aJob('build.failed');
    const opened = settledDelivered(failed, { delivered: [] }, nextMemo(failed, { delivered: [] }, { messageId: '1' }), 20);
    expect(opened).toMatchObject({ opened: true, openDelivered: true, delivered: [failed.id], memo: { messageId: '1' }, memoStreak: failed.alert.failures?.since ?? null });
    const fixed = aJob('build.fixed');
    const closed = settledDelivered(fixed, opened, nextMemo(fixed, opened, undefined), 20);
    expect(closed).toMatchObject({ opened: false, delivered: [failed.id, fixed.id] });
    expect(closed.memo).toBeUndefined(); // a fix ends the streak: its message id reaches no later incident
  });
  it('a failure settled without delivery is opened but not delivered; other jobs change nothing', () => {
    const incident: IncidentRecord = { delivered: [] };
    expect(settledWithoutDelivery(aJob('build.failed'), incident)).toEqual({ delivered: [], opened: true, openDelivered: false });
    expect(settledWithoutDelivery(aJob('build.fixed'), incident)).toBe(incident);
  });
});

describe('channel memos belong to one failure streak', () => {
  const streak = (since: string, type: AlertType = 'build.failed') => {
    const job = aJob(type);
    return { ...job, alert: { ...job.alert, failures: { count: 1, since } } };
  };
  it('a memo reaches only alerts of its own streak', () => {
    const incident: IncidentRecord = { delivered: [], memo: { messageId: '1' }, memoStreak: '2025-01-01T00:00:00Z' };
    expect(memoFor(streak('2025-01-01T00:00:00Z', 'build.fixed'), incident)).toEqual({ messageId: '1' });
    expect(memoFor(streak('2025-02-01T00:00:00Z', 'build.fixed'), incident)).toBeUndefined();
  });
  it('within a streak the first value of a key wins; forgotten keys go', () => {
    const first = streak('s1');
    const incident: IncidentRecord = { delivered: [], memo: { messageId: '1', other: 'x' }, memoStreak: 's1' };
    expect(nextMemo(first, incident, { messageId: '2' })).toEqual({ memo: { messageId: '1', other: 'x' }, memoStreak: 's1' });
    expect(nextMemo(first, incident, { messageId: '2' }, ['messageId'])).toEqual({ memo: { messageId: '2', other: 'x' }, memoStreak: 's1' });
    expect(nextMemo(streak('s2'), incident, { messageId: '3' })).toEqual({ memo: { messageId: '3' }, memoStreak: 's2' });
  });
});

describe('retryPolicyOf', () => {
  it('gives resolving alerts the day-long policy', () => {
    expect(retryPolicyOf(aJob('build.fixed')).kind).toBe('resolving');
    expect(retryPolicyOf(aJob('deployment.fixed')).kind).toBe('resolving');
    expect(retryPolicyOf(aJob('build.failed')).kind).toBe('opening');
  });
});

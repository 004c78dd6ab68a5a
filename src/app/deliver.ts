/**
 * Consumer side of a `deliver` job: one alert to one channel. Reads channel health, the incident
 * record and the channel's secret; skips open breakers and disabled channels; builds the request
 * (pure channel code), sends it through the egress-checked HTTP port, classifies the answer, and
 * records the attempt. Retries go back to the queue holding the job's key, so a later alert of the
 * same incident never overtakes an earlier one on the same channel.
 */
import { getChannel } from '../core/channels/registry';
import { parseBreakerState, recordFailure, recordSuccess } from '../core/delivery/breaker';
import { decideRetry } from '../core/delivery/backoff';
import type { Alert } from '../core/alerts/alert';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import { checkEgress } from '../core/delivery/egress';
import { CHANNEL_EGRESS_HOSTS } from '../shared/egress-hosts';
import type { DeliveryOutcome } from '../core/delivery/outcome';
import { redact } from '../core/delivery/redact';
import { TransactionConflictError, type HttpResult, type JobResult } from '../core/ports';
import { keys } from '../core/storage-keys';
import type { DeliveryLogEntry, TestResult } from '../shared/contract';
import type { AppDeps } from './app-types';
import type { ChannelHealth } from './repo-config';
import { describeReason, type Reason } from '../core/reasons';
import { queueDelaySeconds } from '../core/queue-limits';
import {
  decideBeforeSend, holdForQuietHours, markedPending, memoFor, nextMemo, rebaseIncident, retryPolicyOf, settledDelivered, settledWithoutDelivery, withoutPending,
  withoutSend, type IncidentRecord,
} from './delivery-stages';
import { deliveryQueueJob } from './delivery-jobs';
import { pushJobs } from './queue-commit';

/** Per-attempt timeout; a hanging vendor must not hold the consumer (Forge consumers: 900 s). */
export const SEND_TIMEOUT_MS = 10_000;
/** Delivery log entries expire after this (KVS TTL); the settings page shows the newest. */
export const LOG_TTL_SECONDS = 14 * 24 * 3600;
/** How many delivered job ids an incident record remembers, to drop redelivered queue jobs. */
const DELIVERED_MEMORY = 20;

export type { IncidentRecord } from './delivery-stages';
export { RECOVERY_WAITS_FOR_FAILURE_MS } from './delivery-stages';

export const channelHealthKey = (scope: string, channel: string): string => keys.breaker(`${scope}:${channel}`);

export interface AttemptReport {
  outcome: DeliveryLogEntry['outcome'];
  /** Why a settled attempt sent nothing (core/reasons.ts). */
  reason?: Reason;
  /** How the channel's follow-up request went. */
  followUp?: string;
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  response: string | null;
}

export interface SendResult {
  outcome: DeliveryOutcome | null;
  result: HttpResult | null;
  secrets: string[];
  /** Memo keys the channel said point at something gone; the request was built once more without them. */
  forgotten: string[];
  /** How a follow-up request went (Discord's notifying reply), when there was one. */
  followUp?: string;
}

/** Sends once and classifies, plus at most one rebuild (a remembered message is gone) and one follow-up. Shared by queued deliveries and "Send test alert". */
export async function attemptSend(
  deps: AppDeps,
  job: DeliveryJob,
  secret: Record<string, unknown>,
  memo: Record<string, string> | undefined,
  mode: 'alert' | 'check' = 'alert',
): Promise<SendResult> {
  const first = await sendOnce(deps, job, secret, memo, mode);
  if (mode !== 'alert' || first.outcome?.kind !== 'failed' || !first.outcome.forget?.length || !memo) return { ...first, forgotten: [] };
  // The remembered target is gone (Discord 10008: the failure message was deleted): send without it.
  const forgotten = first.outcome.forget;
  const rest = Object.fromEntries(Object.entries(memo).filter(([k]) => !forgotten.includes(k)));
  const again = await sendOnce(deps, job, secret, Object.keys(rest).length ? rest : undefined, mode);
  return { ...again, forgotten };
}

async function sendOnce(
  deps: AppDeps,
  job: DeliveryJob,
  secret: Record<string, unknown>,
  memo: Record<string, string> | undefined,
  mode: 'alert' | 'check',
): Promise<Omit<SendResult, 'forgotten'>> {
  const channel = getChannel(job.channelType);
  if (!channel) return { outcome: { kind: 'failed', reason: `unknown channel type "${job.channelType}"` }, result: null, secrets: [] };
  const secrets = Object.values(secret).filter((v): v is string => typeof v === 'string' && v.length > 0);
  const parsed = channel.parseConfig({ ...job.channelConfig, ...secret, name: job.channel, type: job.channelType });
  if (!parsed.ok) {
    const reason = parsed.error.map((e) => `${e.path}: ${e.message}`).join('; ');
    return { outcome: { kind: 'failed', reason: redact(`channel config is invalid: ${reason}`, secrets) }, result: null, secrets };
  }
  const ctx = {
    idempotencyKey: job.id,
    now: deps.clock.now(),
    incidentMemo: memo,
    rule: job.rule,
    mentions: (job.channelConfig.mentions as Record<string, string> | undefined) ?? undefined,
    ...(job.people ? { people: job.people } : {}),
  };
  // "Send test alert" uses the vendor's silent check where there is one, so testing posts nothing.
  const silent = mode === 'check' && channel.buildSilentCheck ? channel.buildSilentCheck(parsed.value, ctx) : null;
  const request = silent ?? channel.buildRequest(job.alert, parsed.value, ctx);
  if (!request) return { outcome: null, result: null, secrets };
  const allowed = checkEgress(request.url, deps.egress);
  if (!allowed.ok) {
    return { outcome: { kind: 'failed', reason: redact(`egress refused: ${allowed.error.message}`, secrets) }, result: null, secrets };
  }
  const result = await deps.http.send(request, { timeoutMs: deps.sendTimeoutMs ?? SEND_TIMEOUT_MS });
  if (!result.ok) {
    const outcome: DeliveryOutcome =
      result.failure.kind === 'egress-denied'
        ? { kind: 'failed', reason: redact(result.failure.message, secrets) }
        : { kind: 'retry', reason: redact(`${result.failure.kind}: ${result.failure.message}`, secrets) };
    return { outcome, result, secrets };
  }
  const classify = silent && channel.classifySilentCheck ? channel.classifySilentCheck.bind(channel) : channel.classify.bind(channel);
  // Vendors echo what they were sent (URL, URL-encoded URL, key). Redact the whole answer before
  // anything reads it: an excerpt cut first would keep half a secret that redaction no longer matches,
  // and the reason also lands in the breaker record, the queue's retry reason and the handler logs.
  const response = { ...result.response, body: redact(result.response.body, secrets) };
  const outcome = classify(response);
  if ('reason' in outcome && typeof outcome.reason === 'string') outcome.reason = redact(outcome.reason, secrets);
  const followUp = !silent && outcome.kind === 'delivered' && channel.buildFollowUp
    ? await sendFollowUp(deps, channel, job, parsed.value, ctx, { request, ...(outcome.memo ? { memo: outcome.memo } : {}) }, secrets)
    : undefined;
  return { outcome, result: { ...result, response }, secrets, ...(followUp ? { followUp } : {}) };
}

/** One best-effort try of the channel's follow-up request; what happened, in words, for the log. */
async function sendFollowUp(
  deps: AppDeps,
  channel: NonNullable<ReturnType<typeof getChannel>>,
  job: DeliveryJob,
  config: unknown,
  ctx: Parameters<NonNullable<typeof channel.buildFollowUp>>[2],
  first: { request: import('../core/ports').HttpRequest; memo?: Record<string, string> },
  secrets: string[],
): Promise<string | undefined> {
  const request = channel.buildFollowUp!(job.alert, config as never, ctx, first);
  if (!request) return undefined;
  const allowed = checkEgress(request.url, deps.egress);
  if (!allowed.ok) return redact(`follow-up not sent: egress refused: ${allowed.error.message}`, secrets);
  const result = await deps.http.send(request, { timeoutMs: deps.sendTimeoutMs ?? SEND_TIMEOUT_MS });
  if (!result.ok) return redact(`follow-up failed: ${result.failure.kind}: ${result.failure.message}`, secrets);
  const outcome = channel.classify({ ...result.response, body: redact(result.response.body, secrets) });
  return outcome.kind === 'delivered' ? 'follow-up delivered' : redact(`follow-up failed: ${outcome.reason}`, secrets);
}

/**
 * `view` is who reads the report. `full`: the delivery log of queued deliveries, as it always was.
 * `browser` ("Send test alert" to a known vendor host): the vendor's short answer, but every network
 * failure (refused, DNS, TLS, timeout) reads the same, so a test cannot map hosts and ports.
 * `status-only` (a test to any other host: generic webhook, self-hosted server, API base override):
 * that, and no body nor a reason built from it, only the status, so a test cannot read an internal
 * service's answer. Reasons without a status are the app's own (egress refusal, invalid config).
 */
export function toReport(outcome: DeliveryOutcome | null, result: HttpResult | null, secrets: string[], willRetry: boolean, view: 'full' | 'browser' | 'status-only' = 'full'): AttemptReport {
  const status = result?.ok ? result.response.status : null;
  const unreachable = view !== 'full' && result !== null && !result.ok && result.failure.kind !== 'egress-denied';
  const latencyMs = result && !unreachable ? Math.round(result.latencyMs) : null;
  const response = result?.ok && view !== 'status-only' ? redact(result.response.body.slice(0, 500), secrets) : null;
  const error = (reason: string): string => {
    if (unreachable) return 'could not reach the endpoint (network error or timeout; the server log has the detail)';
    if (view === 'status-only' && status !== null) return `the endpoint answered HTTP ${status} (its answer is not shown for hosts outside the known vendors)`;
    return redact(reason, secrets);
  };
  if (!outcome) return { outcome: 'skipped', status, latencyMs, error: null, response };
  switch (outcome.kind) {
    case 'delivered':
      return { outcome: 'delivered', status, latencyMs, error: null, response };
    case 'retry':
      return { outcome: willRetry ? 'retrying' : 'failed', status, latencyMs, error: error(outcome.reason), response };
    case 'failed':
      return { outcome: 'failed', status, latencyMs, error: error(outcome.reason), response };
    case 'disable':
      return { outcome: 'disabled', status, latencyMs, error: error(outcome.reason), response };
  }
}

/**
 * Writes the log entry, together with `state` (incident record, channel health) in one batch: once the
 * log says "delivered", the incident record that stops a re-run from sending again is there too,
 * even if the process dies right after (kill -9 between two writes used to mean a second POST).
 */
export async function recordAttempt(
  deps: AppDeps,
  job: DeliveryJob,
  attempt: number,
  report: AttemptReport,
  state: readonly { key: string; value: unknown }[] = [],
): Promise<void> {
  const now = deps.clock.now();
  const entry: DeliveryLogEntry & { job: DeliveryJob } = {
    id: `${job.id}:${attempt}:${now}`,
    at: new Date(now).toISOString(),
    channel: job.channel,
    rule: job.rule,
    alertType: job.alert.type,
    alertId: job.alert.id,
    incidentKey: job.alert.incidentKey,
    outcome: report.outcome,
    ...(report.reason ? { reason: report.reason } : {}),
    ...(report.followUp ? { followUp: report.followUp } : {}),
    attempt,
    status: report.status,
    latencyMs: report.latencyMs,
    error: report.error,
    ...(job.manual === 'test' ? { test: true } : {}),
    job: { ...job, attempt },
  };
  await deps.store.setMany([{ key: keys.log(job.repo, now, entry.id), value: entry, ttlSeconds: LOG_TTL_SECONDS }, ...state]);
  const level = report.outcome === 'delivered' || report.outcome === 'skipped' ? 'info' : 'warn';
  deps.log[level](
    { delivery: job.id, channel: job.channel, type: job.channelType, outcome: report.outcome, reason: report.reason, status: report.status, latencyMs: report.latencyMs, error: report.error, attempt },
    'delivery attempt',
  );
}

/**
 * Load (channel health, incident record: one batched read) → decide (the stages in
 * delivery-stages.ts) → send → settle → commit (log entry and state in one batch).
 */
/**
 * Writes this job's settled incident record, rebased on the record as it is now and written with a
 * compare-and-set: jobs of one incident may run side by side (an inline first attempt beside a
 * queued one) and must not undo each other's delivered ids, sends or pending marks.
 */
async function commitIncident(deps: AppDeps, key: string, next: IncidentRecord, jobId: string): Promise<void> {
  for (let tries = 0; tries < 8; tries++) {
    const fresh = await deps.store.get<IncidentRecord>(key);
    if (await compareAndSet(deps, key, fresh, rebaseIncident(next, fresh, jobId, DELIVERED_MEMORY))) return;
  }
  await deps.store.set(key, rebaseIncident(next, await deps.store.get<IncidentRecord>(key), jobId, DELIVERED_MEMORY));
}

/** Writes `value` only if `key` still holds `expected`; false when another writer came first. */
async function compareAndSet(deps: AppDeps, key: string, expected: unknown, value: unknown): Promise<boolean> {
  try {
    await deps.store.transact([{ op: 'check', key, equals: expected }, { op: 'set', key, value }]);
    return true;
  } catch (e) {
    if (e instanceof TransactionConflictError) return false;
    throw e;
  }
}

export async function deliver(deps: AppDeps, job: DeliveryJob, attempt: number, options: { inline?: boolean; casRetries?: number } = {}): Promise<JobResult> {
  const now = deps.clock.now();
  const scale = retryScale(deps);
  const inline = options.inline === true;
  const healthKey = channelHealthKey(job.channelScope, job.channel);
  const incidentKey = keys.incident(`${job.channelScope}:${job.channel}`, job.alert.incidentKey);
  // Quiet hours need no read: decided before loading anything.
  const held = holdForQuietHours({ job, now, health: {}, incident: { delivered: [] }, scale });
  if (held?.kind === 'wait') return waitResult(deps, job, held.afterMs, held.reason, scale);

  const found = await deps.store.getMany<unknown>([healthKey, incidentKey]);
  // Storage is not trusted to hold what we wrote: an odd breaker value reads as closed.
  const storedHealth = (found.get(healthKey) as ChannelHealth | undefined) ?? {};
  const health: ChannelHealth = { ...storedHealth, breaker: parseBreakerState(storedHealth.breaker) };
  const incident = (found.get(incidentKey) as IncidentRecord | undefined) ?? { delivered: [] };

  const verdict = decideBeforeSend({ job, now, health, incident, scale, inline });
  if (verdict?.kind === 'wait') {
    // Later alerts of this incident must not overtake a job waiting in the queue (queueBehindRetries).
    // Compare-and-set: another job of this incident may have written the record since we read it.
    const marked = markedPending(job, incident);
    if (marked && !(await compareAndSet(deps, incidentKey, found.get(incidentKey), marked))) {
      return options.casRetries === 0 ? waitResult(deps, job, verdict.afterMs, verdict.reason, scale) : deliver(deps, job, attempt, { ...options, casRetries: (options.casRetries ?? 3) - 1 });
    }
    return waitResult(deps, job, verdict.afterMs, verdict.reason, scale);
  }
  if (verdict?.kind === 'drop') {
    const cleared = withoutPending(incident, job.id);
    if (cleared !== incident) await commitIncident(deps, incidentKey, cleared, job.id);
    deps.log.info({ delivery: job.id, channel: job.channel, reason: verdict.reason }, 'delivery not sent');
    return { status: 'done' };
  }
  if (verdict?.kind === 'settle') {
    const next = verdict.settlesOpening ? settledWithoutDelivery(job, incident) : withoutPending(incident, job.id);
    if (next !== incident) await commitIncident(deps, incidentKey, next, job.id);
    await recordAttempt(deps, job, attempt, { outcome: verdict.outcome, status: null, latencyMs: null, response: null, error: verdict.error, reason: verdict.reason });
    return { status: 'done' };
  }

  const secret = (await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(job.channelScope, job.channel))) ?? {};
  const { outcome, result, secrets, forgotten, followUp } = await attemptSend(deps, job, secret, memoFor(job, incident));
  const sendNumber = job.manual ? attempt : (incident.sends?.[job.id] ?? 0) + 1;
  const decision = outcome?.kind === 'retry'
    ? decideRetry(sendNumber, job.raisedAt, deps.clock.now(), outcome.afterMs, { policy: retryPolicyOf(job), scale })
    : null;
  const willRetry = decision?.retry === true;
  if (outcome?.kind === 'retry' && decision && !decision.retry) outcome.reason = `${outcome.reason}; ${decision.reason}`;

  // Settle: the incident record and the channel's health after this send.
  const writes: { key: string; value: unknown }[] = [];
  let nextIncident: IncidentRecord = incident;
  if (outcome?.kind === 'delivered' || outcome === null) {
    const memo = nextMemo(job, incident, outcome?.kind === 'delivered' ? outcome.memo : undefined, forgotten);
    nextIncident = settledDelivered(job, incident, memo, DELIVERED_MEMORY);
    const closed = recordSuccess(health.breaker);
    if (closed !== health.breaker) writes.push({ key: healthKey, value: { ...health, breaker: closed } });
  } else {
    if (outcome.kind === 'retry') writes.push({ key: healthKey, value: { ...health, breaker: recordFailure(health.breaker, now) } });
    if (outcome.kind === 'disable') writes.push({ key: healthKey, value: { ...health, disabled: { reason: outcome.reason, at: new Date(now).toISOString() } } });
    if (willRetry) {
      if (!job.manual) nextIncident = { ...withoutPending(incident, job.id), sends: { ...incident.sends, [job.id]: sendNumber } };
    } else {
      // Settled without delivery (failed, disabled, gave up): a later fix need not wait for it.
      nextIncident = { ...settledWithoutDelivery(job, incident), sends: withoutSend(incident.sends, job.id) };
    }
  }
  // The incident record first: once it says delivered, a re-run of this job sends nothing.
  if (nextIncident !== incident) await commitIncident(deps, incidentKey, nextIncident, job.id);
  const report = toReport(outcome, result, secrets, willRetry);
  await recordAttempt(deps, job, sendNumber, followUp ? { ...report, followUp } : report, writes);

  if (outcome?.kind === 'retry' && decision?.retry) return retryResult(deps, job, decision.delayMs, outcome.reason, scale);
  return { status: 'done' };
}

const retryScale = (deps: AppDeps): number => (deps.retryDelayScale && deps.retryDelayScale > 0 ? deps.retryDelayScale : 1);

/** A wait without a send (quiet hours, breaker, a fix waiting for its failure): logged with its reason. */
function waitResult(deps: AppDeps, job: DeliveryJob, afterMs: number, reason: Reason, scale: number): Promise<JobResult> {
  deps.log.debug({ delivery: job.id, channel: job.channel, reason, afterMs: Math.round(afterMs) }, 'delivery waits');
  return retryResult(deps, job, afterMs, describeReason(reason), scale);
}

/**
 * Forge keeps an async event 24 hours from when it was queued (retention window,
 * https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api/#retention-window):
 * a retry that would run later than this after the job was queued goes out as a fresh job instead.
 */
export const REQUEUE_AFTER_MS = 20 * 60 * 60 * 1000;

async function retryResult(deps: AppDeps, job: DeliveryJob, delayMs: number, reason: string, scale: number): Promise<JobResult> {
  const now = deps.clock.now();
  if (delayMs <= 0) return { status: 'retry', afterSeconds: 0, reason };
  const queuedAt = job.queuedAt ?? job.raisedAt;
  if (now + delayMs - queuedAt > REQUEUE_AFTER_MS * scale) {
    const fresh: DeliveryJob = { ...job, queuedAt: now };
    await pushJobs(deps, [{ ...deliveryQueueJob(fresh), delayInSeconds: queueDelaySeconds(delayMs / 1000) }]);
    deps.log.info({ delivery: job.id, channel: job.channel }, 'delivery re-queued as a fresh job (queue retention)');
    return { status: 'done' };
  }
  return { status: 'retry', afterSeconds: retryAfterSeconds(delayMs, scale), reason };
}

/**
 * Queue delay for a retry. Whole seconds, at least 1 (Forge `retryAfter`), unless a test scaled the
 * schedule down: then fractional seconds.
 */
function retryAfterSeconds(delayMs: number, scale: number): number {
  if (scale === 1) return Math.min(900, Math.max(1, Math.ceil(delayMs / 1000)));
  return Math.min(900, Math.max(0, delayMs) / 1000);
}

/**
 * "Send test alert". Chat channels use the vendor's silent check where there is one. Incident tools
 * open a clearly labelled low-severity test incident and resolve it at once, so a test leaves nothing
 * open; the result shows both steps.
 */
export async function sendTest(deps: AppDeps, job: DeliveryJob): Promise<TestResult> {
  const secret = (await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(job.channelScope, job.channel))) ?? {};
  // The browser sees a vendor's own answer (a short, redacted excerpt helps fix a Slack or PagerDuty
  // setup); from any other host (the generic webhook, a self-hosted Mattermost, an API base override)
  // only the status: "Send test alert" must not become a way to read internal services.
  const channel = getChannel(job.channelType);
  const parsedConfig = channel?.parseConfig({ ...job.channelConfig, ...secret, name: job.channel, type: job.channelType });
  const urls = channel && parsedConfig?.ok ? channel.urls(parsedConfig.value) : [];
  const vendorOnly = { allowedHosts: CHANNEL_EGRESS_HOSTS, allowLoopback: false, allowPrivate: false };
  const vendorHost = job.channelType !== 'webhook' && urls.length > 0 && urls.every((u) => checkEgress(u, vendorOnly).ok);
  const view = vendorHost ? 'browser' : 'status-only';
  const reportFor = (outcome: DeliveryOutcome | null, result: HttpResult | null, secrets: string[], step: DeliveryJob): AttemptReport => {
    const report = toReport(outcome, result, secrets, false, view);
    const detail = toReport(outcome, result, secrets, false).error;
    if (detail !== report.error) {
      // The browser gets the short form; the server log keeps what happened.
      deps.log.info({ delivery: step.id, channel: step.channel, type: step.channelType, status: report.status, detail, latencyMs: result ? Math.round(result.latencyMs) : null }, 'test alert detail (not shown in the browser)');
    }
    return report;
  };

  const { outcome, result, secrets } = await attemptSend(deps, job, secret, undefined, 'check');
  const report = reportFor(outcome, result, secrets, job);
  await recordAttempt(deps, job, 1, report);
  const opened: TestResult = { outcome: report.outcome, status: report.status, latencyMs: report.latencyMs, response: report.response, error: report.error };
  if (!channel?.opensIncidents) return opened;
  const openStep = { step: 'open' as const, outcome: opened.outcome, status: opened.status, error: opened.error };
  if (report.outcome !== 'delivered') return { ...opened, steps: [openStep] };

  const resolveJob: DeliveryJob = {
    ...job,
    id: `${job.id}:resolve`,
    alert: resolvingTestAlert(job.alert),
  };
  const memo = outcome?.kind === 'delivered' ? outcome.memo : undefined;
  const second = await attemptSend(deps, resolveJob, secret, memo, 'alert');
  const resolved = reportFor(second.outcome, second.result, second.secrets, resolveJob);
  await recordAttempt(deps, resolveJob, 1, resolved);
  const resolveStep = { step: 'resolve' as const, outcome: resolved.outcome, status: resolved.status, error: resolved.error };
  // The test as a whole worked only if the incident it opened is closed again.
  return resolved.outcome === 'delivered'
    ? { ...opened, steps: [openStep, resolveStep] }
    : { ...opened, outcome: resolved.outcome, error: `the test incident was opened but resolving it failed: ${resolved.error ?? resolved.outcome}`, steps: [openStep, resolveStep] };
}

/** The alert that closes what a test alert (always a build alert, see resolvers.ts) opened: the same build, now fixed. */
function resolvingTestAlert(alert: Alert): Alert {
  const id = `${alert.id}-fixed`;
  return alert.build ? { ...alert, id, type: 'build.fixed', build: { ...alert.build, state: 'SUCCESSFUL' }, brokenForMs: 0 } : { ...alert, id };
}

/**
 * Consumer side of a `deliver` job: one alert to one channel. Reads channel health, the incident
 * record and the channel's secret; skips open breakers and disabled channels; builds the request
 * (pure channel code), sends it through the egress-checked HTTP port, classifies the answer, and
 * records the attempt. Retries go back to the queue holding the job's key, so a later alert of the
 * same incident never overtakes an earlier one on the same channel.
 */
import { getChannel } from '../core/channels/registry';
import { breakerAllows, breakerWaitMs, recordFailure, recordSuccess } from '../core/delivery/breaker';
import { decideRetry, GIVE_UP_AFTER_MS } from '../core/delivery/backoff';
import type { DeliveryJob } from '../core/delivery/delivery-job';
import { OPENING_TYPES, RESOLVING_TYPES } from '../core/alerts/alert';
import { checkEgress } from '../core/delivery/egress';
import type { DeliveryOutcome } from '../core/delivery/outcome';
import { redact } from '../core/delivery/redact';
import type { HttpResult, JobResult } from '../core/ports';
import { keys } from '../core/storage-keys';
import type { DeliveryLogEntry, TestResult } from '../shared/contract';
import type { AppDeps } from './app-types';
import type { ChannelHealth } from './repo-config';

/** Per-attempt timeout; a hanging vendor must not hold the consumer (Forge consumers: 900 s). */
export const SEND_TIMEOUT_MS = 10_000;
/** Delivery log entries expire after this (KVS TTL); the settings page shows the newest. */
export const LOG_TTL_SECONDS = 14 * 24 * 3600;
/** How many delivered job ids an incident record remembers, to drop redelivered queue jobs. */
const DELIVERED_MEMORY = 20;

export interface IncidentRecord {
  memo?: Record<string, string>;
  delivered: string[];
  /** An opening alert (failed) of the current streak has been settled on this channel: delivered or given up. */
  opened?: boolean;
  /**
   * Real sends so far of jobs still being retried (job id → count). Queue runs that only wait
   * (quiet hours, an open breaker, a fix waiting for its failure) do not send, so the queue's run
   * count would spend the retry budget on waiting; this count decides when a delivery gives up.
   */
  sends?: Record<string, number>;
}

function withoutSend(sends: Record<string, number> | undefined, id: string): Record<string, number> | undefined {
  if (!sends || !(id in sends)) return sends;
  const { [id]: _dropped, ...rest } = sends;
  return Object.keys(rest).length ? rest : undefined;
}

/**
 * How long a recovery waits for its failure to be settled on the same channel. The local queue runs
 * a key's jobs in push order; Forge's per-key concurrency does not promise order, so this guard keeps
 * a fix from overtaking its failure there too, without waiting forever for a failure that never came.
 */
export const RECOVERY_WAITS_FOR_FAILURE_MS = 10 * 60 * 1000;

/** The write that marks an opening alert settled on its channel without a delivery (skipped, given up), if needed. */
function settleOpening(job: DeliveryJob, incident: IncidentRecord, incidentKey: string): { key: string; value: IncidentRecord }[] {
  return OPENING_TYPES.includes(job.alert.type) && !incident.opened ? [{ key: incidentKey, value: { ...incident, opened: true } }] : [];
}

export const channelHealthKey = (scope: string, channel: string): string => keys.breaker(`${scope}:${channel}`);

export interface AttemptReport {
  outcome: DeliveryLogEntry['outcome'];
  status: number | null;
  latencyMs: number | null;
  error: string | null;
  response: string | null;
}

/** Sends once and classifies. Shared by queued deliveries and "Send test alert". */
export async function attemptSend(
  deps: AppDeps,
  job: DeliveryJob,
  secret: Record<string, unknown>,
  memo: Record<string, string> | undefined,
  mode: 'alert' | 'check' = 'alert',
): Promise<{ outcome: DeliveryOutcome | null; result: HttpResult | null; secrets: string[] }> {
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
  return { outcome, result: { ...result, response }, secrets };
}

export function toReport(outcome: DeliveryOutcome | null, result: HttpResult | null, secrets: string[], willRetry: boolean): AttemptReport {
  const status = result?.ok ? result.response.status : null;
  const latencyMs = result ? Math.round(result.latencyMs) : null;
  const response = result?.ok ? redact(result.response.body.slice(0, 500), secrets) : null;
  if (!outcome) return { outcome: 'skipped', status, latencyMs, error: null, response };
  switch (outcome.kind) {
    case 'delivered':
      return { outcome: 'delivered', status, latencyMs, error: null, response };
    case 'retry':
      return { outcome: willRetry ? 'retrying' : 'failed', status, latencyMs, error: redact(outcome.reason, secrets), response };
    case 'failed':
      return { outcome: 'failed', status, latencyMs, error: redact(outcome.reason, secrets), response };
    case 'disable':
      return { outcome: 'disabled', status, latencyMs, error: redact(outcome.reason, secrets), response };
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
    { delivery: job.id, channel: job.channel, type: job.channelType, outcome: report.outcome, status: report.status, latencyMs: report.latencyMs, error: report.error, attempt },
    'delivery attempt',
  );
}

export async function deliver(deps: AppDeps, job: DeliveryJob, attempt: number): Promise<JobResult> {
  const now = deps.clock.now();
  if (job.notBefore && job.notBefore > now) {
    return { status: 'retry', afterSeconds: Math.min(900, Math.ceil((job.notBefore - now) / 1000)), reason: 'quiet hours' };
  }
  const healthKey = channelHealthKey(job.channelScope, job.channel);
  const incidentKey = keys.incident(`${job.channelScope}:${job.channel}`, job.alert.incidentKey);
  const found = await deps.store.getMany<unknown>([healthKey, incidentKey]);
  const health = (found.get(healthKey) as ChannelHealth | undefined) ?? {};
  const incident = (found.get(incidentKey) as IncidentRecord | undefined) ?? { delivered: [] };

  if (!job.manual && incident.delivered.includes(job.id)) return { status: 'done' }; // redelivered queue job
  if (health.disabled && !job.manual) {
    // A skipped failure is settled too: otherwise its fix, once the channel is re-enabled, waits for it in vain.
    const settled = settleOpening(job, incident, incidentKey);
    await recordAttempt(deps, job, attempt, { outcome: 'skipped', status: null, latencyMs: null, response: null, error: `channel disabled: ${health.disabled.reason}` }, settled);
    return { status: 'done' };
  }
  if (!job.manual && !breakerAllows(health.breaker, now)) {
    const waitMs = breakerWaitMs(health.breaker, now);
    // An alert the breaker would hold past the give-up deadline is stale (backoff.ts): record it as failed now.
    // Re-queueing it every 15 minutes for a window of up to 10 hours only ended in the queue's attempt limit,
    // which drops a job without a log entry.
    if (now + waitMs - job.raisedAt > GIVE_UP_AFTER_MS) {
      const error = `circuit open: the channel failed ${health.breaker?.failures ?? 0} times in a row; gave up: alert older than ${Math.round(GIVE_UP_AFTER_MS / 60_000)} minutes`;
      const settled = settleOpening(job, incident, incidentKey);
      await recordAttempt(deps, job, attempt, { outcome: 'failed', status: null, latencyMs: null, response: null, error }, settled);
      return { status: 'done' };
    }
    return { status: 'retry', afterSeconds: Math.min(900, Math.max(1, Math.ceil(waitMs / 1000))), reason: 'circuit open' };
  }

  const opening = OPENING_TYPES.includes(job.alert.type);
  const resolving = RESOLVING_TYPES.includes(job.alert.type);
  if (resolving && job.awaitsFailure && !incident.opened && !job.manual && now - job.raisedAt < RECOVERY_WAITS_FOR_FAILURE_MS) {
    return { status: 'retry', afterSeconds: 15, reason: 'waiting for the failure alert of this incident' };
  }

  const secret = (await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(job.channelScope, job.channel))) ?? {};
  const { outcome, result, secrets } = await attemptSend(deps, job, secret, incident.memo);
  const sendNumber = job.manual ? attempt : (incident.sends?.[job.id] ?? 0) + 1;
  const decision = outcome?.kind === 'retry' ? decideRetry(sendNumber, job.raisedAt, deps.clock.now(), outcome.afterMs) : null;
  const willRetry = decision?.retry === true;
  if (outcome?.kind === 'retry' && decision && !decision.retry) outcome.reason = `${outcome.reason}; ${decision.reason}`;
  const writes: { key: string; value: unknown }[] = [];
  let nextIncident: IncidentRecord = incident;
  if (outcome?.kind === 'delivered' || outcome === null) {
    const memo = outcome?.kind === 'delivered' && outcome.memo ? { ...incident.memo, ...outcome.memo } : incident.memo;
    const opened = opening ? true : resolving ? false : incident.opened;
    nextIncident = { memo, delivered: [...incident.delivered, job.id].slice(-DELIVERED_MEMORY), opened, sends: withoutSend(incident.sends, job.id) };
    const closed = recordSuccess(health.breaker);
    if (closed !== health.breaker) writes.push({ key: healthKey, value: { ...health, breaker: closed } });
  } else {
    if (outcome.kind === 'retry') writes.push({ key: healthKey, value: { ...health, breaker: recordFailure(health.breaker, now) } });
    if (outcome.kind === 'disable') writes.push({ key: healthKey, value: { ...health, disabled: { reason: outcome.reason, at: new Date(now).toISOString() } } });
    if (willRetry) {
      if (!job.manual) nextIncident = { ...incident, sends: { ...incident.sends, [job.id]: sendNumber } };
    } else {
      // Settled without delivery (failed, disabled, gave up): a later fix need not wait for it.
      nextIncident = { ...incident, opened: opening ? true : incident.opened, sends: withoutSend(incident.sends, job.id) };
    }
  }
  if (nextIncident !== incident) writes.push({ key: incidentKey, value: nextIncident });
  await recordAttempt(deps, job, sendNumber, toReport(outcome, result, secrets, willRetry), writes);

  if (outcome?.kind === 'retry' && decision?.retry) {
    return { status: 'retry', afterSeconds: retryAfterSeconds(deps, decision.delayMs, outcome.afterMs), reason: outcome.reason };
  }
  return { status: 'done' };
}

/**
 * Queue delay for a retry. Whole seconds, at least 1 (Forge `retryAfter`), unless a test scaled the
 * backoff down: then fractional seconds, still never sooner than the vendor's Retry-After.
 */
function retryAfterSeconds(deps: AppDeps, delayMs: number, hintMs: number | undefined): number {
  const scale = deps.retryDelayScale ?? 1;
  if (scale === 1) return Math.min(900, Math.max(1, Math.ceil(delayMs / 1000)));
  return Math.min(900, Math.max(delayMs * scale, hintMs ?? 0) / 1000);
}

export async function sendTest(deps: AppDeps, job: DeliveryJob): Promise<TestResult> {
  const secret = (await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(job.channelScope, job.channel))) ?? {};
  const { outcome, result, secrets } = await attemptSend(deps, job, secret, undefined, 'check');
  const report = toReport(outcome, result, secrets, false);
  await recordAttempt(deps, job, 1, report);
  return { outcome: report.outcome, status: report.status, latencyMs: report.latencyMs, response: report.response, error: report.error };
}

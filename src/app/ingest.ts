/**
 * Inbound side: Forge product events and Bitbucket webhooks become queued `event` jobs.
 * Nothing here calls a vendor; the trigger only normalizes, drops what no rule can use, and queues.
 */
import { normalize } from '../core/events';
import type { Headers, RepoEvent } from '../core/events/repo-event';
import { isIgnored } from '../core/events/repo-event';
import { repoKey } from '../core/storage-keys';
import type { QueueJob } from './jobs';
import type { AppDeps, InboundRequest, InboundResponse, IngestResult } from './app-types';
import { isConfigured } from './configured-repos';
import { judgeInbound, replayKey } from './inbound-trust';
import { pushJobs } from './queue-commit';

/** Bitbucket caps webhook bodies well below this; anything larger is refused before parsing. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** JSON nesting deeper than any Bitbucket payload is refused (a cheap guard against hostile bodies). */
const MAX_JSON_DEPTH = 64;
/** Request ids of signed webhooks are remembered this long to refuse replays. */
const REPLAY_WINDOW_SECONDS = 24 * 3600;

/** Events the rules format can act on; everything else is dropped before it costs a queue push. */
export function usefulForRules(event: RepoEvent): boolean {
  switch (event.kind) {
    case 'build':
      return true;
    case 'deployment':
      return event.deployment.state === 'SUCCESSFUL' || event.deployment.state === 'FAILED' || event.deployment.state === 'STOPPED';
    case 'push':
      return event.push.changes.length > 0;
    case 'pullrequest':
      return ['created', 'merged', 'declined'].includes(event.pullRequest.action);
    default:
      return false;
  }
}

/** Queue key for event jobs: one repository's events are evaluated one at a time, in order. */
export const eventConcurrencyKey = (event: RepoEvent): string => `event:${repoKey(event.repository) ?? 'unknown'}`;

/** Ref changes kept from one push: far more than any alert needs, while a mass tag import stays one small job. */
export const MAX_PUSH_CHANGES = 100;

/** Cuts what a queue job cannot carry: a push's ref changes beyond MAX_PUSH_CHANGES. */
function trimEvent(event: RepoEvent): RepoEvent {
  if (event.kind !== 'push' || event.push.changes.length <= MAX_PUSH_CHANGES) return event;
  return { ...event, push: { ...event.push, changes: event.push.changes.slice(0, MAX_PUSH_CHANGES) } };
}

/** Event times further ahead of the clock than this are clamped to the time of receipt. */
export const MAX_FUTURE_SKEW_MS = 10 * 60 * 1000;

/**
 * One event dated in the future would make every later real result look older than it, and so
 * stale: a build silenced for good. Times beyond MAX_FUTURE_SKEW_MS ahead become the receipt time.
 */
export function clampFutureTimes(event: RepoEvent, now: number): { event: RepoEvent; clamped: boolean } {
  const at = event.occurredAt ? Date.parse(event.occurredAt) : NaN;
  if (!Number.isFinite(at) || at - now <= MAX_FUTURE_SKEW_MS) return { event, clamped: false };
  return { event: { ...event, occurredAt: new Date(now).toISOString() }, clamped: true };
}

/**
 * `configured`: the caller already knows the repository has rules (reconciliation lists exactly those).
 * `remember: false`: do not record repositories first seen here (unsigned webhooks leave no lasting records).
 */
export async function queueEvents(deps: AppDeps, events: RepoEvent[], options: { configured?: boolean; remember?: boolean } = {}): Promise<IngestResult> {
  const candidates = events.filter((e) => !e.selfGenerated && usefulForRules(e));
  if (candidates.length === 0) return { queued: 0, ignored: events.length ? 'no rule can use this event' : 'empty' };
  const useful: RepoEvent[] = [];
  for (const event of candidates) {
    if (options.configured || (await isConfigured(deps, event, { remember: options.remember !== false }))) useful.push(event);
  }
  if (useful.length === 0) return { queued: 0, ignored: 'no rules or channels for this repository' };
  const now = deps.clock.now();
  const receivedAt = new Date(now).toISOString();
  const jobs: QueueJob[] = useful.map((raw) => {
    const { event, clamped } = clampFutureTimes(raw, now);
    if (clamped) deps.log.warn({ source: raw.source, kind: raw.kind, occurredAt: raw.occurredAt, receivedAt }, 'event dated in the future: its time was set to the time of receipt');
    return { body: { type: 'event', event: trimEvent(event), receivedAt }, concurrencyKey: eventConcurrencyKey(event) };
  });
  // An event still too large for one queue event (hostile field sizes) is dropped rather than failing the whole request.
  const { queued } = await pushJobs(deps, jobs);
  if (queued === 0) return { queued: 0, ignored: 'event too large to queue' };
  return { queued };
}

/** Forge `trigger` handler body. Throws only for malformed events, which Forge never sends. */
export async function ingestForgeEvent(deps: AppDeps, raw: unknown): Promise<IngestResult> {
  const normalized = normalize({ body: raw, headers: {} });
  if (!normalized.ok) return { queued: 0, ignored: normalized.error.message };
  const outcome = normalized.value;
  if (!Array.isArray(outcome) && isIgnored(outcome)) return { queued: 0, ignored: outcome.reason };
  if (!Array.isArray(outcome) && outcome.selfGenerated) return { queued: 0, ignored: 'selfGenerated' };
  return queueEvents(deps, Array.isArray(outcome) ? outcome : [outcome]);
}

const header = (headers: Headers, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
};

export { verifyHubSignature } from './inbound-trust';

function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped char
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

const reply = (status: number, body: Record<string, unknown>): InboundResponse => ({ status, body });

/** Web trigger / local `POST /webhooks/bitbucket`. Every branch returns a status; nothing throws to the edge. */
export async function ingestWebhook(deps: AppDeps, request: InboundRequest): Promise<InboundResponse> {
  const { headers, rawBody } = request;
  if (rawBody.length > MAX_WEBHOOK_BYTES) return reply(413, { error: `body is ${rawBody.length} bytes; the limit is ${MAX_WEBHOOK_BYTES}` });
  const signature = header(headers, 'x-hub-signature');
  // With the environment secret set every webhook must be signed: refuse unsigned ones before reading them.
  if (deps.envWebhookSecret && !signature) return reply(401, { error: 'X-Hub-Signature is required' });
  const eventKey = header(headers, 'x-event-key');
  if (!eventKey) return reply(400, { error: 'missing X-Event-Key header: not a Bitbucket webhook' });

  const text = rawBody.toString('utf8');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return reply(400, { error: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return reply(400, { error: `malformed JSON: ${(e as Error).message.replace(/\s+/g, ' ')}` });
  }

  const normalized = normalize({ body, headers });
  if (!normalized.ok) return reply(400, { error: normalized.error.message });
  const outcome = normalized.value;
  if (!Array.isArray(outcome) && isIgnored(outcome)) return reply(202, { ignored: true, reason: outcome.reason });
  const events = Array.isArray(outcome) ? outcome : [outcome];
  if (events.some((e) => e.kind === 'ping')) return reply(200, { ok: true, ping: true });

  // The signature must come from the secret of what the payload names (inbound-trust.ts).
  const trust = await judgeInbound(deps, events, rawBody, signature);
  if (!trust.ok) return reply(trust.status, { error: trust.error });

  // A signed body is accepted once, whatever X-Request-UUID says (or whether it is there); the guard
  // is written only once the events are queued, so Bitbucket's retry after a failed queue write is not lost.
  const replay = trust.signed ? replayKey(rawBody) : null;
  if (replay && (await deps.store.get(replay))) return reply(200, { duplicate: true });

  // Unsigned traffic leaves no lasting records (no repository records for what it names).
  const result = await queueEvents(deps, events, { remember: trust.signed });
  if (replay && result.queued > 0) await deps.store.set(replay, 1, { ttlSeconds: REPLAY_WINDOW_SECONDS });
  return result.queued === 0 ? reply(202, { ignored: true, reason: result.ignored ?? 'nothing to do' }) : reply(202, { queued: result.queued });
}

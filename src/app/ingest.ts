/**
 * Inbound side: Forge product events and Bitbucket webhooks become queued `event` jobs.
 * Nothing here calls a vendor; the trigger only normalizes, drops what no rule can use, and queues.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { normalize } from '../core/events';
import type { Headers, RepoEvent } from '../core/events/repo-event';
import { isIgnored } from '../core/events/repo-event';
import { keys, repoKey } from '../core/storage-keys';
import type { QueueJob } from '../core/ports';
import type { AppDeps, InboundRequest, InboundResponse, IngestResult } from './app-types';
import { isConfigured } from './configured-repos';
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
      return event.deployment?.state === 'SUCCESSFUL' || event.deployment?.state === 'FAILED' || event.deployment?.state === 'STOPPED';
    case 'push':
      return (event.push?.changes.length ?? 0) > 0;
    case 'pullrequest':
      return ['created', 'merged', 'declined'].includes(event.pullRequest?.action ?? '');
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
  if (!event.push || event.push.changes.length <= MAX_PUSH_CHANGES) return event;
  return { ...event, push: { ...event.push, changes: event.push.changes.slice(0, MAX_PUSH_CHANGES) } };
}

/** `configured`: the caller already knows the repository has rules (reconciliation lists exactly those). */
export async function queueEvents(deps: AppDeps, events: RepoEvent[], options: { configured?: boolean } = {}): Promise<IngestResult> {
  const candidates = events.filter((e) => !e.selfGenerated && usefulForRules(e));
  if (candidates.length === 0) return { queued: 0, ignored: events.length ? 'no rule can use this event' : 'empty' };
  const useful: RepoEvent[] = [];
  for (const event of candidates) if (options.configured || (await isConfigured(deps, event))) useful.push(event);
  if (useful.length === 0) return { queued: 0, ignored: 'no rules or channels for this repository' };
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const jobs: QueueJob[] = useful.map((event) => ({
    body: { type: 'event', event: trimEvent(event), receivedAt },
    concurrencyKey: eventConcurrencyKey(event),
  }));
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

/** `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant time. */
export function verifyHubSignature(rawBody: Buffer, secret: string, signatureHeader: string | undefined): boolean {
  if (!signatureHeader) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signatureHeader.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

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
  const envSecret = deps.envWebhookSecret ?? null;
  if (envSecret && !verifyHubSignature(rawBody, envSecret, signature)) {
    return reply(401, { error: signature ? 'X-Hub-Signature does not match the body' : 'X-Hub-Signature is required' });
  }
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

  // A repository may have its own inbound secret (settings page); the env secret already applied above.
  let signed = Boolean(envSecret);
  if (!envSecret) {
    const repo = events[0] ? repoKey(events[0].repository) : null;
    const repoSecret = repo ? await deps.secrets.getSecret<string>(keys.inboundSecret(repo)) : undefined;
    if (repoSecret) {
      if (!verifyHubSignature(rawBody, repoSecret, signature)) {
        return reply(401, { error: signature ? 'X-Hub-Signature does not match the body' : 'X-Hub-Signature is required' });
      }
      signed = true;
    }
  }

  // Replays of a signed request (same X-Request-UUID / X-Request-Id) are accepted once.
  const requestId = header(headers, 'x-request-uuid') ?? header(headers, 'x-request-id');
  if (signed && requestId) {
    const replayKey = keys.seen('webhook', requestId);
    if (await deps.store.get(replayKey)) return reply(200, { duplicate: true });
    await deps.store.set(replayKey, 1, { ttlSeconds: REPLAY_WINDOW_SECONDS });
  }

  const result = await queueEvents(deps, events);
  return result.queued === 0 ? reply(202, { ignored: true, reason: result.ignored ?? 'nothing to do' }) : reply(202, { queued: result.queued });
}

/**
 * One entry point for every Bitbucket source: `normalize({ body, headers })`.
 *
 * - `body` is the parsed JSON (for Forge, the trigger's `event` argument); `headers` as received
 *   (names matched case-insensitively; none for Forge and REST objects).
 * - Ok(RepoEvent) for an event the app acts on; Ok({ ignored: true, reason }) for a recognised
 *   event it does not act on; Err({ message }) for an unidentifiable or malformed payload.
 * - A paginated REST list (`{ values: [...] }`) gives Ok(RepoEvent[]) in list order, ignored items
 *   (such as UNDEPLOYED deployments) left out; one malformed item fails the whole list, naming it.
 * Never throws: a last-resort catch turns surprises into an Err.
 */
import type { Result } from '../result';
import { err, ok } from '../result';
import type { NormalizeError } from './normalize-error';
import { isIgnored, type Headers, type NormalizeOutcome, type RepoEvent } from './repo-event';
import { normalizeCloudWebhook } from './cloud-webhook';
import { capEventFields } from './common';
import { detectSource, eventKeyOf } from './detect-source';
import { normalizeForgeEvent } from './forge';
import { normalizePipelinesApiObject } from './pipelines-api';
import { normalizePostWebhook } from './post-webhooks';
import { normalizeServerWebhook } from './server-webhook';

export interface NormalizeInput {
  body: unknown;
  headers?: Headers;
}

export type NormalizeResult = Result<NormalizeOutcome | RepoEvent[], NormalizeError>;

/** REST pages hold at most 100 items; a larger list is not a Bitbucket response. */
const MAX_LIST = 1000;

export function normalize(input: NormalizeInput): NormalizeResult {
  try {
    const result = dispatch(input);
    // Every source's free text within FIELD_CAPS, so no event can make a state the store refuses.
    return result.ok ? ok(capEventFields(result.value)) : result;
  } catch (e) {
    // Reached only through exotic input (e.g. a getter that throws); never echo payload content.
    return err({ message: `normalize: payload could not be read (${e instanceof Error ? e.name : typeof e})` });
  }
}

function dispatch(input: NormalizeInput): NormalizeResult {
  const { body, headers } = input ?? ({} as NormalizeInput);
  const source = detectSource(headers, body);
  const key = eventKeyOf(headers, body);
  switch (source) {
    case 'forge':
      return normalizeForgeEvent(body);
    case 'cloud-webhook':
      return normalizeCloudWebhook(key ?? '', body, headers);
    case 'server-webhook':
      return normalizeServerWebhook(key ?? '', body);
    case 'post-webhooks':
      return normalizePostWebhook(key ?? '', body);
    case 'pipelines-api':
      return normalizePipelinesApi(body);
    case null:
      return err({ message: unknownShape(body) });
  }
}

function normalizePipelinesApi(body: unknown): NormalizeResult {
  const values = (body as { values?: unknown }).values;
  if (!Array.isArray(values)) return normalizePipelinesApiObject(body);
  if (values.length > MAX_LIST) return err({ message: `pipelines-api: body.values has ${values.length} items, more than ${MAX_LIST}` });
  const events: RepoEvent[] = [];
  for (let i = 0; i < values.length; i++) {
    const one = normalizePipelinesApiObject(values[i], `body.values[${i}]`);
    if (!one.ok) return one;
    if (!isIgnored(one.value)) events.push(one.value);
  }
  return ok(events);
}

function unknownShape(body: unknown): string {
  if (body === null || body === undefined) return 'unknown payload: body is missing';
  if (typeof body !== 'object') return `unknown payload: body must be a JSON object, got ${typeof body}`;
  if (Array.isArray(body)) return 'unknown payload: body must be a JSON object, got array';
  return 'unknown payload: no X-Event-Key header, no Forge eventType, and no REST object type (pipeline, build, deployment) or values list';
}

import type { EventSource, Headers } from './repo-event';
import { header } from './headers';
import { get, isObj } from './read';
import { PIPELINES_API_TYPES } from './pipelines-api';

/**
 * Data Center event keys. DC and Cloud share the `repo:` prefix, so DC keys are listed rather than
 * guessed. https://confluence.atlassian.com/bitbucketserver/event-payload-938025882.html
 */
const DC_KEY = /^(?:pr:|diagnostics:|mirror:|project:|repo:refs_changed$|repo:modified$|repo:forked$|repo:comment:|repo:secret_detected$)/;

/**
 * Which Bitbucket source sent this, or null when nothing identifies it:
 * - `X-Event-Key` with `X-Bitbucket-Type: server`: Post Webhooks app (Cloud-style keys, DC server);
 * - `X-Event-Key` with a DC key, or a body with DC's own `eventKey`: Data Center;
 *   a Cloud-style key whose `repository` has DC's `scmId`/`fullName` is the Post Webhooks app whose
 *   `X-Bitbucket-Type` header was lost on the way;
 * - any other `X-Event-Key`: Cloud;
 * - no `X-Event-Key`: a Forge event (`eventType: "avi:..."`), a REST object (`type` pipeline,
 *   build or deployment) or a paginated REST list (`values: [...]`), all 'pipelines-api';
 *   a DC body with its `eventKey` field is still Data Center.
 */
export function detectSource(headers: Headers | undefined, body: unknown): EventSource | null {
  const key = header(headers, 'x-event-key');
  if (key !== null) {
    if (header(headers, 'x-bitbucket-type')?.toLowerCase() === 'server') return 'post-webhooks';
    if (DC_KEY.test(key) || typeof get(body, 'eventKey') === 'string') return 'server-webhook';
    const repo = get(body, 'repository');
    if (typeof get(repo, 'scmId') === 'string' && typeof get(repo, 'full_name') !== 'string') return 'post-webhooks';
    return 'cloud-webhook';
  }
  if (!isObj(body)) return null;
  const eventType = body.eventType;
  if (typeof eventType === 'string' && eventType.startsWith('avi:')) return 'forge';
  if (typeof body.eventKey === 'string' && DC_KEY.test(body.eventKey)) return 'server-webhook';
  if (typeof body.type === 'string' && PIPELINES_API_TYPES.has(body.type)) return 'pipelines-api';
  if (Array.isArray(body.values)) return 'pipelines-api';
  // A REST error response (`{type: "error", error: {message}}`) handed over instead of an object.
  if (body.type === 'error' && isObj(body.error)) return 'pipelines-api';
  return null;
}

/** The event key: `X-Event-Key`, else DC's `eventKey` body field, else Forge's `eventType`. */
export function eventKeyOf(headers: Headers | undefined, body: unknown): string | null {
  const key = header(headers, 'x-event-key');
  if (key !== null) return key;
  const fromBody = get(body, 'eventKey') ?? get(body, 'eventType');
  return typeof fromBody === 'string' && fromBody.length > 0 ? fromBody : null;
}

/**
 * Whom an inbound webhook is from. A signature binds to what it protects: the repository the payload
 * names, that repository's workspace, or the whole runtime (the environment secret) — never to
 * whatever secret the payload itself points at. Once any inbound secret exists, unsigned traffic is
 * accepted only for repositories already configured, and only as themselves.
 *
 *   - secrets of the repository (by its id, and by its name), of its workspace, of the environment:
 *     if any exists, X-Hub-Signature must verify with one of them;
 *   - none exists, but some inbound secret exists somewhere (the `inbound-secret-set` flag): the
 *     repository must already be configured (rules filed under its id, or under its name when the
 *     payload carries no uuid);
 *   - a payload whose uuid and full name disagree with the stored repository record is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { RepoEvent } from '../core/events/repo-event';
import { keys, repoKey, repoKeyFromString } from '../core/storage-keys';
import type { AppDeps } from './app-types';
import { workspaceScope } from './effective-rules';
import type { RepoRecord } from './evaluate';

/** Plain KVS flag: some repository or workspace has an inbound secret (secrets themselves cannot be listed). */
export const INBOUND_SECRET_FLAG = keys.cache('inbound-secret-set');

/** `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant time. */
export function verifyHubSignature(rawBody: Buffer, secret: string, signatureHeader: string | undefined): boolean {
  if (!signatureHeader) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signatureHeader.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The replay guard's key: a hash of the signed bytes, whatever request id headers say. */
export const replayKey = (rawBody: Buffer): string => keys.seen('webhook', createHash('sha256').update(rawBody).digest('base64url'));

export type TrustVerdict =
  | { ok: true; signed: boolean }
  | { ok: false; status: 400 | 401; error: string };

/** Secret scopes that protect this repository: its id, its name, its workspace. */
function protectingScopes(event: RepoEvent): string[] {
  const scopes = new Set<string>();
  const own = repoKey(event.repository);
  if (own) scopes.add(own);
  if (event.repository.fullName) scopes.add(repoKeyFromString(event.repository.fullName));
  if (event.workspace) scopes.add(workspaceScope(event.workspace));
  return [...scopes];
}

export async function judgeInbound(deps: AppDeps, events: readonly RepoEvent[], rawBody: Buffer, signature: string | undefined): Promise<TrustVerdict> {
  const first = events[0];
  if (!first) return { ok: true, signed: false };
  const repo = repoKey(first.repository);
  if (!repo) return { ok: false, status: 400, error: 'the payload names no repository' };
  if (events.some((e) => repoKey(e.repository) !== repo)) return { ok: false, status: 400, error: 'one webhook must name one repository' };

  const record = await deps.store.get<RepoRecord>(keys.repoIndex(repo));
  const claimed = first.repository.fullName;
  if (record?.fullName && claimed && record.fullName.toLowerCase() !== claimed.toLowerCase()) {
    return { ok: false, status: 401, error: `the payload names repository ${first.repository.uuid ?? repo} "${claimed}", which is stored as "${record.fullName}"` };
  }

  const secrets: string[] = [];
  if (deps.envWebhookSecret) secrets.push(deps.envWebhookSecret);
  for (const scope of protectingScopes(first)) {
    const s = await deps.secrets.getSecret<string>(keys.inboundSecret(scope));
    if (typeof s === 'string' && s) secrets.push(s);
  }
  if (secrets.length > 0) {
    if (secrets.some((s) => verifyHubSignature(rawBody, s, signature))) return { ok: true, signed: true };
    return { ok: false, status: 401, error: signature ? 'X-Hub-Signature does not match the body' : 'X-Hub-Signature is required' };
  }

  if (await deps.store.get(INBOUND_SECRET_FLAG)) {
    // Unsigned, with secrets in use elsewhere: only a repository already configured, as itself.
    // `repo` is the uuid key, or the name key when the payload has no uuid.
    const configured = (await deps.store.get(keys.rules(repo))) !== undefined;
    if (!configured) {
      return { ok: false, status: 401, error: 'unsigned webhooks are accepted only for repositories already configured here; set an inbound secret for this repository or its workspace and sign the webhook' };
    }
  }
  return { ok: true, signed: false };
}

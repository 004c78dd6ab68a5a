import { createHash } from 'node:crypto';
import type { RepositoryRef } from './events/repo-event';

/**
 * Every storage key the app writes is built here. Forge KVS keys allow at most 500 characters and
 * no `{`, `}` or `/` (https://developer.atlassian.com/platform/forge/runtime-reference/storage-api-basic/),
 * so UUIDs lose their braces and free text (branch names, build keys) is encoded, and hashed when long.
 */
export const KEY_MAX_LENGTH = 500;
/** Year 5138 in ms: log keys store (ceiling - time) so that ascending order is newest first. */
const LOG_TIME_CEILING = 99_999_999_999_999;
const KEY_ALLOWED = /^[A-Za-z0-9:._\-#]+$/;

export const PREFIX = {
  rules: 'rules:',
  alias: 'alias:',
  repos: 'repo:',
  state: 'state:',
  breaker: 'breaker:',
  log: 'log:',
  activity: 'activity:',
  incident: 'incident:',
  seq: 'seq:',
  group: 'group:',
  snooze: 'snooze:',
  cache: 'cache:',
  seen: 'seen:',
  workspace: 'ws:',
  /** Jobs set aside after a permanent failure or too many failed runs (app/dead-letters.ts). */
  dead: 'dead:',
} as const;

export const SECRET_PREFIX = {
  channel: 'channel-secret:',
  inbound: 'inbound-secret:',
} as const;

const hash = (text: string, length = 16): string =>
  createHash('sha256').update(text).digest('base64url').replace(/-/g, '.').slice(0, length);

/** Encodes free text into the allowed alphabet; hashes it when the result would be long. */
export function encodeKeyPart(text: string, maxLength = 120): string {
  const encoded = text.replace(/[^A-Za-z0-9._\-]/g, (ch) => {
    const bytes = Buffer.from(ch, 'utf8');
    return Array.from(bytes, (b) => '#' + b.toString(16).padStart(2, '0')).join('');
  });
  if (encoded.length <= maxLength) return encoded;
  // "#h" marks a hashed tail: "#" is otherwise always followed by two hex digits, and "~" is not a KVS key character.
  return encoded.slice(0, maxLength - 18) + '#h' + hash(text);
}

export function isValidKey(key: string): boolean {
  return key.length > 0 && key.length <= KEY_MAX_LENGTH && KEY_ALLOWED.test(key);
}

/** The id a repository's data is filed under: its UUID without braces, else its encoded full name (Data Center). */
export function repoKey(repo: Pick<RepositoryRef, 'uuid' | 'fullName'>): string | null {
  if (repo.uuid) return repo.uuid.replace(/[{}]/g, '').toLowerCase();
  if (repo.fullName) return 'n-' + encodeKeyPart(repo.fullName.toLowerCase(), 200);
  return null;
}

/** Repo id from what a user types: "{uuid}", "uuid" or "workspace/slug". */
export function repoKeyFromString(repository: string): string {
  const trimmed = repository.trim();
  const uuid = /^\{?([0-9a-fA-F-]{36})\}?$/.exec(trimmed);
  return uuid ? uuid[1]!.toLowerCase() : 'n-' + encodeKeyPart(trimmed.toLowerCase(), 200);
}

export const keys = {
  rules: (repo: string) => `${PREFIX.rules}${repo}`,
  /** "workspace/slug" → repo id, so rules filed by name are found for events that carry only a UUID and vice versa. */
  alias: (fullName: string) => `${PREFIX.alias}${encodeKeyPart(fullName.toLowerCase(), 200)}`,
  repoIndex: (repo: string) => `${PREFIX.repos}${repo}`,
  buildState: (repo: string, ref: string | null, buildKey: string | null) =>
    `${PREFIX.state}${repo}:b:${encodeKeyPart(ref ?? '~')}:${encodeKeyPart(buildKey ?? '~')}`,
  buildStatePrefix: (repo: string) => `${PREFIX.state}${repo}:b:`,
  deploymentState: (repo: string, environment: string | null) =>
    `${PREFIX.state}${repo}:d:${encodeKeyPart(environment ?? '~')}`,
  breaker: (target: string) => `${PREFIX.breaker}${encodeKeyPart(target, 200)}`,
  /**
   * Log keys sort newest first in ascending order (inverted time): KVS queries cannot sort
   * descending, and reading a whole prefix to reverse it would cost one query per 100 entries.
   */
  log: (repo: string, atMs: number, id: string) =>
    `${PREFIX.log}${repo}:${String(LOG_TIME_CEILING - atMs).padStart(15, '0')}:${encodeKeyPart(id, 80)}`,
  logPrefix: (repo: string) => `${PREFIX.log}${repo}:`,
  /** What became of each event, newest first (inverted time, as the log). */
  activity: (repo: string, atMs: number, id: string) =>
    `${PREFIX.activity}${repo}:${String(LOG_TIME_CEILING - atMs).padStart(15, '0')}:${encodeKeyPart(id, 80)}`,
  activityPrefix: (repo: string) => `${PREFIX.activity}${repo}:`,
  /** Dead letters, newest first per repository (inverted time, as the log). */
  deadLetter: (repo: string, atMs: number, id: string) =>
    `${PREFIX.dead}${repo}:${String(LOG_TIME_CEILING - atMs).padStart(15, '0')}:${encodeKeyPart(id, 80)}`,
  deadLetterPrefix: (repo: string) => `${PREFIX.dead}${repo}:`,
  incident: (channelId: string, incidentKey: string) =>
    `${PREFIX.incident}${encodeKeyPart(channelId, 100)}:${encodeKeyPart(incidentKey, 200)}`,
  group: (groupKey: string) => `${PREFIX.group}${encodeKeyPart(groupKey, 300)}`,
  snooze: (repo: string) => `${PREFIX.snooze}${repo}`,
  cache: (name: string) => `${PREFIX.cache}${encodeKeyPart(name, 300)}`,
  seen: (repo: string, id: string) => `${PREFIX.seen}${repo}:${encodeKeyPart(id, 200)}`,
  workspaceDefaults: (workspace: string) => `${PREFIX.workspace}${encodeKeyPart(workspace.replace(/[{}]/g, ''), 200)}`,
  channelSecret: (scope: string, channelName: string) =>
    `${SECRET_PREFIX.channel}${scope}:${encodeKeyPart(channelName, 150)}`,
  inboundSecret: (scope: string) => `${SECRET_PREFIX.inbound}${scope}`,
} as const;

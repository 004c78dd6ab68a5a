import { createHash } from 'node:crypto';
import type { EventSource, RepositoryRef } from '../events/repo-event';
import { encodeKeyPart, repoKey } from '../storage-keys';
import type { AlertLinks, AlertType } from './alert';

/**
 * Incident keys and alert ids. Both are deterministic so redelivery (Forge delivers at least once)
 * produces the same values, short enough for KVS keys (≤ 500 chars), and built only from
 * identifiers: no URLs, no secrets.
 */
const repoPart = (repository: Pick<RepositoryRef, 'uuid' | 'fullName'>): string => repoKey(repository) ?? 'unknown';

/** One incident per (repository, ref, build key): failed, still-failing and fixed share it. */
export function buildIncidentKey(repository: Pick<RepositoryRef, 'uuid' | 'fullName'>, ref: string | null, buildKey: string | null): string {
  return `bb:${repoPart(repository)}:b:${encodeKeyPart(ref ?? '~', 100)}:${encodeKeyPart(buildKey ?? '~', 100)}`;
}

/** One incident per (repository, environment); the environment UUID when known, else its name. */
export function deploymentIncidentKey(repository: Pick<RepositoryRef, 'uuid' | 'fullName'>, environment: string | null): string {
  return `bb:${repoPart(repository)}:d:${encodeKeyPart((environment ?? '~').replace(/[{}]/g, '').toLowerCase(), 100)}`;
}

/** Pushes, tags and pull requests are not incidents; they still get a stable key per subject. */
export function subjectKey(repository: Pick<RepositoryRef, 'uuid' | 'fullName'>, kind: 'push' | 'tag' | 'pr', subject: string): string {
  return `bb:${repoPart(repository)}:${kind}:${encodeKeyPart(subject, 100)}`;
}

/** ISO time normalised to milliseconds ("…46.866793Z" → "…46.866Z"), so sources that differ in precision agree. */
export function normalizeTime(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString();
}

/** Same (incident, type, time, commit) → same id: redelivered events raise the same alert. */
export function alertId(incidentKey: string, type: AlertType, occurredAt: string, commit: string | null | undefined): string {
  const digest = createHash('sha256')
    .update([incidentKey, type, normalizeTime(occurredAt), commit ?? ''].join('\n'))
    .digest('base64url');
  return `al_${digest.slice(0, 24)}`;
}

const CLOUD_SOURCES: readonly EventSource[] = ['forge', 'cloud-webhook', 'pipelines-api'];

/** Web address of the repository: from the payload, else bitbucket.org + full name for Cloud sources. */
export function repositoryUrl(repository: RepositoryRef, source?: EventSource): string | null {
  if (repository.url) return repository.url;
  if (repository.fullName && source && CLOUD_SOURCES.includes(source)) return `https://bitbucket.org/${repository.fullName}`;
  return null;
}

/**
 * Cloud: https://bitbucket.org/<ws>/<repo>/commits/<hash>. Data Center repository links end in
 * "/browse"; its commit page is ".../repos/<slug>/commits/<hash>".
 */
export function commitUrl(repository: RepositoryRef, commit: string | null | undefined, source?: EventSource): string | null {
  const base = repositoryUrl(repository, source);
  if (!base || !commit) return null;
  return `${base.replace(/\/browse\/?$/, '').replace(/\/+$/, '')}/commits/${encodeURIComponent(commit)}`;
}

export function alertLinks(
  repository: RepositoryRef,
  source: EventSource | undefined,
  parts: { build?: string | null; commit?: string | null; pullRequest?: string | null },
): AlertLinks {
  const links: AlertLinks = {
    build: parts.build ?? null,
    commit: commitUrl(repository, parts.commit, source),
    repository: repositoryUrl(repository, source),
  };
  if (parts.pullRequest !== undefined) links.pullRequest = parts.pullRequest;
  return links;
}

/**
 * The activity record: per repository, the last events and what became of each ("why did or didn't
 * this alert?"). One entry per evaluated event, written in the evaluation's own batch (no extra
 * round trip), expiring like the delivery log. Read by the settings page (`getActivity`) and by
 * `build-alerts activity`.
 */
import type { Alert } from '../core/alerts/alert';
import type { RepoEvent } from '../core/events/repo-event';
import type { KeyValueStore } from '../core/ports';
import { describeReason, type Reason } from '../core/reasons';
import { keys } from '../core/storage-keys';
import type { ActivityEntryDto } from '../shared/contract';

/** As long as the delivery log keeps its entries. */
export const ACTIVITY_TTL_SECONDS = 14 * 24 * 3600;

/** One alert the event raised: where it went, or why it went nowhere. */
export interface ActivityAlert {
  type: Alert['type'];
  /** Rules that send it, with their channels; empty when none did, with `reason`. */
  sent: { rule: string; channels: string[] }[];
  reason?: Reason;
}

/** The stored entry is the settings page's DTO (shared/contract.ts), with reasons from core/reasons.ts. */
export type ActivityEntry = ActivityEntryDto;

export function describeEvent(event: RepoEvent): ActivityEntry['event'] {
  const b = event.build;
  const d = event.deployment;
  return {
    kind: event.kind,
    source: event.source,
    ref: b?.ref ?? d?.environment ?? event.push?.changes[0]?.name ?? null,
    state: b?.state ?? d?.state ?? event.pullRequest?.action ?? null,
    key: b?.key ?? b?.name ?? null,
    commit: b?.commit ?? d?.commit ?? null,
  };
}

/** Builds the entry; the decision is `alerted` when any alert was sent anywhere. */
export function activityEntry(event: RepoEvent, at: number, alerts: ActivityAlert[], reason?: Reason): ActivityEntry {
  const alerted = alerts.some((a) => a.sent.length > 0);
  const why: Reason | undefined = !alerted ? (reason ?? alerts.find((a) => a.reason)?.reason) : undefined;
  return {
    at: new Date(at).toISOString(),
    event: describeEvent(event),
    decision: alerted ? 'alerted' : 'nothing',
    ...(why ? { reason: why, why: describeReason(why) } : {}),
    alerts,
  };
}

export function activityWrite(repo: string, at: number, id: string, entry: ActivityEntry): { key: string; value: unknown; ttlSeconds: number } {
  return { key: keys.activity(repo, at, id), value: entry, ttlSeconds: ACTIVITY_TTL_SECONDS };
}

/** Newest first, at most `limit` (one KVS query page of at most 100). */
export async function listActivity(store: KeyValueStore, repo: string, limit = 50): Promise<ActivityEntry[]> {
  const page = await store.query<ActivityEntry>({ beginsWith: keys.activityPrefix(repo), limit: Math.min(100, Math.max(1, limit)) });
  return page.results.map((r) => r.value);
}

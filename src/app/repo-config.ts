/**
 * A repository's alert configuration as stored: rules and channel definitions without secrets under
 * `rules:<repo>`, each channel's secret fields apart in the secret store. Workspace defaults have the
 * same shape under `ws:<workspace>` and are inherited when a repository has no rules of its own.
 */
import type { ChannelType } from '../core/channels/channel';
import type { RuleDto } from '../shared/contract';

export interface StoredChannel {
  name: string;
  type: ChannelType;
  /** Non-secret config fields (region, mentions, ...). */
  config: Record<string, unknown>;
  /** Masked hints of the secret fields that are set, e.g. { url: "••••XXXX" }. */
  secretHints: Record<string, string>;
}

export interface RepoConfig {
  version: 1;
  repository: { uuid: string | null; fullName: string | null };
  channels: StoredChannel[];
  rules: RuleDto[];
  /** The rules file's `mentions`: person (e-mail, account id, uuid) → chat handles per tool (core/people.ts). */
  mentions?: import('../core/people').MentionsMap;
  updatedAt: string;
}

/** Channel health, written only when it changes: breaker state and a disable by the vendor (410...). */
export interface ChannelHealth {
  breaker?: import('../core/delivery/breaker').BreakerState;
  disabled?: { reason: string; at: string } | null;
}

export interface Snooze {
  target: { rule: string } | { branch: string };
  until: string | null;
  untilFixed: boolean;
}

export const emptyConfig = (repository: RepoConfig['repository'], now: number): RepoConfig => ({
  version: 1,
  repository,
  channels: [],
  rules: [],
  updatedAt: new Date(now).toISOString(),
});

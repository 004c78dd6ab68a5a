import type { Alert } from '../alerts/alert';
import type { DeliveryOutcome } from '../delivery/outcome';
import type { HttpRequest, HttpResponse } from '../ports';
import type { FieldError, Result } from '../result';
import type { ChannelField, ChannelType } from './channel-types';

export { CHANNEL_TYPES } from './channel-types';
export type { ChannelField, ChannelType, ChannelTypeInfo } from './channel-types';

/** Context a channel may use to build a request; everything else comes from the alert and config. */
export interface BuildContext {
  /** Stable per (alert, channel): vendors that dedupe get it (Standard Webhooks `webhook-id`, Squadcast event id). */
  idempotencyKey: string;
  /** Milliseconds since the epoch (signing timestamps). */
  now: number;
  /** What `classify` remembered for this incident on this channel (Discord message id...). */
  incidentMemo?: Record<string, string>;
  /** Rule that matched, for payloads that carry it. */
  rule: string;
  /** Optional map from Bitbucket account id / uuid / e-mail to a chat handle. */
  mentions?: Record<string, string>;
  /**
   * The alert's people (commit author, who started the run) resolved against the rules files'
   * `mentions` maps (core/people.ts `resolvePeople`). Absent: the alert's people, without handles
   * beyond `mentions` above. Unmapped people are named in plain text, never as a mention.
   */
  people?: readonly import('../people').ResolvedPerson[];
  /** The matched rule's `logTail` option: false keeps the failed step's log out of the message. */
  logTail?: boolean;
}

/**
 * One file per channel under core/channels, listed in registry.ts. Channels are pure: they parse
 * config, build a request and classify a response; core/delivery owns HTTP, retries and the breaker.
 */
export interface Channel<TConfig = Record<string, unknown>> {
  readonly type: ChannelType;
  /** Human name for the settings page. */
  readonly label: string;
  /** An incident tool: a failure opens an incident and the fix resolves it ("Send test alert" then opens and resolves a test incident). */
  readonly opensIncidents?: boolean;
  /** Config fields that carry credentials: stored apart, masked in the UI, redacted in logs. Derived from `fields`. */
  readonly secretFields: readonly string[];
  /** Validates config on save (not on send). Field paths are relative to the channel object. */
  parseConfig(input: unknown): Result<TConfig, FieldError[]>;
  /** Breaker scope, e.g. "slack:hooks.slack.com/services/T000/…"; contains no secret in clear. */
  targetIdentity(config: TConfig): string;
  /** Every URL this channel may call with this config (for the egress check on save). */
  urls(config: TConfig): string[];
  buildRequest(alert: Alert, config: TConfig, ctx: BuildContext): HttpRequest | null;
  classify(response: HttpResponse): DeliveryOutcome;
  /**
   * A second request for the same alert, made after the first was delivered (Discord: editing the
   * failure message notifies nobody, so a short reply follows). Best effort: one try, its result is
   * noted in the delivery log; the first request is never sent again because of it.
   */
  buildFollowUp?(alert: Alert, config: TConfig, ctx: BuildContext, first: { request: HttpRequest; memo?: Record<string, string> }): HttpRequest | null;
  /** A request that checks the channel without posting a message, where the vendor offers one. */
  buildSilentCheck?(config: TConfig, ctx: BuildContext): HttpRequest | null;
  /** How to read the silent check's answer when it differs from `classify` (Slack answers 400 "no_text" to a valid URL). */
  classifySilentCheck?(response: HttpResponse): DeliveryOutcome;
  /**
   * Every config field, in display order, with its label, placeholder and whether it is a secret: the
   * one declaration the settings form, secret storage, masking and redaction all derive from.
   */
  readonly fields: readonly ChannelField[];
}

/** What a channel file writes: everything but `secretFields`, which `defineChannel` derives from `fields`. */
export type ChannelSpec<TConfig> = Omit<Channel<TConfig>, 'secretFields'>;

export function defineChannel<TConfig>(spec: ChannelSpec<TConfig>): Channel<TConfig> {
  return { ...spec, secretFields: spec.fields.filter((f) => f.secret).map((f) => f.name) };
}

/**
 * The channel types and the shape of their settings forms: a leaf module, declared once. The
 * browser contract (src/shared/contract.ts) takes its channel types from here, type-only.
 */
export const CHANNEL_TYPES = [
  'slack', 'teams', 'google-chat', 'discord', 'mattermost',
  'pagerduty', 'opsgenie', 'jsm-ops', 'alertops', 'squadcast', 'webhook',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** One input of the settings form. */
export interface ChannelField {
  name: string;
  label: string;
  /** Write-only: stored in the secret store, shown masked, redacted in logs. */
  secret: boolean;
  required: boolean;
  placeholder?: string;
  options?: string[];
}

/** What the settings page needs to draw a channel type's form. */
export interface ChannelTypeInfo {
  type: ChannelType;
  label: string;
  /** Fields the form shows; `secret` ones are write-only. */
  fields: ChannelField[];
}

/**
 * Every channel, listed by hand: adding one is a new file plus one line here (no folder scan,
 * so bundlers and readers see exactly what ships).
 */
import type { ChannelTypeInfo } from './channel-types';
import type { Channel, ChannelType } from './channel';
import { CHANNEL_TYPES } from './channel';
import { alertops } from './alertops';
import { discord } from './discord';
import { googleChat } from './google-chat';
import { jsmOps } from './jsm-ops';
import { mattermost } from './mattermost';
import { opsgenie } from './opsgenie';
import { pagerduty } from './pagerduty';
import { slack } from './slack';
import { squadcast } from './squadcast';
import { teams } from './teams';
import { webhook } from './webhook';

/** Config types differ per channel; callers go through parseConfig, whose output buildRequest accepts. */
export type AnyChannel = Channel<unknown>;

export const CHANNELS: { readonly [K in ChannelType]: AnyChannel } = {
  slack,
  teams,
  'google-chat': googleChat,
  discord,
  mattermost,
  pagerduty,
  opsgenie,
  'jsm-ops': jsmOps,
  alertops,
  squadcast,
  webhook,
};

export function isChannelType(type: unknown): type is ChannelType {
  return typeof type === 'string' && (CHANNEL_TYPES as readonly string[]).includes(type);
}

/** A known type always has a channel; an arbitrary string (stored data, user input) may not. */
export function getChannel(type: ChannelType): AnyChannel;
export function getChannel(type: string): AnyChannel | undefined;
export function getChannel(type: string): AnyChannel | undefined {
  return isChannelType(type) ? CHANNELS[type] : undefined;
}

/** What the settings form needs to render each channel type. */
export function channelTypeInfo(): ChannelTypeInfo[] {
  return CHANNEL_TYPES.map((type) => {
    const channel = CHANNELS[type];
    return { type, label: channel.label, fields: channel.fields.map((f) => ({ ...f })) };
  });
}

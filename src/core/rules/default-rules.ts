import { ALL_CHANNELS_TOKEN, DEFAULT_BRANCH_TOKEN, RULES_VERSION, type ChannelDefinition, type Rule, type RulesDocument } from './schema';

export const DEFAULT_RULE_NAME = 'main branch failed or fixed';

/**
 * What a repository without a rules file gets: `failed` and `fixed` on the main branch only, never
 * every run. A rule needs channels to do anything, and a repository without rules has not named
 * any, so the default rule targets "@all": every channel the repository defines plus the workspace
 * channels it inherits (the caller passes those as `knownChannels` to `matchRules`). With no
 * channels at all it is a no-op, which is right: there is nowhere to send.
 */
export function defaultRules(): Rule[] {
  return [{
    name: DEFAULT_RULE_NAME,
    on: ['failed', 'fixed'],
    branches: [DEFAULT_BRANCH_TOKEN],
    channels: [ALL_CHANNELS_TOKEN],
    failAfter: 1,
    enabled: true,
  }];
}

/** A document for a repository that has channels (or none) but no rules of its own. */
export function defaultRulesDocument(channels: ChannelDefinition[] = []): RulesDocument {
  return { version: RULES_VERSION, channels, rules: defaultRules() };
}

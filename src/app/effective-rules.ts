/**
 * Which rules and channels apply to a repository: its own configuration, else the workspace
 * defaults it inherits; channels merge (the repository's win by name). With channels but no rules,
 * the default rule applies: failures and fixes of the main branch, never every run.
 */
import { defaultRules, parseRulesObject } from '../core/rules';
import type { RulesDocument } from '../core/rules';
import { mentionsSchema } from '../core/rules/schema';
import type { MentionsMap } from '../core/people';
import { repoKeyFromString } from '../core/storage-keys';
import type { RepoConfig, StoredChannel } from './repo-config';

export interface LoadedConfig {
  repo?: RepoConfig;
  byName?: RepoConfig;
  workspace?: RepoConfig;
}

export interface EffectiveChannel {
  def: StoredChannel;
  /** Secret scope: the repository key, or `ws-<workspace>` for inherited channels. */
  scope: string;
  inherited: boolean;
}

export interface EffectiveRules {
  doc: RulesDocument;
  channels: Map<string, EffectiveChannel>;
  usingDefaults: boolean;
  /**
   * The rules files' `mentions` maps, for core/people.ts `resolvePeople` (the repository's wins per
   * person). Each is absent when not set or not in the current shape (an older flat map is ignored).
   */
  mentions: { workspace?: MentionsMap; repository?: MentionsMap };
}

/** A stored `mentions` value in the rules file's shape, or undefined. */
function storedMentions(raw: unknown): MentionsMap | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = mentionsSchema.safeParse(raw);
  return parsed.success && Object.keys(parsed.data).length > 0 ? (parsed.data as MentionsMap) : undefined;
}

export const workspaceScope = (workspace: string): string => `ws-${workspace.replace(/[{}]/g, '').toLowerCase()}`;

/** Parsed documents are cached by content: parsing is the costliest step of an event. */
const parsedCache = new Map<string, RulesDocument>();
const CACHE_LIMIT = 1000;

function parseCached(cacheKey: string, raw: unknown): RulesDocument | null {
  const hit = parsedCache.get(cacheKey);
  if (hit) return hit;
  const parsed = parseRulesObject(raw);
  if (!parsed.ok) return null;
  if (parsedCache.size >= CACHE_LIMIT) parsedCache.delete(parsedCache.keys().next().value as string);
  parsedCache.set(cacheKey, parsed.value);
  return parsed.value;
}

export function effectiveRules(loaded: LoadedConfig, repo: string, workspace: string | null): EffectiveRules | null {
  const own = loaded.repo ?? loaded.byName;
  const ownScope = loaded.repo ? repo : own ? repoScopeOf(own, repo) : repo;
  const channels = new Map<string, EffectiveChannel>();
  if (loaded.workspace && workspace) {
    for (const def of loaded.workspace.channels) channels.set(def.name, { def, scope: workspaceScope(workspace), inherited: true });
  }
  for (const def of own?.channels ?? []) channels.set(def.name, { def, scope: ownScope, inherited: false });
  if (channels.size === 0) return null;

  const ownRules = own?.rules ?? [];
  const wsRules = loaded.workspace?.rules ?? [];
  const source = ownRules.length ? own! : wsRules.length ? loaded.workspace! : null;
  const rules = source ? source.rules : defaultRules();
  const raw = {
    version: 1,
    channels: [...channels.values()].map((c) => ({ name: c.def.name, type: c.def.type })),
    rules,
  };
  // Keyed by content: two saves within one millisecond must not share an entry.
  const cacheKey = JSON.stringify(raw);
  const doc = parseCached(cacheKey, raw);
  if (!doc) return null;
  const workspaceMentions = storedMentions(loaded.workspace?.mentions);
  const repositoryMentions = storedMentions(own?.mentions);
  return {
    doc,
    channels,
    usingDefaults: !source,
    mentions: { ...(workspaceMentions ? { workspace: workspaceMentions } : {}), ...(repositoryMentions ? { repository: repositoryMentions } : {}) },
  };
}

/** Configs saved by name ("workspace/slug") keep their secrets under that name's key. */
function repoScopeOf(config: RepoConfig, fallback: string): string {
  return config.repository.fullName && !config.repository.uuid
    ? repoKeyFromString(config.repository.fullName)
    : fallback;
}

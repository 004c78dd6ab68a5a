/**
 * Reading and changing a configuration target: a repository (`rules:<repo>`, secrets under the repo
 * key) or workspace defaults (`ws:<workspace>`, secrets under `ws-<workspace>`). Shared by the
 * resolvers and the CLI's `rules import/export`, so both validate with the same schema.
 */
import { mentionProblems, mentionsSchema } from '../core/rules/schema';
import type { MentionsMap } from '../core/people';
import { getChannel } from '../core/channels/registry';
import { checkEgress } from '../core/delivery/egress';
import { MASK, maskSecret } from '../core/delivery/redact';
import type { FieldError, Result } from '../core/result';
import { err, ok } from '../core/result';
import { isMaskedSecret, parseRulesObject, parseRulesText } from '../core/rules';
import { keys } from '../core/storage-keys';
import YAML from 'yaml';
import type { ChannelInput, RuleDto } from '../shared/contract';
import type { AppDeps } from './app-types';
import type { RepoConfig, StoredChannel } from './repo-config';
import { emptyConfig } from './repo-config';
import { forgetConfigured } from './configured-repos';

export interface ConfigTarget {
  /** Storage key of the configuration document. */
  storeKey: string;
  /** Scope channel secrets are filed under. */
  secretScope: string;
  repository: RepoConfig['repository'];
  /** Channels inherited from workspace defaults (rules may reference them). */
  inheritedChannels?: string[];
}

export type ConfigError =
  | { code: 'invalid'; message: string; fields: FieldError[] }
  | { code: 'egress-denied'; message: string; host: string }
  | { code: 'not-found'; message: string };

export async function loadConfig(deps: AppDeps, target: ConfigTarget): Promise<RepoConfig | undefined> {
  return deps.store.get<RepoConfig>(target.storeKey);
}

const invalid = (message: string, fields: FieldError[]): ConfigError => ({ code: 'invalid', message, fields });

const OWN_KEYS = new Set(['name', 'type']);

/** Hints from exportRules ("https://host/…XXXX") or the settings page ("https://host/••••XXXX"); never a real credential. */
const looksMasked = (v: unknown): boolean => isMaskedSecret(v) || (typeof v === 'string' && v.includes(MASK));

/** Validates a channel as the browser or a rules file gives it; secrets left blank keep their stored values. */
export async function prepareChannel(
  deps: AppDeps,
  target: ConfigTarget,
  input: ChannelInput,
  storedName: string | null,
  pathPrefix = '',
): Promise<Result<{ def: StoredChannel; secret: Record<string, unknown> }, ConfigError>> {
  const at = (p: string) => (pathPrefix ? `${pathPrefix}.${p}` : p);
  if (!input || typeof input !== 'object') return err(invalid('channel must be an object', [{ path: at(''), message: 'must be an object' }]));
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!/^[A-Za-z0-9 _.-]{1,64}$/.test(name)) {
    return err(invalid('channel name is invalid', [{ path: at('name'), message: 'use 1-64 letters, digits, spaces, "_", "." or "-"' }]));
  }
  const channel = getChannel(input.type);
  if (!channel) {
    return err(invalid('unknown channel type', [{ path: at('type'), message: `unknown channel type "${String(input.type).slice(0, 40)}"` }]));
  }
  const existingSecret = storedName
    ? ((await deps.secrets.getSecret<Record<string, unknown>>(keys.channelSecret(target.secretScope, storedName))) ?? {})
    : {};
  const merged: Record<string, unknown> = { ...existingSecret };
  for (const [k, v] of Object.entries(input)) {
    if (OWN_KEYS.has(k)) continue;
    // Write-only: blank keeps the stored value, and so does a masked hint (an exported rules file read back in).
    if (channel.secretFields.includes(k) && (v === undefined || v === null || v === '' || looksMasked(v))) continue;
    merged[k] = v;
  }
  let parsed = channel.parseConfig({ ...merged, name, type: input.type });
  // A stored secret the input left blank is kept only if the channel is valid with it: switching a
  // Slack channel from its webhook URL to bot mode (token + channel) drops the old URL.
  const keptKeys = channel.secretFields.filter((k) => k in existingSecret && merged[k] === existingSecret[k]);
  if (!parsed.ok && keptKeys.length > 0) {
    const withoutKept = Object.fromEntries(Object.entries(merged).filter(([k]) => !keptKeys.includes(k)));
    const again = channel.parseConfig({ ...withoutKept, name, type: input.type });
    if (again.ok) {
      parsed = again;
      for (const k of keptKeys) delete merged[k];
    }
  }
  if (!parsed.ok) {
    return err(invalid(`channel "${name}" is invalid`, parsed.error.map((e) => ({ ...e, path: at(e.path) }))));
  }
  // Secrets follow their destination: a stored secret is never sent somewhere it was not entered for.
  const kept = channel.secretFields.filter((k) => k in existingSecret && merged[k] === existingSecret[k]);
  if (storedName && kept.length > 0) {
    const storedDef = (await loadConfig(deps, target))?.channels.find((c) => c.name === storedName);
    const before = storedDef && storedDef.type === channel.type ? channel.parseConfig({ ...storedDef.config, ...existingSecret, name, type: input.type }) : null;
    const destination = (urls: string[]) => urls.map((u) => u.trim()).sort().join('\n');
    if (!before || !before.ok || destination(channel.urls(before.value)) !== destination(channel.urls(parsed.value))) {
      return err(invalid(`channel "${name}": the destination changed, so its secrets must be entered again`, kept.map((k) => ({
        path: at(k), message: 'enter it again: a stored secret is only ever sent to the destination it was entered for',
      }))));
    }
  }
  for (const url of channel.urls(parsed.value)) {
    const allowed = checkEgress(url, deps.egress);
    if (!allowed.ok) {
      const field = channel.secretFields.includes('url') || 'url' in merged ? 'url' : '';
      return err({ code: 'egress-denied', host: allowed.error.host, message: `${field ? at(field) + ': ' : ''}${allowed.error.message}` });
    }
  }
  const config: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  const secretHints: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (channel.secretFields.includes(k)) {
      secret[k] = v;
      secretHints[k] = maskSecret(String(v));
    } else config[k] = v;
  }
  return ok({ def: { name, type: channel.type, config, secretHints }, secret });
}

export async function saveConfig(deps: AppDeps, target: ConfigTarget, config: RepoConfig): Promise<void> {
  await deps.store.set(target.storeKey, { ...config, updatedAt: new Date(deps.clock.now()).toISOString() });
  forgetConfigured(deps);
}

export function validateRules(config: RepoConfig, rules: unknown, inherited: string[] = []): Result<RuleDto[], ConfigError> {
  const doc = {
    version: 1,
    channels: config.channels.map((c) => ({ name: c.name, type: c.type })),
    rules,
  };
  const parsed = parseRulesObject(doc, { knownChannels: inherited });
  if (!parsed.ok) return err(invalid('rules are invalid', parsed.error));
  return ok(rules as RuleDto[]);
}

export async function upsertChannel(
  deps: AppDeps,
  target: ConfigTarget,
  input: ChannelInput,
  previousName?: string,
): Promise<Result<StoredChannel, ConfigError>> {
  const config = (await loadConfig(deps, target)) ?? emptyConfig(target.repository, deps.clock.now());
  const storedName = previousName ?? (config.channels.some((c) => c.name === input?.name) ? (input.name as string) : null);
  if (previousName && !config.channels.some((c) => c.name === previousName)) {
    return err({ code: 'not-found', message: `no channel named "${previousName}"` });
  }
  const prepared = await prepareChannel(deps, target, input, storedName);
  if (!prepared.ok) return prepared;
  const { def, secret } = prepared.value;
  if (def.name !== storedName && config.channels.some((c) => c.name === def.name)) {
    return err(invalid('duplicate channel name', [{ path: 'name', message: `a channel named "${def.name}" already exists` }]));
  }
  const channels = storedName ? config.channels.map((c) => (c.name === storedName ? def : c)) : [...config.channels, def];
  const rules = storedName && storedName !== def.name
    ? config.rules.map((r) => ({ ...r, channels: r.channels.map((c) => (c === storedName ? def.name : c)) }))
    : config.rules;
  await deps.secrets.setSecret(keys.channelSecret(target.secretScope, def.name), secret);
  if (storedName && storedName !== def.name) await deps.secrets.deleteSecret(keys.channelSecret(target.secretScope, storedName));
  await saveConfig(deps, target, { ...config, channels, rules });
  return ok(def);
}

export async function removeChannel(deps: AppDeps, target: ConfigTarget, name: string): Promise<Result<true, ConfigError>> {
  const config = await loadConfig(deps, target);
  if (!config || !config.channels.some((c) => c.name === name)) return err({ code: 'not-found', message: `no channel named "${name}"` });
  const users = config.rules.filter((r) => r.channels.includes(name)).map((r) => `"${r.name}"`);
  if (users.length) {
    return err(invalid(`channel "${name}" is used by rule ${users.join(', ')}; remove it from those rules first`, [{ path: 'name', message: 'in use by rules' }]));
  }
  await deps.secrets.deleteSecret(keys.channelSecret(target.secretScope, name));
  await saveConfig(deps, target, { ...config, channels: config.channels.filter((c) => c.name !== name) });
  return ok(true);
}

/** Replaces the `mentions` map (person → chat handles), validated as the rules file validates it; `{}` clears it. */
export async function replaceMentions(deps: AppDeps, target: ConfigTarget, mentions: unknown): Promise<Result<MentionsMap, ConfigError>> {
  const problems: FieldError[] = mentionProblems(mentions).map(([key, message]) => ({ path: `mentions.${key}`, message }));
  const parsed = mentionsSchema.safeParse(mentions ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ path: ['mentions', ...issue.path.map(String)].join('.'), message: issue.message });
  }
  if (problems.length) return err(invalid('mentions are invalid', problems));
  const config = (await loadConfig(deps, target)) ?? emptyConfig(target.repository, deps.clock.now());
  const map = parsed.data! as MentionsMap;
  const { mentions: _old, ...rest } = config;
  await saveConfig(deps, target, Object.keys(map).length ? { ...rest, mentions: map } : rest);
  return ok(map);
}

export async function replaceRules(deps: AppDeps, target: ConfigTarget, rules: unknown): Promise<Result<RuleDto[], ConfigError>> {
  const config = (await loadConfig(deps, target)) ?? emptyConfig(target.repository, deps.clock.now());
  const valid = validateRules(config, rules, target.inheritedChannels);
  if (!valid.ok) return valid;
  await saveConfig(deps, target, { ...config, rules: valid.value });
  return ok(valid.value);
}

/**
 * Imports a rules file (YAML or JSON): channels with their secrets and rules, all validated before
 * anything is written. Channels missing from the file are removed; secrets left out keep their values.
 */
export async function importRulesText(
  deps: AppDeps,
  target: ConfigTarget,
  text: string,
  fileName = 'rules.yaml',
): Promise<Result<RepoConfig, ConfigError>> {
  const parsed = parseRulesText(text, { fileName, knownChannels: target.inheritedChannels ?? [] });
  if (!parsed.ok) return err(invalid(`${fileName} is invalid`, parsed.error));
  const existing = (await loadConfig(deps, target)) ?? emptyConfig(target.repository, deps.clock.now());
  // Storage keeps the rules as the user wrote them (durations as text); the parsed form only validated them.
  const raw = YAML.parse(text) as { channels?: ChannelInput[]; rules?: RuleDto[]; mentions?: import('../core/people').MentionsMap };
  const prepared: { def: StoredChannel; secret: Record<string, unknown> }[] = [];
  const fieldErrors: FieldError[] = [];
  for (const [i, channel] of (raw.channels ?? []).entries()) {
    const stored = existing.channels.some((c) => c.name === channel.name) ? channel.name : null;
    const result = await prepareChannel(deps, target, channel, stored, `channels[${i}]`);
    if (result.ok) prepared.push(result.value);
    else if (result.error.code === 'invalid') fieldErrors.push(...result.error.fields);
    else fieldErrors.push({ path: `channels[${i}].url`, message: result.error.message });
  }
  if (fieldErrors.length) return err(invalid(`${fileName} is invalid`, fieldErrors));
  const next: RepoConfig = {
    ...existing,
    channels: prepared.map((p) => p.def),
    rules: raw.rules ?? [],
    ...(raw.mentions ? { mentions: raw.mentions } : {}),
  };
  for (const p of prepared) await deps.secrets.setSecret(keys.channelSecret(target.secretScope, p.def.name), p.secret);
  for (const old of existing.channels) {
    if (!prepared.some((p) => p.def.name === old.name)) await deps.secrets.deleteSecret(keys.channelSecret(target.secretScope, old.name));
  }
  await saveConfig(deps, target, next);
  return ok(next);
}

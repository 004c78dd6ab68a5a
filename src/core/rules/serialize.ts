import { Document, isMap, isScalar, isSeq, visit } from 'yaml';
import type { ChannelType } from '../channels/channel';
import type { ChannelDefinition, Rule, RulesDocument } from './schema';

export type SecretMode = 'omit' | 'mask' | 'include';

export interface SerializeOptions {
  /** omit: leave secret fields out (import keeps stored values); mask: show a hint; include: full backup. */
  secrets: SecretMode;
  /**
   * Secret fields per channel type, from the channel registry. Without it a field is treated as secret
   * when its name looks like one (url, secret, token, key, password), which errs on the safe side.
   */
  secretFields?: (type: ChannelType) => readonly string[];
  /** A comment above the document; false for none. */
  header?: string | false;
}

const SECRET_LIKE = /url|secret|token|key|password|auth/i;

export function defaultSecretFields(config: Record<string, unknown>): string[] {
  return Object.keys(config).filter((k) => SECRET_LIKE.test(k));
}

const MASK = '••••';

/**
 * A hint that lets a person recognise a secret without revealing it: the origin of a URL plus its
 * last 4 characters ("https://hooks.slack.com/…XXXX"), else the last 4 characters of long values.
 */
export function maskSecret(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) return MASK;
  const tail = value.length >= 16 ? value.slice(-4) : '';
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return `${url.origin}/…${tail}`;
  } catch {
    // not a URL
  }
  return MASK + tail;
}

/** True for values `maskSecret` produced: an import treats them as "keep the stored secret". */
export function isMaskedSecret(value: unknown): boolean {
  return typeof value === 'string' && (value.startsWith(MASK) || /^https?:\/\/[^/]*\/…/.test(value));
}

/** Splits a channel into what rules storage keeps and the secret fields stored apart (SecretStore). */
export function splitSecrets(
  channel: ChannelDefinition,
  secretFields: readonly string[],
): { channel: ChannelDefinition; secrets: Record<string, unknown> } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(channel.config)) {
    if (secretFields.includes(k)) secrets[k] = v;
    else config[k] = v;
  }
  return { channel: { name: channel.name, type: channel.type, config }, secrets };
}

/** The inverse of `splitSecrets`. Masked or absent secrets are not copied over stored ones. */
export function mergeSecrets(channel: ChannelDefinition, secrets: Record<string, unknown>): ChannelDefinition {
  const config = { ...channel.config };
  for (const [k, v] of Object.entries(secrets)) {
    if (config[k] === undefined || isMaskedSecret(config[k])) config[k] = v;
  }
  return { name: channel.name, type: channel.type, config };
}

function channelOut(ch: ChannelDefinition, options: SerializeOptions): Record<string, unknown> {
  const secret = new Set(options.secretFields ? options.secretFields(ch.type) : defaultSecretFields(ch.config));
  const out: Record<string, unknown> = { name: ch.name, type: ch.type };
  for (const [k, v] of Object.entries(ch.config)) {
    if (v === undefined) continue;
    if (!secret.has(k) || options.secrets === 'include') out[k] = v;
    else if (options.secrets === 'mask') out[k] = maskSecret(v);
  }
  return out;
}

/** Fields in the documented order; defaults (failAfter 1, enabled true) are left out. */
function ruleOut(rule: Rule): Record<string, unknown> {
  const out: Record<string, unknown> = { name: rule.name, on: [...rule.on] };
  if (rule.branches) out.branches = [...rule.branches];
  if (rule.excludeBranches) out.excludeBranches = [...rule.excludeBranches];
  if (rule.builds) out.builds = [...rule.builds];
  out.channels = [...rule.channels];
  if (rule.failAfter !== 1) out.failAfter = rule.failAfter;
  if (rule.remindEvery) out.remindEvery = rule.remindEvery;
  if (rule.groupWait) out.groupWait = rule.groupWait;
  if (rule.quietHours) out.quietHours = { from: rule.quietHours.from, to: rule.quietHours.to, timezone: rule.quietHours.timezone };
  if (rule.enabled === false) out.enabled = false;
  if (rule.logTail === false) out.logTail = false;
  return out;
}

/** Export as YAML that `parseRulesText` reads back to the same document (with `secrets: 'include'`). */
export function serializeRules(doc: RulesDocument, options: SerializeOptions): string {
  const plain: Record<string, unknown> = { version: doc.version };
  if (doc.repository) plain.repository = doc.repository;
  plain.channels = doc.channels.map((ch) => channelOut(ch, options));
  plain.rules = doc.rules.map(ruleOut);
  if (doc.mentions && Object.keys(doc.mentions).length > 0) {
    plain.mentions = Object.fromEntries(Object.entries(doc.mentions).map(([person, handles]) => [person, { ...handles }]));
  }
  const yaml = new Document(plain);
  // Short lists of words read best inline: `on: [failed, fixed]`.
  visit(yaml, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((i) => isScalar(i))) node.flow = true;
    },
    Pair(_, pair) {
      if (!isScalar(pair.key)) return;
      // Quoted so YAML 1.1 tools do not read 22:00 as the base-60 number 1320.
      if ((pair.key.value === 'from' || pair.key.value === 'to') && isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
      if (pair.key.value === 'quietHours' && isMap(pair.value)) pair.value.flow = true;
      // Numeric Discord ids must stay strings (a YAML number would lose digits).
      if (pair.key.value === 'discord' && isScalar(pair.value)) pair.value.type = 'QUOTE_DOUBLE';
    },
  });
  const header = options.header === false ? null : options.header ?? defaultHeader(options.secrets);
  if (header) yaml.commentBefore = header;
  return yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function defaultHeader(mode: SecretMode): string {
  const base = ' Build Alerts for Bitbucket rules (format version 1).';
  if (mode === 'omit') return `${base}\n Secret channel fields are left out; importing this file keeps the stored ones.`;
  if (mode === 'mask') return `${base}\n Secret channel fields are masked; importing this file keeps the stored ones.`;
  return `${base}\n This file contains channel secrets (webhook URLs, keys): store it like a password.`;
}

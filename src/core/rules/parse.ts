import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ZodIssue } from 'zod';
import { CHANNEL_TYPES, type ChannelType } from '../channels/channel';
import { err, ok, type FieldError, type Result } from '../result';
import {
  ALL_CHANNELS_TOKEN, CHANNEL_NAME, describeValue, documentSchema, MENTION_KEYS, mentionProblems, QUIET_HOURS_KEYS, RULE_KEYS, suggest, TOP_LEVEL_KEYS,
  type ChannelDefinition, type Rule, type RulesDocument,
} from './schema';

export interface ParseRulesOptions {
  /** Not needed to parse; lets callers pass one options object to `formatFieldErrors`. Default "rules.yaml". */
  fileName?: string;
  /** Channels defined elsewhere (workspace defaults) that rules may name without defining them. */
  knownChannels?: readonly string[];
  /**
   * The channel registry's per-type check of a channel's config (every field but name and type).
   * Paths in the returned errors are relative to the channel ("url"). Without it only name and type are checked.
   */
  validateChannel?: (type: ChannelType, config: Record<string, unknown>) => FieldError[];
}

type Segment = string | number;

/** A problem found before it is placed in the text: `onKey` points at the key rather than its value. */
interface Issue {
  segments: Segment[];
  message: string;
  onKey?: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** ["rules", 0, "on", 1] → "rules[0].on[1]". */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** "rules.yaml:9:9: rules[0].on[1]: unknown event \"exploded\"", the shape editors and CI logs link. */
export function formatFieldError(fileName: string, e: FieldError): string {
  const where = e.line !== undefined ? `${fileName}:${e.line}:${e.column ?? 1}` : fileName;
  return e.path ? `${where}: ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

/** Every error as a printable line, for the CLI and logs. */
export function formatFieldErrors(errors: readonly FieldError[], options: Pick<ParseRulesOptions, 'fileName'> = {}): string[] {
  return errors.map((e) => formatFieldError(options.fileName ?? 'rules.yaml', e));
}

/** Unknown channel names reported one by one; beyond this, one summary line. */
const MAX_UNKNOWN_CHANNEL_ERRORS = 20;

function allowedKeys(segments: readonly Segment[]): readonly string[] {
  if (segments.length === 0) return TOP_LEVEL_KEYS;
  if (segments.length === 2 && segments[0] === 'rules') return RULE_KEYS;
  if (segments.length === 3 && segments[0] === 'rules' && segments[2] === 'quietHours') return QUIET_HOURS_KEYS;
  if (segments.length === 2 && segments[0] === 'mentions') return MENTION_KEYS;
  return [];
}

function zodIssues(issues: readonly ZodIssue[]): Issue[] {
  const out: Issue[] = [];
  for (const iss of issues) {
    const segments = iss.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Segment[];
    if (iss.code === 'unrecognized_keys') {
      const allowed = allowedKeys(segments);
      for (const key of iss.keys) {
        const hint = suggest(key, allowed);
        out.push({
          segments: [...segments, key],
          onKey: true,
          message: `unknown key ${JSON.stringify(key)}${hint ? ` (did you mean "${hint}"?)` : ''}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ''}`,
        });
      }
    } else {
      out.push({ segments, message: iss.message });
    }
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function channelConfig(channel: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, type: _type, ...config } = channel;
  return config;
}

/** Checks zod cannot express per field: unique names, channel references, per-type channel config. */
function crossCheck(input: unknown, options: ParseRulesOptions, typeIsValid: (t: unknown) => boolean): Issue[] {
  if (!isRecord(input)) return [];
  const out: Issue[] = [];
  const defined = new Map<string, number>();
  const channels = Array.isArray(input.channels) ? input.channels : [];
  channels.forEach((ch: unknown, i) => {
    if (!isRecord(ch) || typeof ch.name !== 'string' || !CHANNEL_NAME.test(ch.name)) return;
    const first = defined.get(ch.name);
    if (first !== undefined) {
      out.push({ segments: ['channels', i, 'name'], message: `duplicate channel name ${JSON.stringify(ch.name)} (first defined at channels[${first}])` });
      return;
    }
    defined.set(ch.name, i);
    if (options.validateChannel && typeIsValid(ch.type)) {
      for (const e of options.validateChannel(ch.type as ChannelType, channelConfig(ch))) {
        out.push({ segments: ['channels', i, ...e.path.split('.').filter(Boolean)], message: e.message });
      }
    }
  });
  for (const [key, message] of mentionProblems(input.mentions)) out.push({ segments: ['mentions', key], message, onKey: true });
  const known = new Set(options.knownChannels ?? []);
  const ruleNames = new Map<string, number>();
  const rules = Array.isArray(input.rules) ? input.rules : [];
  const reportedUnknown = new Set<string>();
  rules.forEach((rule: unknown, i) => {
    if (!isRecord(rule)) return;
    if (typeof rule.name === 'string') {
      const first = ruleNames.get(rule.name);
      if (first !== undefined) {
        out.push({ segments: ['rules', i, 'name'], message: `duplicate rule name ${JSON.stringify(rule.name)} (first used at rules[${first}])` });
      } else {
        ruleNames.set(rule.name, i);
      }
    }
    if (!Array.isArray(rule.channels)) return;
    rule.channels.forEach((name: unknown, k) => {
      if (typeof name !== 'string' || name.trim() === '' || name === ALL_CHANNELS_TOKEN) return;
      if (defined.has(name) || known.has(name)) return;
      // One error per unknown name (not per use), and a bounded list: a hostile file stays a short answer.
      if (reportedUnknown.has(name)) return;
      reportedUnknown.add(name);
      if (reportedUnknown.size > MAX_UNKNOWN_CHANNEL_ERRORS) return;
      const candidates = [...defined.keys(), ...known];
      const hint = suggest(name, candidates);
      const shown = candidates.slice(0, 10).join(', ') + (candidates.length > 10 ? `, and ${candidates.length - 10} more` : '');
      out.push({
        segments: ['rules', i, 'channels', k],
        message: `unknown channel ${describeValue(name)}${hint ? ` (did you mean "${hint}"?)` : ''}; define it under channels${candidates.length ? ` (defined: ${shown})` : ''}`,
      });
    });
  });
  if (reportedUnknown.size > MAX_UNKNOWN_CHANNEL_ERRORS) {
    out.push({ segments: ['rules'], message: `and ${reportedUnknown.size - MAX_UNKNOWN_CHANNEL_ERRORS} more unknown channel names` });
  }
  return out;
}

function validate(input: unknown, options: ParseRulesOptions): Result<RulesDocument, Issue[]> {
  const parsed = documentSchema.safeParse(input);
  const channelTypeOk = (t: unknown) => typeof t === 'string' && (CHANNEL_TYPES as readonly string[]).includes(t);
  const issues = [...(parsed.success ? [] : zodIssues(parsed.error.issues)), ...crossCheck(input, options, channelTypeOk)];
  if (issues.length > 0 || !parsed.success) return err(issues);
  const data = parsed.data;
  const doc: RulesDocument = {
    version: data.version,
    ...(data.repository !== undefined ? { repository: data.repository } : {}),
    channels: (data.channels ?? []).map((ch): ChannelDefinition => ({ name: ch.name, type: ch.type, config: channelConfig(ch) })),
    rules: (data.rules ?? []).map((r) => stripUndefined(r) as Rule),
    ...(data.mentions !== undefined ? { mentions: Object.fromEntries(Object.entries(data.mentions).map(([k, v]) => [k.trim(), stripUndefined(v)])) } : {}),
  };
  return ok(doc);
}

function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const toFieldError = (issue: Issue): FieldError => ({ path: formatPath(issue.segments), message: issue.message });

/** Validates an already-parsed object (JSON body, resolver payload). Errors carry paths, no lines. */
export function parseRulesObject(input: unknown, options: ParseRulesOptions = {}): Result<RulesDocument, FieldError[]> {
  const result = validate(input, options);
  return result.ok ? result : err(result.error.map(toFieldError));
}

interface Position { line: number; column: number }

/** Finds where a path points in the YAML text: the value node, the key for `onKey`, or the nearest existing parent. */
function locate(root: YamlNode | null, segments: readonly Segment[], onKey: boolean, pos: (offset: number) => Position): Position | undefined {
  const at = (node: unknown): Position | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? pos(range[0]) : undefined;
  };
  let node: unknown = root;
  let last = at(root);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const final = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return last;
      if (final && onKey) return at(pair.key) ?? last;
      if (pair.value === null || pair.value === undefined) return at(pair.key) ?? last;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined || item === null) return last;
      node = item;
    } else {
      return last;
    }
    last = at(node) ?? last;
  }
  return last;
}

/**
 * Parses YAML (or JSON, which is YAML) and validates it. Every error carries the 1-based line and
 * column of the offending node, so `formatFieldError` prints "rules.yaml:9:9: rules[0].on[1]: ...".
 */
export function parseRulesText(text: string, options: ParseRulesOptions = {}): Result<RulesDocument, FieldError[]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    return err(doc.errors.map((e) => {
      const p = pos(e.pos[0]);
      return { path: '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), line: p.line, column: p.column };
    }));
  }
  if (doc.contents === null) {
    return err([{ path: '', message: 'the file is empty; expected a rules document starting with "version: 1"', line: 1, column: 1 }]);
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return err([{ path: '', message: `cannot read the document: ${(e as Error).message}`, line: 1, column: 1 }]);
  }
  const result = validate(input, options);
  if (result.ok) return result;
  const located = result.error.map((issue) => {
    const p = locate(doc.contents as YamlNode, issue.segments, issue.onKey === true, pos);
    return { ...toFieldError(issue), ...(p ? { line: p.line, column: p.column } : {}) };
  });
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return err(located);
}

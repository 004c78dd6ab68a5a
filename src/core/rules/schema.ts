import { globProblem } from './glob';
import { z } from 'zod';
import { RULE_EVENTS, type RuleEvent } from '../alerts/alert';
import { CHANNEL_TYPES, type ChannelType } from '../channels/channel';
import { GROUP_WAIT_BOUNDS, parseBoundedDuration, parseDuration, REMIND_EVERY_BOUNDS } from './durations';
import { isValidTimeZone, parseClock, type QuietHours } from './quiet-hours';
import { handleProblem, isPersonKey, MENTION_TARGETS, type MentionsMap, type MentionTarget } from '../people';

/**
 * The public rules format, version 1 (README "Rules file"). Every leaf has its own message so a
 * wrong value reads "failAfter: expected a whole number ≥ 1, got \"three\"", not a generic zod text.
 * Objects are strict: a misspelt key is an error, never silently ignored.
 */
export const RULES_VERSION = 1 as const;
/** In `branches`: the repository's main branch. */
export const DEFAULT_BRANCH_TOKEN = '@default';
/** In a rule's `channels`: every channel of the repository plus the inherited workspace channels. */
export const ALL_CHANNELS_TOKEN = '@all';

export const RULE_EVENT_LIST = Object.keys(RULE_EVENTS) as RuleEvent[];

export interface ChannelDefinition {
  name: string;
  type: ChannelType;
  /** Every other field of the channel as written (url, secret, routing key...); the registry validates it. */
  config: Record<string, unknown>;
}

export interface Rule {
  name: string;
  on: RuleEvent[];
  /** Branch globs; "@default" is the main branch; absent = every branch. */
  branches?: string[];
  excludeBranches?: string[];
  /** Globs on the build key or name; absent = every build. */
  builds?: string[];
  /** Channel names, or "@all". */
  channels: string[];
  /** Failures in a row before the first alert; 1 when not written. */
  failAfter: number;
  /** Duration text as written ("4h"); see `remindEveryMs`. */
  remindEvery?: string;
  groupWait?: string;
  quietHours?: QuietHours;
  /** True when not written. */
  enabled: boolean;
  /** False: alerts of this rule leave the failed step's log out. Absent = shown. */
  logTail?: boolean;
}

export interface RulesDocument {
  version: typeof RULES_VERSION;
  /** "{uuid}" or "workspace/slug"; informative on import, the storage key decides the repository. */
  repository?: string;
  channels: ChannelDefinition[];
  rules: Rule[];
  /** Person (e-mail, account id or uuid) → chat handles, for mentions (core/people.ts). */
  mentions?: MentionsMap;
}

export const TOP_LEVEL_KEYS = ['version', 'repository', 'channels', 'rules', 'mentions'] as const;
export const RULE_KEYS = [
  'name', 'on', 'branches', 'excludeBranches', 'builds', 'channels', 'failAfter', 'remindEvery',
  'groupWait', 'quietHours', 'enabled', 'logTail',
] as const;
/** Keys of one person's entry under `mentions`. */
export const MENTION_KEYS = MENTION_TARGETS;
export const QUIET_HOURS_KEYS = ['from', 'to', 'timezone'] as const;

export const CHANNEL_NAME = /^[A-Za-z0-9 _.\-]{1,64}$/;
const REPOSITORY = /^(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}|[^\s/{}]+\/[^\s/{}]+)$/;
const MAX_PATTERN = 255;
export const MAX_FAIL_AFTER = 100;

/**
 * How a wrong value is shown in a message: short strings quoted, containers named. URLs and long
 * unbroken text are not echoed: a webhook URL or key pasted into the wrong field must not end up in
 * an error message, a log or a resolver response.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) return 'a URL';
    if (value.length > 40 && !/\s/.test(value)) return `a ${value.length}-character value`;
    return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const expected = (what: string, input: unknown): string =>
  input === undefined ? `required: expected ${what}` : `expected ${what}, got ${describeValue(input)}`;

/** Edit distance counting a swap of neighbours as one edit, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** "Did you mean" looks at this many candidates, of this length at most: hints must stay cheap for any input. */
const SUGGEST_MAX_CANDIDATES = 100;
const SUGGEST_MAX_LENGTH = 64;

export function suggest(input: string, candidates: readonly string[]): string | null {
  if (input.length > SUGGEST_MAX_LENGTH) return null;
  const lower = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates.slice(0, SUGGEST_MAX_CANDIDATES)) {
    // A length difference beyond the limit can never be close enough: skip the quadratic distance.
    if (c.length > SUGGEST_MAX_LENGTH || Math.abs(c.length - input.length) > limit) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(input.length / 3)) ? best : null;
}

const didYouMean = (input: string, candidates: readonly string[]): string => {
  const s = suggest(input, candidates);
  return s ? ` (did you mean "${s}"?)` : '';
};

/** A schema for one value, checked by `check`, which returns the message or null when valid. */
function leaf<T>(check: (value: unknown) => string | null) {
  return z.custom<T>((v) => check(v) === null, { error: (iss) => check(iss.input) ?? 'invalid value' });
}

const list = <T extends z.ZodType>(item: T, what: string, emptyMessage?: string) => {
  const schema = z.array(item, { error: (iss) => (iss.code === 'invalid_type' ? expected(what, iss.input) : undefined) });
  return emptyMessage ? schema.min(1, { error: emptyMessage }) : schema;
};

const pattern = (what: string) =>
  leaf<string>((v) => {
    if (!(typeof v === 'string' && v.trim() !== '' && v.length <= MAX_PATTERN && !/[\r\n]/.test(v))) return expected(what, v);
    const problem = globProblem(v);
    return problem ? `${describeValue(v)}: ${problem}` : null;
  });

const eventName = leaf<RuleEvent>((v) => {
  if (typeof v !== 'string') return expected('an event name', v);
  if ((RULE_EVENT_LIST as string[]).includes(v)) return null;
  return `unknown event ${describeValue(v)}${didYouMean(v, RULE_EVENT_LIST)}; expected one of: ${RULE_EVENT_LIST.join(', ')}`;
});

const channelType = leaf<ChannelType>((v) => {
  if (typeof v !== 'string') return expected('a channel type', v);
  if ((CHANNEL_TYPES as readonly string[]).includes(v)) return null;
  return `unknown channel type ${describeValue(v)}${didYouMean(v, CHANNEL_TYPES)}; expected one of: ${CHANNEL_TYPES.join(', ')}`;
});

const channelName = leaf<string>((v) =>
  typeof v === 'string' && CHANNEL_NAME.test(v)
    ? null
    : expected('a channel name of 1-64 letters, digits, spaces, "_", "." or "-"', v));

const duration = (bounds: typeof REMIND_EVERY_BOUNDS) =>
  leaf<string>((v) => {
    if (typeof v !== 'string') return expected('a duration like 30s, 5m, 4h or 1d', v);
    const parsed = parseBoundedDuration(v, bounds);
    return parsed.ok ? null : parsed.error;
  });

const clock = leaf<string>((v) =>
  typeof v === 'string' && parseClock(v) !== null ? null : expected('a 24-hour time "HH:MM" such as "22:00"', v));

const timeZone = leaf<string>((v) => {
  if (typeof v !== 'string') return expected('an IANA time zone such as "Europe/Berlin" or "UTC"', v);
  return isValidTimeZone(v) ? null : `unknown time zone ${describeValue(v)}; expected an IANA name such as "Europe/Berlin" or "UTC"`;
});

const quietHoursSchema = z
  .strictObject(
    { from: clock, to: clock, timezone: timeZone },
    { error: (iss) => (iss.code === 'invalid_type' ? expected('quiet hours such as { from: "22:00", to: "07:00", timezone: "Europe/Berlin" }', iss.input) : undefined) },
  )
  .superRefine((q, ctx) => {
    if (parseClock(q.from) === parseClock(q.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'quiet hours must end at a different time than they start' });
    }
  });

export const ruleSchema = z.strictObject(
  {
    name: leaf<string>((v) =>
      typeof v === 'string' && v.trim() !== '' && v.length <= 100 ? null : expected('a rule name of 1-100 characters', v)),
    on: list(eventName, 'a list of events such as [failed, fixed]', 'expected at least one event, such as [failed, fixed]'),
    branches: list(pattern('a branch pattern such as "main", "release/**" or "@default"'), 'a list of branch patterns',
      'expected at least one branch pattern (leave branches out to match every branch)').optional(),
    excludeBranches: list(pattern('a branch pattern such as "main", "release/**" or "@default"'), 'a list of branch patterns').optional(),
    builds: list(pattern('a build key or name pattern such as "*"'), 'a list of build key or name patterns',
      'expected at least one build pattern (leave builds out to match every build)').optional(),
    channels: list(
      leaf<string>((v) => (typeof v === 'string' && v.trim() !== '' ? null : expected('a channel name', v))),
      'a list of channel names', 'expected at least one channel name'),
    failAfter: leaf<number>((v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return expected('a whole number ≥ 1', v);
      return v > MAX_FAIL_AFTER ? expected(`a whole number ≤ ${MAX_FAIL_AFTER}`, v) : null;
    }).optional().transform((v) => v ?? 1),
    remindEvery: duration(REMIND_EVERY_BOUNDS).optional(),
    groupWait: duration(GROUP_WAIT_BOUNDS).optional(),
    quietHours: quietHoursSchema.optional(),
    enabled: leaf<boolean>((v) => (typeof v === 'boolean' ? null : expected('true or false', v)))
      .optional().transform((v) => v ?? true),
    logTail: leaf<boolean>((v) => (typeof v === 'boolean' ? null : expected('true or false (false leaves the failed step\'s log out of alerts)', v))).optional(),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? expected('a rule (a mapping with name, on and channels)', iss.input) : undefined) },
);

/** A channel keeps unknown fields: they are its config, validated by the channel registry. */
export const channelSchema = z.looseObject(
  { name: channelName, type: channelType },
  { error: (iss) => (iss.code === 'invalid_type' ? expected('a channel (a mapping with name and type)', iss.input) : undefined) },
);

const handle = (target: MentionTarget) => leaf<string>((v) => handleProblem(target, v)).transform((v) => v.trim());

const personHandlesSchema = z
  .strictObject(
    Object.fromEntries(MENTION_TARGETS.map((t) => [t, handle(t).optional()])) as Record<MentionTarget, z.ZodOptional<ReturnType<typeof handle>>>,
    { error: (iss) => (iss.code === 'invalid_type' ? expected(`a mapping of chat handles such as { slack: "U024BE7LH", teams: "jane@acme.example" } (keys: ${MENTION_TARGETS.join(', ')})`, iss.input) : undefined) },
  )
  .superRefine((entry, ctx) => {
    if (MENTION_TARGETS.every((t) => entry[t] === undefined)) {
      ctx.addIssue({ code: 'custom', message: `expected at least one handle (${MENTION_TARGETS.join(', ')})` });
    }
  });

/** Values are checked here; keys (who) and duplicates in `mentionProblems`, which also runs when a value is wrong. */
export const mentionsSchema = z.record(z.string(), personHandlesSchema, {
  error: (iss) => (iss.code === 'invalid_type' ? expected('a mapping from e-mail or Bitbucket account id to chat handles', iss.input) : undefined),
});

/** Problems with the people named under `mentions`: [key, message]. */
export function mentionProblems(map: unknown): [string, string][] {
  if (!map || typeof map !== 'object' || Array.isArray(map)) return [];
  const out: [string, string][] = [];
  const seen = new Map<string, string>();
  for (const key of Object.keys(map)) {
    if (!isPersonKey(key)) {
      out.push([key, `expected an e-mail address, an Atlassian account id (such as "557058:0f1e2d3c-…" or 24 hex digits) or a Bitbucket user uuid, got ${describeValue(key)}`]);
      continue;
    }
    const norm = key.trim().toLowerCase().replace(/^\{(.*)\}$/, '$1');
    const first = seen.get(norm);
    if (first !== undefined) out.push([key, `the same person as ${JSON.stringify(first)}; keep one entry`]);
    else seen.set(norm, key);
  }
  return out;
}

export const documentSchema = z.strictObject(
  {
    version: leaf<1>((v) => (v === RULES_VERSION ? null : v === undefined ? 'required: add "version: 1"' : expected('1', v))),
    repository: leaf<string>((v) =>
      typeof v === 'string' && REPOSITORY.test(v) ? null : expected('"{uuid}" or "workspace/slug"', v)).optional(),
    channels: list(channelSchema, 'a list of channels').optional(),
    rules: list(ruleSchema, 'a list of rules').optional(),
    mentions: mentionsSchema.optional(),
  },
  { error: (iss) => (iss.code === 'invalid_type' ? expected('a rules document (a mapping with version, channels and rules)', iss.input) : undefined) },
);

/** `remindEvery` in milliseconds, or null when the rule does not remind. */
export function remindEveryMs(rule: Pick<Rule, 'remindEvery'>): number | null {
  if (!rule.remindEvery) return null;
  const d = parseDuration(rule.remindEvery);
  return d.ok ? d.value : null;
}

/** `groupWait` in milliseconds; 0 when absent. */
export function groupWaitMs(rule: Pick<Rule, 'groupWait'>): number {
  if (!rule.groupWait) return 0;
  const d = parseDuration(rule.groupWait);
  return d.ok ? d.value : 0;
}

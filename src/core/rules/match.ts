import { compileGlob } from './glob';
import { RULE_EVENTS, retyped, type Alert, type AlertType } from '../alerts/alert';
import { alertId } from '../alerts/identity';
import { quietHoursDelay } from './quiet-hours';
import { ALL_CHANNELS_TOKEN, DEFAULT_BRANCH_TOKEN, type Rule, type RulesDocument } from './schema';

export interface MatchOptions {
  /** The repository's main branch; when unknown, "@default" stands for "main" and "master". */
  mainBranch: string | null | undefined;
  /** Milliseconds since the epoch, for quiet hours. */
  now: number;
  /** Inherited workspace channels, included when a rule names "@all". */
  knownChannels?: readonly string[];
}

export interface RuleMatch {
  rule: Rule;
  /** Channel names to deliver to ("@all" expanded, duplicates removed). */
  channels: string[];
  /**
   * The alert to send for this rule. Usually the input; with `failAfter: N` > 1 the Nth failure
   * (raised as still-failing) is sent as build.failed to rules that listen for `failed`.
   */
  alert: Alert;
  /** Hold this long before sending (quiet hours); 0 = now. */
  quietForMs: number;
}

const FALLBACK_MAIN = ['main', 'master'];
/** Alert types whose `ref` is a branch; tags and deployments are not filtered by branch. */
const BRANCH_TYPES = new Set<AlertType>([
  'build.failed', 'build.still-failing', 'build.fixed', 'build.stopped', 'build.started',
  'push', 'pr.opened', 'pr.merged', 'pr.declined',
]);

const matcherCache = new Map<string, (s: string) => boolean>();

/**
 * Branch globs use picomatch's syntax, matched in linear time by glob.ts: `*` stays within one path segment, `**` crosses them
 * ("release/**" matches "release/1.2"). Build patterns treat "/" as an ordinary character, since
 * build names such as "Pipeline #4 for feature/x" contain slashes and "*" should mean every build.
 */
function matcher(pattern: string, kind: 'branch' | 'build'): (s: string) => boolean {
  const cacheKey = `${kind}\n${pattern}`;
  let m = matcherCache.get(cacheKey);
  if (!m) {
    // Linear-time matching (glob.ts): a saved pattern can never cost more than pattern × name per event.
    m = compileGlob(pattern, kind) ?? (() => false);
    if (matcherCache.size > 1000) matcherCache.clear();
    matcherCache.set(cacheKey, m);
  }
  return m;
}

function matchesAnyBranch(patterns: readonly string[], branch: string, mainBranch: string | null | undefined): boolean {
  return patterns.some((p) =>
    p === DEFAULT_BRANCH_TOKEN ? (mainBranch ? branch === mainBranch : FALLBACK_MAIN.includes(branch)) : matcher(p, 'branch')(branch));
}

/** Include globs (absent = every branch), then exclusions, which win. */
export function branchMatches(
  branches: readonly string[] | undefined, excludes: readonly string[] | undefined,
  branch: string, mainBranch: string | null | undefined,
): boolean {
  if (branches && !matchesAnyBranch(branches, branch, mainBranch)) return false;
  return !(excludes && matchesAnyBranch(excludes, branch, mainBranch));
}

/** For the settings page's live preview: which of these branches the globs select. */
export function previewBranches(
  globs: readonly string[] | undefined, excludes: readonly string[] | undefined,
  branches: readonly string[], mainBranch: string | null | undefined,
): string[] {
  return branches.filter((b) => branchMatches(globs && globs.length > 0 ? globs : undefined, excludes, b, mainBranch));
}

export function buildMatches(patterns: readonly string[] | undefined, build: { key: string | null; name: string | null }): boolean {
  if (!patterns) return true;
  return patterns.some((p) => {
    const m = matcher(p, 'build');
    return (build.key !== null && m(build.key)) || (build.name !== null && m(build.name));
  });
}

const listensFor = (rule: Rule, type: AlertType): boolean => rule.on.some((e) => RULE_EVENTS[e] === type);

/**
 * The type this rule sends the alert as, or null when it does not send it. `failAfter` gates the
 * failure alerts of builds: fewer failures in a row than failAfter send nothing, the failAfter-th is
 * the rule's "failed", and a fix goes out only when the streak had reached failAfter (so the fix
 * always follows a failure alert this rule sent).
 */
function effectiveType(rule: Rule, alert: Alert): AlertType | null {
  const count = alert.failures?.count ?? 1;
  switch (alert.type) {
    case 'build.failed':
      return count >= rule.failAfter && listensFor(rule, 'build.failed') ? 'build.failed' : null;
    case 'build.still-failing':
      if (count < rule.failAfter) return null;
      if (count === rule.failAfter && rule.failAfter > 1 && !alert.reminder && listensFor(rule, 'build.failed')) return 'build.failed';
      return listensFor(rule, 'build.still-failing') ? 'build.still-failing' : null;
    case 'build.fixed':
      return count >= rule.failAfter && listensFor(rule, 'build.fixed') ? 'build.fixed' : null;
    default:
      return listensFor(rule, alert.type) ? alert.type : null;
  }
}

/** The rule's channels with "@all" expanded to the document's channels and the inherited ones. */
export function ruleChannels(doc: RulesDocument, rule: Rule, knownChannels: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const name of rule.channels) {
    if (name === ALL_CHANNELS_TOKEN) {
      for (const ch of doc.channels) out.add(ch.name);
      for (const k of knownChannels) out.add(k);
    } else {
      out.add(name);
    }
  }
  return [...out];
}

/** Does this rule select this alert, ignoring the event type? (enabled, branch, build filters) */
export function ruleSelects(rule: Rule, alert: Alert, mainBranch: string | null | undefined): boolean {
  if (!rule.enabled) return false;
  if (BRANCH_TYPES.has(alert.type) && (rule.branches || rule.excludeBranches)) {
    if (alert.ref === null) {
      if (rule.branches) return false;
    } else if (!branchMatches(rule.branches, rule.excludeBranches, alert.ref, mainBranch)) {
      return false;
    }
  }
  if (alert.build && !buildMatches(rule.builds, alert.build)) return false;
  return true;
}

/**
 * Why no rule sends this alert: `fail-after` when a rule would, once the streak reaches its
 * failAfter; `no-matching-rule` otherwise. Pure; for the activity record.
 */
export function noMatchReason(doc: RulesDocument, alert: Alert, options: Pick<MatchOptions, 'mainBranch'>): 'fail-after' | 'no-matching-rule' {
  const count = alert.failures?.count ?? 1;
  const waiting = doc.rules.some((rule) =>
    ruleSelects(rule, alert, options.mainBranch) && count < rule.failAfter &&
    (alert.type === 'build.failed' || alert.type === 'build.still-failing') &&
    (listensFor(rule, 'build.failed') || listensFor(rule, 'build.still-failing')));
  return waiting ? 'fail-after' : 'no-matching-rule';
}

/**
 * Every enabled rule that sends this alert, with its channels and quiet-hours hold. Pure. Reminders
 * (alert.reminder) come from `dueReminder` for one rule and are sent to that rule's channels directly.
 */
export function matchRules(doc: RulesDocument, alert: Alert, options: MatchOptions): RuleMatch[] {
  const out: RuleMatch[] = [];
  for (const rule of doc.rules) {
    if (!ruleSelects(rule, alert, options.mainBranch)) continue;
    const type = effectiveType(rule, alert);
    if (type === null) continue;
    const channels = ruleChannels(doc, rule, options.knownChannels);
    if (channels.length === 0) continue;
    const sent = type === alert.type ? alert : retyped(alert, type, alertId(alert.incidentKey, type, alert.occurredAt, alert.build?.commit ?? null));
    out.push({ rule, channels, alert: sent, quietForMs: quietHoursDelay(rule, options.now) });
  }
  return out;
}

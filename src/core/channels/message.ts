/**
 * What an alert says, once, for every channel: headline wording, facts people act on (repository,
 * branch, build, commit, author), links, grouped builds and the test marker. Channels lay these out
 * in their own format (Block Kit, Adaptive Card, cardsV2, embeds...) with the markup helpers below.
 */
import type { Alert, AlertType, GroupedBuild } from '../alerts/alert';
import type { BuildInfo, Person } from '../events/repo-event';
import { personEmail, resolvePeople, type MentionTarget, type PersonRole, type ResolvedPerson } from '../people';
import type { BuildContext } from './channel';
import { byteLength, truncate } from './channel-support';

export type Tone = 'danger' | 'success' | 'warning' | 'info' | 'neutral';

export interface MessageFact {
  label: string;
  value: string;
  url?: string | null;
  /** A person's handle on this channel, shown as a mention after the value. */
  handle?: string | null;
}

export interface MessageAuthor {
  name: string;
  /** The handle from the mentions map (vendor user id or name), formatted by the channel. */
  handle: string | null;
}

/** Someone to ask: the commit author, who started the run. */
export interface MessagePerson {
  name: string;
  roles: PersonRole[];
  /** Handle on the channel being built for (mentions map, else the channel's own `mentions` config). */
  handle: string | null;
}

export interface MessageLogTail {
  lines: string[];
  truncated: boolean;
  step: string | null;
}

export interface MessageGroupItem {
  text: string;
  url: string | null;
  tone: Tone;
}

export interface AlertMessage {
  tone: Tone;
  emoji: string;
  /** Plain one-liner: "[Test] acme/widgets: Pipeline #42 for main failed". */
  title: string;
  /** The same without the repository: "Pipeline #42 for main failed". */
  headline: string;
  repository: string;
  repositoryUrl: string | null;
  ref: string | null;
  facts: MessageFact[];
  commit: { short: string; message: string | null; url: string | null } | null;
  author: MessageAuthor | null;
  /** Everyone the alert names, author first; `handle` set for those with a mention on this channel. */
  people: MessagePerson[];
  /** The end of the failed step's log, unless the rule turned it off (`logTail: false`). */
  logTail: MessageLogTail | null;
  /** Other builds of the same commit folded into this alert. */
  group: MessageGroupItem[];
  /** Builds beyond the listed ones. */
  groupOmitted: number;
  links: { text: string; url: string }[];
  test: boolean;
}

/** Commit message first lines, names and branch names are cut here so every layout stays bounded. */
const MAX_COMMIT_LINE = 300;
const MAX_VALUE = 500;
const MAX_GROUP_ITEMS = 20;

const TONE_COLORS: Record<Tone, string> = {
  danger: '#D93F3C',
  success: '#2EB67D',
  warning: '#E8912D',
  info: '#2684FF',
  neutral: '#8993A4',
};

export const toneColor = (tone: Tone): string => TONE_COLORS[tone];
export const toneColorInt = (tone: Tone): number => parseInt(TONE_COLORS[tone].slice(1), 16);

export function firstLine(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = text.split(/\r?\n/, 1)[0]!.trim();
  return line ? truncate(line, MAX_COMMIT_LINE) : null;
}

/** "2026-11-23 10:00 UTC": fixed format, no locale, so messages are the same everywhere. */
export function formatTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** Two largest units: "45s", "12m 5s", "2h 5m", "3d 4h". */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const units: [number, string][] = [[86_400, 'd'], [3_600, 'h'], [60, 'm'], [1, 's']];
  const amounts = units.map(([size, unit]) => {
    const n = Math.floor(rest / size);
    rest -= n * size;
    return [n, unit] as const;
  });
  const first = amounts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return amounts.slice(first, first + 2).filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join(' ');
}

export function buildLabel(build: BuildInfo | undefined): string {
  if (!build) return 'Build';
  const base = truncate(build.name ?? build.key ?? 'Build', 200);
  return build.number != null && !base.includes(`#${build.number}`) ? `${base} #${build.number}` : base;
}

/** Looks the author up by account id, uuid (with or without braces) and e-mail. */
export function mentionHandle(person: Person | null | undefined, mentions: Record<string, string> | undefined): string | null {
  if (!person || !mentions) return null;
  const lowered = new Map(Object.entries(mentions).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const uuid = person.uuid?.replace(/[{}]/g, '');
  const candidates = [person.accountId, person.uuid, uuid, uuid ? `{${uuid}}` : null, personEmail(person)];
  for (const c of candidates) {
    if (!c) continue;
    const handle = lowered.get(c.toLowerCase());
    if (handle) return handle;
  }
  return null;
}

/** The same lookup for a resolved person's keys (lowercased account id, uuid, e-mail). */
function flatHandle(ids: readonly string[], mentions: Record<string, string> | undefined): string | null {
  if (!mentions || ids.length === 0) return null;
  const lowered = new Map(Object.entries(mentions).map(([k, v]) => [k.trim().toLowerCase(), v]));
  for (const id of ids) {
    const handle = lowered.get(id);
    if (handle) return handle;
  }
  return null;
}

const shortHash = (hash: string): string => hash.slice(0, 7);

/** Alert types whose message shows the failed step's log. */
const LOG_TAIL_TYPES: readonly AlertType[] = ['build.failed', 'build.still-failing'];

interface Wording {
  subject: string;
  verb: string;
  tone: Tone;
  emoji: string;
}

function verbFor(type: AlertType): { verb: string; tone: Tone } {
  switch (type) {
    case 'build.failed': return { verb: 'failed', tone: 'danger' };
    case 'build.still-failing': return { verb: 'is still failing', tone: 'danger' };
    case 'build.fixed': return { verb: 'is fixed', tone: 'success' };
    case 'build.stopped': return { verb: 'was stopped', tone: 'neutral' };
    case 'build.started': return { verb: 'started', tone: 'info' };
    case 'deployment.failed': return { verb: 'failed', tone: 'danger' };
    case 'deployment.fixed': return { verb: 'is fixed', tone: 'success' };
    default: return { verb: 'happened', tone: 'info' };
  }
}

function wording(alert: Alert): Wording {
  const { verb, tone } = verbFor(alert.type);
  const env = alert.deployment?.environment ?? 'an environment';
  switch (alert.type) {
    case 'build.failed':
      return { subject: buildLabel(alert.build), verb, tone, emoji: '🔴' };
    case 'build.still-failing': {
      const f = alert.failures;
      const since = formatTime(f?.since);
      const detail = f && f.count > 1 ? ` for ${f.count} builds${since ? ` since ${since}` : ''}` : since ? ` since ${since}` : '';
      return { subject: buildLabel(alert.build), verb: verb + detail, tone, emoji: '🔴' };
    }
    case 'build.fixed': {
      const after = alert.brokenForMs != null ? ` after ${formatDuration(alert.brokenForMs)}` : '';
      return { subject: buildLabel(alert.build), verb: verb + after, tone, emoji: '✅' };
    }
    case 'build.stopped':
      return { subject: buildLabel(alert.build), verb, tone, emoji: '⏹️' };
    case 'build.started':
      return { subject: buildLabel(alert.build), verb, tone, emoji: '▶️' };
    case 'deployment.failed':
      return { subject: `Deployment to ${env}`, verb, tone, emoji: '🚨' };
    case 'deployment.fixed':
      return { subject: `Deployment to ${env}`, verb, tone, emoji: '✅' };
    case 'push':
    case 'tag': {
      const changes = alert.push?.changes ?? [];
      const kind = alert.type === 'tag' ? 'Tag' : 'Branch';
      if (changes.length === 1) {
        const c = changes[0]!;
        const what = c.action === 'created' ? 'was created' : c.action === 'deleted' ? 'was deleted' : 'was updated';
        return { subject: `${kind} ${truncate(c.name, 200)}`, verb: what, tone: 'info', emoji: alert.type === 'tag' ? '🏷️' : '⬆️' };
      }
      return {
        subject: `${changes.length} ${alert.type === 'tag' ? 'tags' : 'refs'}`,
        verb: 'were pushed',
        tone: 'info',
        emoji: alert.type === 'tag' ? '🏷️' : '⬆️',
      };
    }
    case 'pr.opened':
    case 'pr.merged':
    case 'pr.declined': {
      const pr = alert.pullRequest;
      const v = alert.type === 'pr.opened' ? 'was opened' : alert.type === 'pr.merged' ? 'was merged' : 'was declined';
      const t: Tone = alert.type === 'pr.merged' ? 'success' : alert.type === 'pr.declined' ? 'neutral' : 'info';
      return { subject: `Pull request #${pr?.id ?? '?'}`, verb: v, tone: t, emoji: alert.type === 'pr.merged' ? '🔀' : '📝' };
    }
  }
}

function groupItem(g: GroupedBuild): MessageGroupItem {
  const { verb, tone } = verbFor(g.type);
  return { text: `${buildLabel(g.build)} ${verb}`, url: g.links.build ?? g.build.url ?? null, tone };
}

const v = (text: string): string => truncate(text, MAX_VALUE);

export interface DescribeOptions {
  /** The chat tool the message is for: picks each person's handle from the mentions map. */
  target?: MentionTarget;
  /** People resolved against the rules' mentions maps (people.ts `resolvePeople`); else the alert's, without handles. */
  people?: readonly ResolvedPerson[];
  /** False when the rule says `logTail: false`. */
  logTail?: boolean;
}

/**
 * The one place alert wording is decided. `mentions` is a channel's own map from Bitbucket account
 * id / uuid / e-mail to a handle; handles for `options.target` in `options.people` win over it.
 */
export function describeAlert(alert: Alert, mentions?: Record<string, string>, options: DescribeOptions = {}): AlertMessage {
  const w = wording(alert);
  const repository = truncate(alert.repository.fullName ?? alert.repository.slug ?? alert.repository.uuid ?? 'repository', 200);
  const repositoryUrl = alert.links.repository ?? alert.repository.url ?? null;
  const group = (alert.group ?? []).map(groupItem);
  const listed = group.slice(0, MAX_GROUP_ITEMS);
  const groupSuffix = group.length > 0 ? ` (+${group.length} more ${group.length === 1 ? 'build' : 'builds'})` : '';
  const headline = `${w.subject} ${w.verb}${groupSuffix}`;
  const test = alert.test === true;

  const hash = alert.build?.commit ?? alert.deployment?.commit ?? alert.previous?.commit ?? null;
  const commitUrl = alert.links.commit ?? null;
  const commit = hash
    ? { short: shortHash(hash), message: firstLine(alert.build?.commitMessage), url: commitUrl }
    : null;
  const people: MessagePerson[] = (options.people ?? resolvePeople(alert)).map((p) => ({
    name: truncate(p.name, 200),
    roles: [...p.roles],
    handle: (options.target ? p.handles[options.target] : undefined) ?? flatHandle(p.ids, mentions),
  }));
  const authorPerson = people.find((p) => p.roles.includes('author')) ?? null;
  const author = authorPerson ? { name: authorPerson.name, handle: authorPerson.handle } : null;
  const trigger = people.find((p) => p.roles.includes('triggered-by') && !p.roles.includes('author')) ?? null;
  const tail = alert.logTail;
  const logTail = options.logTail !== false && tail && tail.lines.length > 0 && LOG_TAIL_TYPES.includes(alert.type)
    ? { lines: [...tail.lines], truncated: tail.truncated, step: alert.build?.failedStep ?? null }
    : null;

  const facts: MessageFact[] = [{ label: 'Repository', value: repository, url: repositoryUrl }];
  if (alert.ref) facts.push({ label: alert.type === 'tag' ? 'Tag' : 'Branch', value: v(alert.ref) });
  if (alert.build) facts.push({ label: 'Build', value: v(buildLabel(alert.build)), url: alert.links.build ?? alert.build.url });
  if (alert.build?.failedStep) {
    const ran = alert.failedStepDurationSeconds != null ? ` (ran ${formatDuration(alert.failedStepDurationSeconds * 1000)})` : '';
    facts.push({ label: 'Failed step', value: v(alert.build.failedStep) + ran });
  }
  if (alert.deployment) {
    facts.push({ label: 'Environment', value: v(alert.deployment.environment ?? 'unknown') });
  }
  if (alert.pullRequest) {
    const pr = alert.pullRequest;
    facts.push({ label: 'Pull request', value: v(`#${pr.id} ${pr.title ?? ''}`.trim()), url: alert.links.pullRequest ?? pr.url ?? null });
    if (pr.source || pr.destination) facts.push({ label: 'Branches', value: v(`${pr.source ?? '?'} → ${pr.destination ?? '?'}`) });
  }
  if (alert.push && alert.push.changes.length > 1) {
    const list = alert.push.changes.slice(0, 10).map((c) => `${c.name} (${c.action})`).join(', ');
    facts.push({ label: 'Changes', value: v(list + (alert.push.changes.length > 10 ? `, +${alert.push.changes.length - 10} more` : '')) });
  }
  if (commit) facts.push({ label: 'Commit', value: commit.message ? `${commit.short} ${commit.message}` : commit.short, url: commit.url });
  if (author) facts.push({ label: 'Author', value: author.name, handle: author.handle });
  if (trigger) facts.push({ label: 'Triggered by', value: trigger.name, handle: trigger.handle });
  if (alert.type === 'build.still-failing' || alert.type === 'build.failed') {
    const since = formatTime(alert.failures?.since);
    if (alert.type === 'build.failed' && alert.previous?.state === 'SUCCESSFUL') {
      const at = formatTime(alert.previous.at);
      facts.push({ label: 'Last success', value: at ?? 'previous build' });
    } else if (alert.type === 'build.still-failing' && since) {
      facts.push({ label: 'Failing since', value: since });
    }
  }

  const links: { text: string; url: string }[] = [];
  const buildUrl = alert.links.build ?? alert.build?.url ?? alert.deployment?.url ?? null;
  if (buildUrl) links.push({ text: alert.deployment && !alert.build ? 'View deployment' : 'View build', url: buildUrl });
  if (alert.links.pullRequest) links.push({ text: 'View pull request', url: alert.links.pullRequest });
  if (commitUrl) links.push({ text: 'View commit', url: commitUrl });

  return {
    tone: w.tone,
    emoji: w.emoji,
    title: `${test ? '[Test] ' : ''}${repository}: ${headline}`,
    headline,
    repository,
    repositoryUrl,
    ref: alert.ref,
    facts,
    commit,
    author,
    people,
    logTail,
    group: listed,
    groupOmitted: group.length - listed.length,
    links,
    test,
  };
}

/** `describeAlert` with what the delivery context says: people and their handles on `target`, the rule's `logTail`. */
export function describeForChannel(alert: Alert, ctx: Partial<BuildContext> | undefined, target?: MentionTarget, mentions?: Record<string, string>): AlertMessage {
  const flat = mentions || ctx?.mentions ? { ...mentions, ...ctx?.mentions } : undefined;
  return describeAlert(alert, flat, {
    ...(target ? { target } : {}),
    ...(ctx?.people ? { people: ctx.people } : {}),
    ...(ctx?.logTail === false ? { logTail: false } : {}),
  });
}

// ---------- markup ----------

/** Slack mrkdwn, CommonMark-ish markdown (Discord, Mattermost, Teams TextBlock), Google Chat card HTML, or plain text. */
export type Markup = 'slack' | 'markdown' | 'html' | 'plain';

/** Slack: & < > must be escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeText(text: string, markup: Markup): string {
  switch (markup) {
    case 'slack': return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    case 'html': return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    case 'markdown': return text.replace(/([\\`*_~[\]|])/g, '\\$1');
    case 'plain': return text;
  }
}

export function link(text: string, url: string | null | undefined, markup: Markup): string {
  const t = escapeText(text, markup);
  if (!url) return t;
  switch (markup) {
    case 'slack': return `<${url.replace(/[|>]/g, encodeURIComponent)}|${t.replace(/\|/g, '¦')}>`;
    case 'html': return `<a href="${escapeText(url, 'html')}">${t}</a>`;
    // encodeURIComponent leaves ( and ) alone; they would end the markdown link early.
    case 'markdown': return `[${t}](${url.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
    case 'plain': return `${t} (${url})`;
  }
}

export function bold(text: string, markup: Markup): string {
  switch (markup) {
    case 'slack': return `*${text}*`;
    case 'html': return `<b>${text}</b>`;
    case 'markdown': return `**${text}**`;
    case 'plain': return text;
  }
}

/** Fact value with its link, and the person's mention appended when the channel formats one. */
export function factValue(fact: MessageFact, markup: Markup, _msg: AlertMessage, mention?: (handle: string) => string): string {
  const value = link(fact.value, fact.url, markup);
  if (fact.handle && mention) return `${value} (${mention(fact.handle)})`;
  return value;
}

/** "Label: value" lines. */
export function factLines(msg: AlertMessage, markup: Markup, mention?: (handle: string) => string): string[] {
  return msg.facts.map((f) => `${bold(escapeText(f.label, markup), markup)}: ${factValue(f, markup, msg, mention)}`);
}

export function groupLines(msg: AlertMessage, markup: Markup): string[] {
  if (msg.group.length === 0) return [];
  const lines = msg.group.map((g) => `• ${link(g.text, g.url, markup)}`);
  if (msg.groupOmitted > 0) lines.push(`• …and ${msg.groupOmitted} more`);
  return lines;
}

export const TEST_NOTE = 'This is a test alert sent from Build Alerts settings; nothing is broken.';

// ---------- log tail ----------

/** "Last 12 log lines of Unit tests (earlier lines not shown):" */
export function logTailHeading(tail: MessageLogTail): string {
  const n = tail.lines.length;
  return `Last ${n} log ${n === 1 ? 'line' : 'lines'}${tail.step ? ` of ${truncate(tail.step, 100)}` : ''}${tail.truncated ? ' (earlier lines not shown)' : ''}`;
}

/** Breaks "```" runs so text inside a fenced block cannot close it (zero-width spaces between the backticks). */
export function neutralizeFences(text: string): string {
  return text.replace(/`(?=`)/g, '`\u200b');
}

/**
 * The newest lines that fit: lines are dropped from the top until `render(lines)` is at most
 * `maxChars` characters (and `maxBytes` UTF-8 bytes); null when not even one line fits.
 */
export function fitLogLines(lines: readonly string[], render: (lines: string[]) => string, maxChars: number, maxBytes = Infinity): { text: string; dropped: number } | null {
  for (let from = 0; from < lines.length; from++) {
    const text = render(lines.slice(from));
    if (text.length <= maxChars && byteLength(text) <= maxBytes) return { text, dropped: from };
  }
  return null;
}

/** Plain multi-line description for incident tools (PagerDuty details, Opsgenie, Squadcast, AlertOps). */
export function plainDescription(msg: AlertMessage, options: { logTail?: boolean } = {}): string {
  const parts: string[] = [];
  if (msg.test) parts.push(TEST_NOTE, '');
  parts.push(msg.title, '');
  for (const f of msg.facts) parts.push(`${f.label}: ${f.value}${f.url ? ` (${f.url})` : ''}`);
  if (msg.group.length > 0) {
    parts.push('', 'Also for this commit:');
    for (const g of msg.group) parts.push(`- ${g.text}${g.url ? ` (${g.url})` : ''}`);
    if (msg.groupOmitted > 0) parts.push(`- …and ${msg.groupOmitted} more`);
  }
  if (msg.links.length > 0) {
    parts.push('');
    for (const l of msg.links) parts.push(`${l.text}: ${l.url}`);
  }
  // Last: if a vendor's limit cuts the description, the facts above stay whole.
  if (msg.logTail && options.logTail !== false) parts.push('', `${logTailHeading(msg.logTail)}:`, ...msg.logTail.lines);
  return parts.join('\n');
}

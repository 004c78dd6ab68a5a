/**
 * What an alert says, once, for every channel: headline wording, facts people act on (repository,
 * branch, build, commit, author), links, grouped builds and the test marker. Channels lay these out
 * in their own format (Block Kit, Adaptive Card, cardsV2, embeds...) with the markup helpers below.
 */
import type { Alert, AlertType, GroupedBuild } from '../alerts/alert';
import type { BuildInfo, Person } from '../events/repo-event';
import { truncate } from './channel-support';

export type Tone = 'danger' | 'success' | 'warning' | 'info' | 'neutral';

export interface MessageFact {
  label: string;
  value: string;
  url?: string | null;
}

export interface MessageAuthor {
  name: string;
  /** The handle from the mentions map (vendor user id or name), formatted by the channel. */
  handle: string | null;
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

/** Display name without the e-mail part of a raw "Name <email>" author string. */
function personName(person: Person): string | null {
  const raw = person.name?.trim();
  if (!raw) return person.email ?? null;
  const match = /^(.*?)\s*<[^>]*>\s*$/.exec(raw);
  return truncate(match && match[1] ? match[1] : raw, 200);
}

function personEmail(person: Person): string | null {
  if (person.email) return person.email.toLowerCase();
  const match = /<([^>\s]+@[^>\s]+)>/.exec(person.name ?? '');
  return match ? match[1]!.toLowerCase() : null;
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

const shortHash = (hash: string): string => hash.slice(0, 7);

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

/** The one place alert wording is decided. `mentions` maps Bitbucket account id / uuid / e-mail to a handle. */
export function describeAlert(alert: Alert, mentions?: Record<string, string>): AlertMessage {
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
  const person = alert.build?.author ?? alert.pullRequest?.author ?? null;
  const name = person ? personName(person) : null;
  const author = person && name ? { name, handle: mentionHandle(person, mentions) } : null;

  const facts: MessageFact[] = [{ label: 'Repository', value: repository, url: repositoryUrl }];
  if (alert.ref) facts.push({ label: alert.type === 'tag' ? 'Tag' : 'Branch', value: v(alert.ref) });
  if (alert.build) facts.push({ label: 'Build', value: v(buildLabel(alert.build)), url: alert.links.build ?? alert.build.url });
  if (alert.build?.failedStep) facts.push({ label: 'Failed step', value: v(alert.build.failedStep) });
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
  if (author) facts.push({ label: 'Author', value: author.name });
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
    group: listed,
    groupOmitted: group.length - listed.length,
    links,
    test,
  };
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

/** Fact value with its link, and the author's mention appended when the channel formats one. */
export function factValue(fact: MessageFact, markup: Markup, msg: AlertMessage, mention?: (handle: string) => string): string {
  const value = link(fact.value, fact.url, markup);
  if (fact.label === 'Author' && msg.author?.handle && mention) return `${value} (${mention(msg.author.handle)})`;
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

/** Plain multi-line description for incident tools (PagerDuty details, Opsgenie, Squadcast, AlertOps). */
export function plainDescription(msg: AlertMessage): string {
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
  return parts.join('\n');
}

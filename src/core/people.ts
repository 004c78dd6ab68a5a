/**
 * Who to ask about an alert: the commit author and, for Pipelines, who started the run, each with
 * the chat handles the rules file's `mentions` map gives them. The map is keyed by e-mail, Atlassian
 * account id or Bitbucket user uuid; the repository's map overrides the workspace's per person.
 * Channels turn handles into real mentions; a person without a handle for a channel is named in text.
 */
import type { Alert } from './alerts/alert';
import type { Person } from './events/repo-event';

export const MENTION_TARGETS = ['slack', 'teams', 'discord', 'google-chat', 'mattermost'] as const;
export type MentionTarget = (typeof MENTION_TARGETS)[number];

export type PersonHandles = Partial<Record<MentionTarget, string>>;
/** The rules file's top-level `mentions`: person (e-mail, account id or uuid) → handle per chat tool. */
export type MentionsMap = Record<string, PersonHandles>;

export type PersonRole = 'author' | 'triggered-by';

export interface ResolvedPerson {
  /** Display name (never an e-mail address unless that is all Bitbucket gave). */
  name: string;
  /** What the person has to do with the alert; both when the author started the run. */
  roles: PersonRole[];
  handles: PersonHandles;
  /** The keys the person is known by (lowercased account id, uuid, e-mail), for per-channel `mentions` configs. */
  ids: string[];
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
/** Atlassian account ids: 24 hex digits (older accounts) or "<number>:<uuid>". */
const ACCOUNT_ID = /^(?:[0-9a-f]{24}|\d{1,10}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const BITBUCKET_UUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** A key of the mentions map: an e-mail address, an Atlassian account id or a Bitbucket user uuid. */
export function isPersonKey(key: string): boolean {
  const k = key.trim();
  return EMAIL.test(k) || ACCOUNT_ID.test(k) || BITBUCKET_UUID.test(k);
}

/**
 * Why a handle cannot be used, or null. Broadcast handles are refused on purpose: a mentions map
 * must never page a whole channel (Slack <!channel>, Mattermost @all/@here, Google Chat users/all).
 */
export function handleProblem(target: MentionTarget, value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return `expected ${HANDLE_HINT[target]}`;
  const v = value.trim();
  if (!HANDLE_FORMAT[target].test(v)) return `expected ${HANDLE_HINT[target]}, got ${v.length > 40 ? `a ${v.length}-character value` : JSON.stringify(v)}`;
  if (target === 'mattermost' && ['all', 'channel', 'here'].includes(v.replace(/^@/, '').toLowerCase())) {
    return `"@${v.replace(/^@/, '')}" notifies everyone in the channel; expected one person's username`;
  }
  return null;
}

const HANDLE_FORMAT: Record<MentionTarget, RegExp> = {
  // https://api.slack.com/reference/surfaces/formatting#mentioning-users: <@U…> with a user id.
  slack: /^[UW][A-Z0-9]{2,20}$/,
  // The Entra object id or the user principal name (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format#mention-support-within-adaptive-cards).
  teams: /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/i,
  // A user id (snowflake), https://discord.com/developers/docs/reference#message-formatting.
  discord: /^\d{15,21}$/,
  // "users/{id}" with the numeric id (https://developers.google.com/workspace/chat/format-messages#messages-@mention).
  'google-chat': /^users\/\d{5,30}$/,
  // Mattermost usernames: letters, digits, ".", "-", "_" (https://docs.mattermost.com/preferences/manage-your-profile.html).
  mattermost: /^@?[a-z0-9][a-z0-9._-]{0,63}$/i,
};

const HANDLE_HINT: Record<MentionTarget, string> = {
  slack: 'a Slack user id such as "U024BE7LH"',
  teams: 'a Microsoft Entra object id or user principal name such as "jane@acme.example"',
  discord: 'a Discord user id of 15-21 digits, in quotes, such as "80351110224678912"',
  'google-chat': 'a Google Chat user such as "users/123456789012345678901"',
  mattermost: 'a Mattermost username such as "jane.doe"',
};

/** Display name without the e-mail part of a raw "Name <email>" author string. */
export function personName(person: Person): string | null {
  const raw = person.name?.trim();
  if (!raw) return person.email ?? null;
  // Only an e-mail part is dropped: "Ravi <Patel>" is a name.
  const match = /^(.*?)\s*<[^>\s]*@[^>\s]*>\s*$/.exec(raw);
  const name = match && match[1] ? match[1] : raw;
  return name.length > 200 ? name.slice(0, 199) + '…' : name;
}

export function personEmail(person: Person): string | null {
  if (person.email) return person.email.toLowerCase();
  const match = /<([^>\s]+@[^>\s]+)>/.exec(person.name ?? '');
  return match ? match[1]!.toLowerCase() : null;
}

/** Every key a person may be filed under, lowercased: account id, uuid with and without braces, e-mail. */
export function personKeys(person: Person): string[] {
  const uuid = person.uuid?.replace(/[{}]/g, '').toLowerCase();
  return [person.accountId?.toLowerCase(), uuid, uuid ? `{${uuid}}` : null, personEmail(person)].filter((k): k is string => !!k);
}

function lookup(map: MentionsMap | undefined, person: Person): PersonHandles | null {
  if (!map) return null;
  const keys = new Set(personKeys(person));
  for (const [key, handles] of Object.entries(map)) {
    if (keys.has(key.trim().toLowerCase()) && handles && typeof handles === 'object') return handles;
  }
  return null;
}

const samePerson = (a: Person, b: Person): boolean => {
  const keys = new Set(personKeys(a));
  if (personKeys(b).some((k) => keys.has(k))) return true;
  // Without ids, the same display name is the same person (a commit author without a Bitbucket account).
  return keys.size === 0 && personKeys(b).length === 0 && !!a.name && personName(a) === personName(b);
};

/** The people an alert names: the commit (or pull request) author, then who started the run if someone else. */
export function alertPeople(alert: Alert): { person: Person; roles: PersonRole[] }[] {
  const out: { person: Person; roles: PersonRole[] }[] = [];
  const author = alert.build?.author ?? alert.pullRequest?.author ?? null;
  if (author && personName(author)) out.push({ person: author, roles: ['author'] });
  const trigger = alert.triggeredBy ?? null;
  if (trigger && personName(trigger)) {
    const same = out.find((p) => samePerson(p.person, trigger));
    if (same) same.roles.push('triggered-by');
    else out.push({ person: trigger, roles: ['triggered-by'] });
  }
  return out;
}

/**
 * The alert's people with their handles. Per person, the repository's entry wins over the
 * workspace's as a whole (no mixing of a Slack id from one with a Teams id from the other).
 */
export function resolvePeople(alert: Alert, maps: { workspace?: MentionsMap | null; repository?: MentionsMap | null } = {}): ResolvedPerson[] {
  return alertPeople(alert).map(({ person, roles }) => {
    const entry = lookup(maps.repository ?? undefined, person) ?? lookup(maps.workspace ?? undefined, person) ?? {};
    const handles: PersonHandles = {};
    for (const target of MENTION_TARGETS) {
      const h = entry[target];
      if (typeof h === 'string' && handleProblem(target, h) === null) handles[target] = h.trim();
    }
    return { name: personName(person)!, roles: [...roles], handles, ids: personKeys(person) };
  });
}

/** The rules file's `logTail` rule option and top-level `mentions` map: validation with lines, and round trips. */
import { formatFieldErrors, parseRulesText, serializeRules, type RulesDocument } from '../../../src/core/rules';

const base = `version: 1
channels:
  - name: team
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXZZZZ
rules:
  - name: main
    on: [failed, fixed]
    channels: [team]
`;

const ok = (text: string): RulesDocument => {
  const r = parseRulesText(text);
  if (!r.ok) throw new Error(formatFieldErrors(r.error).join('\n'));
  return r.value;
};
const errors = (text: string): string[] => {
  const r = parseRulesText(text);
  if (r.ok) throw new Error('expected errors');
  return formatFieldErrors(r.error);
};

test('logTail: false parses and survives export and import; absent means shown and is not written', () => {
  const doc = ok(base + '    logTail: false\n');
  expect(doc.rules[0]!.logTail).toBe(false);
  const yaml = serializeRules(doc, { secrets: 'include', header: false });
  expect(yaml).toContain('logTail: false');
  expect(ok(yaml)).toEqual(doc);
  const plain = ok(base);
  expect(plain.rules[0]!.logTail).toBeUndefined();
  expect(serializeRules(plain, { secrets: 'include', header: false })).not.toContain('logTail');
});

test('logTail must be true or false, with the line of the value', () => {
  expect(errors(base + '    logTail: sometimes\n')).toEqual([
    'rules.yaml:10:14: rules[0].logTail: expected true or false (false leaves the failed step\'s log out of alerts), got "sometimes"',
  ]);
});

const mentions = `mentions:
  jane@acme.example:
    slack: U024BE7LH
    teams: jane@acme.example
    discord: "80351110224678912"
    google-chat: users/123456789012345678901
    mattermost: jane.doe
  "557058:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0":
    slack: W0123ABCD
`;

test('a mentions map parses and round-trips (Discord ids stay quoted strings)', () => {
  const doc = ok(base + mentions);
  expect(doc.mentions).toEqual({
    'jane@acme.example': { slack: 'U024BE7LH', teams: 'jane@acme.example', discord: '80351110224678912', 'google-chat': 'users/123456789012345678901', mattermost: 'jane.doe' },
    '557058:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0': { slack: 'W0123ABCD' },
  });
  const yaml = serializeRules(doc, { secrets: 'include', header: false });
  expect(yaml).toContain('discord: "80351110224678912"');
  expect(ok(yaml)).toEqual(doc);
});

test('mentions errors name the person and the tool, on their line', () => {
  const bad = `mentions:
  jane:
    slack: U024BE7LH
  ada@acme.example:
    slak: U1
    mattermost: "@channel"
    discord: 80351110224678912
  bob@acme.example: {}
  "Ada@acme.example":
    slack: U99999
`;
  expect(errors(base + bad)).toEqual([
    'rules.yaml:11:3: mentions.jane: expected an e-mail address, an Atlassian account id (such as "557058:0f1e2d3c-…" or 24 hex digits) or a Bitbucket user uuid, got "jane"',
    'rules.yaml:14:5: mentions["ada@acme.example"].slak: unknown key "slak" (did you mean "slack"?); allowed: slack, teams, discord, google-chat, mattermost',
    'rules.yaml:15:17: mentions["ada@acme.example"].mattermost: "@channel" notifies everyone in the channel; expected one person\'s username',
    'rules.yaml:16:14: mentions["ada@acme.example"].discord: expected a Discord user id of 15-21 digits, in quotes, such as "80351110224678912"',
    'rules.yaml:17:21: mentions["bob@acme.example"]: expected at least one handle (slack, teams, discord, google-chat, mattermost)',
    'rules.yaml:18:3: mentions["Ada@acme.example"]: the same person as "ada@acme.example"; keep one entry',
  ]);
});

import type { ChannelType } from '../../../src/core/channels/channel';
import { getChannel } from '../../../src/core/channels/registry';
import type { FieldError } from '../../../src/core/result';
import {
  formatFieldError, formatFieldErrors, parseRulesObject, parseRulesText, type RulesDocument,
} from '../../../src/core/rules';

const VALID = `version: 1
repository: "{15a31549-1cff-45dc-9d0d-310114c5038b}"
channels:
  - name: team-slack
    type: slack
    url: https://hooks.slack.com/services/T000/B000/XXXX
  - name: audit
    type: webhook
    url: https://example.com/hook
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
rules:
  - name: main is broken
    on: [failed, fixed]
    branches: ["@default", "release/**"]
    excludeBranches: []
    builds: ["*"]
    channels: [team-slack, audit]
    failAfter: 1
    remindEvery: 4h
    groupWait: 30s
    quietHours: { from: "22:00", to: "07:00", timezone: "Europe/Berlin" }
    enabled: true
`;

function errors(result: ReturnType<typeof parseRulesText>): FieldError[] {
  if (result.ok) throw new Error('expected errors, got a document');
  return result.error;
}

function value(result: ReturnType<typeof parseRulesText>): RulesDocument {
  if (!result.ok) throw new Error(result.error.map((e) => formatFieldError('rules.yaml', e)).join('\n'));
  return result.value;
}

/** Line and column (1-based) of the n-th occurrence of `needle`, found independently of the parser. */
function positionOf(text: string, needle: string, occurrence = 0): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i <= occurrence; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

describe('parseRulesText: valid input', () => {
  test('the documented example parses, channels keep their config', () => {
    const doc = value(parseRulesText(VALID));
    expect(doc.repository).toBe('{15a31549-1cff-45dc-9d0d-310114c5038b}');
    expect(doc.channels).toEqual([
      { name: 'team-slack', type: 'slack', config: { url: 'https://hooks.slack.com/services/T000/B000/XXXX' } },
      { name: 'audit', type: 'webhook', config: { url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } },
    ]);
    expect(doc.rules[0]).toEqual({
      name: 'main is broken', on: ['failed', 'fixed'], branches: ['@default', 'release/**'], excludeBranches: [],
      builds: ['*'], channels: ['team-slack', 'audit'], failAfter: 1, remindEvery: '4h', groupWait: '30s',
      quietHours: { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' }, enabled: true,
    });
  });

  test('defaults: failAfter 1, enabled true, optional lists absent', () => {
    const doc = value(parseRulesText('version: 1\nchannels: [{name: c, type: slack}]\nrules:\n  - name: r\n    on: [failed]\n    channels: [c]\n'));
    expect(doc.rules[0]).toEqual({ name: 'r', on: ['failed'], channels: ['c'], failAfter: 1, enabled: true });
  });

  test('a workspace-inherited channel, passed as knownChannels, may be referenced', () => {
    const text = 'version: 1\nrules:\n  - name: r\n    on: [failed]\n    channels: [ops-pager]\n';
    expect(errors(parseRulesText(text))[0]!.path).toBe('rules[0].channels[0]');
    expect(value(parseRulesText(text, { knownChannels: ['ops-pager'] })).rules[0]!.channels).toEqual(['ops-pager']);
  });

  test('"@all" needs no definition', () => {
    expect(value(parseRulesText('version: 1\nrules:\n  - {name: r, on: [failed], channels: ["@all"]}\n')).rules).toHaveLength(1);
  });

  test('JSON text and plain objects are accepted and equal the YAML result', () => {
    const fromYaml = value(parseRulesText(VALID));
    const json = JSON.stringify({
      version: 1,
      repository: '{15a31549-1cff-45dc-9d0d-310114c5038b}',
      channels: [
        { name: 'team-slack', type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
        { name: 'audit', type: 'webhook', url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      ],
      rules: [{
        name: 'main is broken', on: ['failed', 'fixed'], branches: ['@default', 'release/**'], excludeBranches: [], builds: ['*'],
        channels: ['team-slack', 'audit'], failAfter: 1, remindEvery: '4h', groupWait: '30s',
        quietHours: { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' }, enabled: true,
      }],
    }, null, 2);
    expect(value(parseRulesText(json))).toEqual(fromYaml);
    const obj = parseRulesObject(JSON.parse(json));
    expect(obj.ok && obj.value).toEqual(fromYaml);
  });

  test('"workspace/slug" and Data Center "PROJECT/slug" repositories', () => {
    for (const repository of ['acme/widgets', 'PRJ/widgets']) {
      expect(value(parseRulesText(`version: 1\nrepository: ${repository}\n`)).repository).toBe(repository);
    }
  });
});

describe('parseRulesText: line-precise errors', () => {
  test('bad event name points at the value', () => {
    const text = VALID.replace('on: [failed, fixed]', 'on: [failed, exploded]');
    const [e, ...rest] = errors(parseRulesText(text));
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ path: 'rules[0].on[1]', ...positionOf(text, 'exploded') });
    expect(e!.message.startsWith('unknown event "exploded"')).toBe(true);
    expect(formatFieldError('rules.yaml', e!)).toBe(`rules.yaml:13:18: rules[0].on[1]: ${e!.message}`);
  });

  test('block-style lists point at the item', () => {
    const text = 'version: 1\nchannels:\n  - name: c\n    type: slack\nrules:\n  - name: r\n    on:\n      - failed\n      - faild\n    channels: [c]\n';
    const [e] = errors(parseRulesText(text));
    expect(e).toMatchObject({ path: 'rules[0].on[1]', line: 9, column: 9 });
    expect(e!.message).toContain('did you mean "failed"?');
  });

  test.each([
    ['failAfter: 1', 'failAfter: three', 'rules[0].failAfter', 'expected a whole number ≥ 1, got "three"', 'three'],
    ['failAfter: 1', 'failAfter: 0', 'rules[0].failAfter', 'expected a whole number ≥ 1, got 0', '0\n'],
    ['failAfter: 1', 'failAfter: 2.5', 'rules[0].failAfter', 'expected a whole number ≥ 1, got 2.5', '2.5'],
    ['failAfter: 1', 'failAfter: 1000', 'rules[0].failAfter', 'expected a whole number ≤ 100, got 1000', '1000'],
    ['enabled: true', 'enabled: yes', 'rules[0].enabled', 'expected true or false, got "yes"', 'yes'],
    ['remindEvery: 4h', 'remindEvery: 4 hours', 'rules[0].remindEvery', 'expected a duration like 30s, 5m, 4h or 1d, got "4 hours"', '4 hours'],
    ['remindEvery: 4h', 'remindEvery: 240', 'rules[0].remindEvery', 'expected a duration like 30s, 5m, 4h or 1d, got 240', '240'],
    ['remindEvery: 4h', 'remindEvery: 1m', 'rules[0].remindEvery', 'expected a duration between 5m and 7d, got "1m"', '1m'],
    ['remindEvery: 4h', 'remindEvery: 8d', 'rules[0].remindEvery', 'expected a duration between 5m and 7d, got "8d"', '8d'],
    ['groupWait: 30s', 'groupWait: 11m', 'rules[0].groupWait', 'expected a duration between 0s and 10m, got "11m"', '11m'],
    ['on: [failed, fixed]', 'on: failed', 'rules[0].on', 'expected a list of events such as [failed, fixed], got "failed"', 'failed\n'],
    ['on: [failed, fixed]', 'on: []', 'rules[0].on', 'expected at least one event, such as [failed, fixed]', '[]'],
    ['on: [failed, fixed]', 'on: [failed, 3]', 'rules[0].on[1]', 'expected an event name, got 3', '3]'],
    ['branches: ["@default", "release/**"]', 'branches: main', 'rules[0].branches', 'expected a list of branch patterns, got "main"', 'main\n'],
    ['branches: ["@default", "release/**"]', 'branches: []', 'rules[0].branches', 'expected at least one branch pattern (leave branches out to match every branch)', '[]'],
    ['branches: ["@default", "release/**"]', 'branches: ["@default", ""]', 'rules[0].branches[1]', 'expected a branch pattern such as "main", "release/**" or "@default", got ""', '""'],
    ['excludeBranches: []', 'excludeBranches: {a: 1}', 'rules[0].excludeBranches', 'expected a list of branch patterns, got a mapping', '{a: 1}'],
    ['builds: ["*"]', 'builds: 7', 'rules[0].builds', 'expected a list of build key or name patterns, got 7', '7'],
    ['channels: [team-slack, audit]', 'channels: team-slack', 'rules[0].channels', 'expected a list of channel names, got "team-slack"', 'team-slack\n', 1],
    ['channels: [team-slack, audit]', 'channels: []', 'rules[0].channels', 'expected at least one channel name', '[]', 1],
    ['quietHours: { from: "22:00", to: "07:00", timezone: "Europe/Berlin" }', 'quietHours: night', 'rules[0].quietHours', 'expected quiet hours such as { from: "22:00", to: "07:00", timezone: "Europe/Berlin" }, got "night"', 'night'],
    ['from: "22:00"', 'from: "25:00"', 'rules[0].quietHours.from', 'expected a 24-hour time "HH:MM" such as "22:00", got "25:00"', '"25:00"'],
    ['to: "07:00"', 'to: "7am"', 'rules[0].quietHours.to', 'expected a 24-hour time "HH:MM" such as "22:00", got "7am"', '"7am"'],
    ['to: "07:00"', 'to: "22:00"', 'rules[0].quietHours.to', 'quiet hours must end at a different time than they start', '"22:00"', 1],
    ['"Europe/Berlin"', '"Europe/Berln"', 'rules[0].quietHours.timezone', 'unknown time zone "Europe/Berln"; expected an IANA name such as "Europe/Berlin" or "UTC"', '"Europe/Berln"'],
    ['name: main is broken', 'name: 42', 'rules[0].name', 'expected a rule name of 1-100 characters, got 42', '42'],
    ['type: slack', 'type: slak', 'channels[0].type', 'unknown channel type "slak" (did you mean "slack"?); expected one of: slack, teams, google-chat, discord, mattermost, pagerduty, opsgenie, jsm-ops, alertops, squadcast, webhook', 'slak'],
    ['name: team-slack', 'name: "team/slack"', 'channels[0].name', 'expected a channel name of 1-64 letters, digits, spaces, "_", "." or "-", got "team/slack"', '"team/slack"'],
    ['version: 1', 'version: 2', 'version', 'expected 1, got 2', '2\n'],
    ['repository: "{15a31549-1cff-45dc-9d0d-310114c5038b}"', 'repository: widgets', 'repository', 'expected "{uuid}" or "workspace/slug", got "widgets"', 'widgets'],
  ] as [string, string, string, string, string, number?][])('%s → %s', (from, to, path, message, needle, occurrence = 0) => {
    const text = VALID.replace(from, to);
    expect(text).not.toBe(VALID);
    const found = errors(parseRulesText(text)).filter((e) => e.path === path);
    expect(found).toEqual([{ path, message, ...positionOf(text, needle, occurrence) }]);
  });

  test('missing required fields are reported at the object', () => {
    const text = 'version: 1\nrules:\n  - name: r\n    channels: ["@all"]\n';
    expect(errors(parseRulesText(text))).toEqual([
      { path: 'rules[0].on', message: 'required: expected a list of events such as [failed, fixed]', line: 3, column: 5 },
    ]);
    expect(errors(parseRulesText('rules: []\n'))).toEqual([{ path: 'version', message: 'required: add "version: 1"', line: 1, column: 1 }]);
  });

  test('unknown keys at every level, located at the key, with a suggestion', () => {
    const text = VALID
      .replace('version: 1\n', 'version: 1\nchanels: []\n')
      .replace('remindEvery: 4h', 'remindevery: 4h')
      .replace('timezone: "Europe/Berlin"', 'tz: "Europe/Berlin"');
    const es = errors(parseRulesText(text));
    expect(es.map((e) => [e.path, e.line, e.column])).toEqual([
      ['chanels', positionOf(text, 'chanels').line, 1],
      ['rules[0].remindevery', positionOf(text, 'remindevery').line, positionOf(text, 'remindevery').column],
      ['rules[0].quietHours.timezone', positionOf(text, '{ from').line, positionOf(text, '{ from').column],
      ['rules[0].quietHours.tz', positionOf(text, 'tz:').line, positionOf(text, 'tz:').column],
    ]);
    expect(es[0]!.message).toMatch(/^unknown key "chanels" \(did you mean "channels"\?\)/);
    expect(es[1]!.message).toMatch(/^unknown key "remindevery" \(did you mean "remindEvery"\?\)/);
    expect(es[2]!.message).toBe('required: expected an IANA time zone such as "Europe/Berlin" or "UTC"');
  });

  test('a rule naming an undefined channel', () => {
    const text = VALID.replace('channels: [team-slack, audit]', 'channels: [team-slack, audti]');
    const [e] = errors(parseRulesText(text));
    expect(e).toMatchObject({ path: 'rules[0].channels[1]', ...positionOf(text, 'audti') });
    expect(e!.message).toBe('unknown channel "audti" (did you mean "audit"?); define it under channels (defined: team-slack, audit)');
  });

  test('duplicate channel and rule names point at the second one', () => {
    const text = `version: 1
channels:
  - {name: c, type: slack}
  - {name: c, type: teams}
rules:
  - {name: r, on: [failed], channels: [c]}
  - {name: r, on: [fixed], channels: [c]}
`;
    expect(errors(parseRulesText(text))).toEqual([
      { path: 'channels[1].name', message: 'duplicate channel name "c" (first defined at channels[0])', line: 4, column: 12 },
      { path: 'rules[1].name', message: 'duplicate rule name "r" (first used at rules[0])', line: 7, column: 12 },
    ]);
  });

  test('the channel registry hook validates per-type config at the channel path', () => {
    const calls: unknown[] = [];
    const result = parseRulesText(VALID, {
      validateChannel: (type, config) => {
        calls.push([type, config]);
        return type === 'webhook' ? [{ path: 'url', message: 'must be https and not a private address' }] : [];
      },
    });
    expect(calls).toEqual([
      ['slack', { url: 'https://hooks.slack.com/services/T000/B000/XXXX' }],
      ['webhook', { url: 'https://example.com/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }],
    ]);
    expect(errors(result)).toEqual([
      { path: 'channels[1].url', message: 'must be https and not a private address', ...positionOf(VALID, 'https://example.com/hook') },
    ]);
  });

  test('errors never echo a channel secret', () => {
    const text = VALID.replace('type: webhook', 'type: webhok');
    const all = errors(parseRulesText(text)).map((e) => formatFieldError('rules.yaml', e)).join('\n');
    expect(all).toContain('webhok');
    expect(all).not.toContain('whsec_');
  });

  test('a URL or key pasted into the wrong field is not echoed', () => {
    const text = VALID
      .replace('name: team-slack', 'name: https://hooks.slack.com/services/T000/B000/XXXX')
      .replace('type: webhook', 'type: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYq');
    const lines = formatFieldErrors(errors(parseRulesText(text)), { fileName: 'team.yaml' });
    expect(lines).toEqual([
      'team.yaml:4:11: channels[0].name: expected a channel name of 1-64 letters, digits, spaces, "_", "." or "-", got a URL',
      expect.stringMatching(/^team\.yaml:8:11: channels\[1\]\.type: unknown channel type a 49-character value; expected one of: slack, /),
      'team.yaml:17:16: rules[0].channels[0]: unknown channel "team-slack"; define it under channels (defined: audit)',
    ]);
    expect(lines.join('\n')).not.toMatch(/hooks\.slack|whsec_/);
  });

  test('several errors come back sorted by position', () => {
    const text = VALID.replace('failAfter: 1', 'failAfter: x').replace('type: slack', 'type: sl');
    const es = errors(parseRulesText(text));
    expect(es.map((e) => e.path)).toEqual(['channels[0].type', 'rules[0].failAfter']);
  });

  test('YAML syntax errors carry a position', () => {
    const [e] = errors(parseRulesText('version: 1\nrules:\n  - name: "unterminated\n'));
    expect(e!.line).toBeGreaterThanOrEqual(3);
    expect(e!.path).toBe('');
    expect(formatFieldError('r.yaml', e!)).toMatch(/^r\.yaml:\d+:\d+: /);
  });

  test('duplicate YAML keys are an error, not last-one-wins', () => {
    expect(errors(parseRulesText('version: 1\nversion: 1\n'))[0]).toMatchObject({ line: 2, column: 1 });
  });

  test('empty file and non-mapping documents', () => {
    expect(errors(parseRulesText(''))[0]!.message).toMatch(/empty/);
    expect(errors(parseRulesText('- a\n- b\n'))[0]!.message).toBe(
      'expected a rules document (a mapping with version, channels and rules), got a list');
  });
});

describe('parseRulesObject', () => {
  test('errors carry paths but no lines', () => {
    const result = parseRulesObject({ version: 1, rules: [{ name: 'r', on: ['boom'], channels: ['@all'] }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toHaveLength(1);
    expect(result.error[0]!.path).toBe('rules[0].on[0]');
    expect(result.error[0]!.line).toBeUndefined();
    expect(formatFieldError('payload', result.error[0]!)).toMatch(/^payload: rules\[0\]\.on\[0\]: unknown event "boom"/);
  });

  test.each([null, 'text', 3, []])('non-object input %p is an error', (input) => {
    expect(parseRulesObject(input).ok).toBe(false);
  });
});

describe('with the real channel registry as validateChannel', () => {
  // The seam the settings save and CLI use: per-type config errors land on the right line.
  const validateChannel = (type: ChannelType, config: Record<string, unknown>): FieldError[] => {
    const r = getChannel(type).parseConfig({ ...config });
    return r.ok ? [] : r.error;
  };

  test('the documented example is valid', () => {
    expect(parseRulesText(VALID, { validateChannel }).ok).toBe(true);
  });

  test('a bad Slack URL is reported at its line, without echoing it', () => {
    const text = VALID.replace('https://hooks.slack.com/services/T000/B000/XXXX', 'not a url');
    const es = errors(parseRulesText(text, { validateChannel }));
    expect(es.map((e) => [e.path, e.line])).toEqual([['channels[0].url', positionOf(text, 'not a url').line]]);
  });
});

import {
  defaultRules, defaultRulesDocument, isMaskedSecret, maskSecret, mergeSecrets, parseRulesText, serializeRules, splitSecrets,
  type RulesDocument,
} from '../../../src/core/rules';
import { aChannel, aRule, aRulesDoc } from '../../helpers/builders';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXZZZZ';
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function fullDoc(): RulesDocument {
  return aRulesDoc({
    repository: '{15a31549-1cff-45dc-9d0d-310114c5038b}',
    channels: [
      aChannel({ name: 'team-slack', type: 'slack', config: { url: SLACK_URL } }),
      aChannel({ name: 'audit', type: 'webhook', config: { url: 'https://example.com/hook', secret: WEBHOOK_SECRET, format: 'json' } }),
    ],
    rules: [
      aRule({
        name: 'main is broken', on: ['failed', 'fixed'], branches: ['@default', 'release/**'], excludeBranches: ['release/old'],
        builds: ['*'], channels: ['team-slack', 'audit'], failAfter: 3, remindEvery: '4h', groupWait: '30s',
        quietHours: { from: '22:00', to: '07:00', timezone: 'Europe/Berlin' },
      }),
      aRule({ name: 'deploys', on: ['deployment-failed'], channels: ['@all'], enabled: false }),
    ],
  });
}

const parse = (text: string): RulesDocument => {
  const r = parseRulesText(text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe('serializeRules', () => {
  test('with secrets included, export then import gives the same document', () => {
    const doc = fullDoc();
    expect(parse(serializeRules(doc, { secrets: 'include' }))).toEqual(doc);
  });

  test('round-trips the default rules and an empty document', () => {
    expect(parse(serializeRules(defaultRulesDocument([aChannel()]), { secrets: 'include' }))).toEqual(defaultRulesDocument([aChannel()]));
    const empty: RulesDocument = { version: 1, channels: [], rules: [] };
    expect(parse(serializeRules(empty, { secrets: 'omit' }))).toEqual(empty);
  });

  test('a second export of the imported text is identical (stable output)', () => {
    const once = serializeRules(fullDoc(), { secrets: 'include' });
    expect(serializeRules(parse(once), { secrets: 'include' })).toBe(once);
  });

  test('readable: inline event lists, defaults left out, times quoted', () => {
    const text = serializeRules(fullDoc(), { secrets: 'include', header: false });
    expect(text).toContain('on: [failed, fixed]\n');
    expect(text).toContain('quietHours: {from: "22:00", to: "07:00", timezone: Europe/Berlin}');
    expect(text).toContain('enabled: false');
    expect(text.match(/enabled:/g)).toHaveLength(1);
    expect(text.startsWith('version: 1\n')).toBe(true);
  });

  test('omit: no secret in the text; non-secret fields stay', () => {
    const text = serializeRules(fullDoc(), { secrets: 'omit', secretFields: (t) => (t === 'webhook' ? ['url', 'secret'] : ['url']) });
    expect(text).not.toContain(SLACK_URL);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain('example.com');
    expect(text).toContain('format: json');
    expect(text).toMatch(/^# .*\n# Secret channel fields are left out/);
  });

  test('mask: hints only, recognisable as masked', () => {
    const text = serializeRules(fullDoc(), { secrets: 'mask' });
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain('T000/B000');
    const doc = parse(text);
    expect(doc.channels[0]!.config.url).toBe('https://hooks.slack.com/…ZZZZ');
    expect(isMaskedSecret(doc.channels[0]!.config.url)).toBe(true);
    expect(isMaskedSecret(doc.channels[1]!.config.secret)).toBe(true);
    expect(doc.channels[1]!.config.format).toBe('json');
  });
});

describe('secrets helpers', () => {
  test('maskSecret', () => {
    expect(maskSecret(SLACK_URL)).toBe('https://hooks.slack.com/…ZZZZ');
    expect(maskSecret('short')).toBe('••••');
    expect(maskSecret(WEBHOOK_SECRET)).toBe('••••LaSw');
    expect(maskSecret(undefined)).toBe('••••');
    expect(isMaskedSecret('https://example.com/hook')).toBe(false);
  });

  test('splitSecrets and mergeSecrets are inverses; masked values do not overwrite stored ones', () => {
    const channel = fullDoc().channels[1]!;
    const { channel: stored, secrets } = splitSecrets(channel, ['url', 'secret']);
    expect(stored).toEqual({ name: 'audit', type: 'webhook', config: { format: 'json' } });
    expect(secrets).toEqual({ url: 'https://example.com/hook', secret: WEBHOOK_SECRET });
    expect(mergeSecrets(stored, secrets)).toEqual(channel);
    const masked = { ...stored, config: { ...stored.config, secret: maskSecret(WEBHOOK_SECRET) } };
    expect(mergeSecrets(masked, secrets).config.secret).toBe(WEBHOOK_SECRET);
    const replaced = { ...stored, config: { ...stored.config, secret: 'whsec_new_value_typed_by_user' } };
    expect(mergeSecrets(replaced, secrets).config.secret).toBe('whsec_new_value_typed_by_user');
  });
});

describe('defaultRules', () => {
  test('failed and fixed on the main branch, to every channel', () => {
    expect(defaultRules()).toEqual([{
      name: 'main branch failed or fixed', on: ['failed', 'fixed'], branches: ['@default'], channels: ['@all'], failAfter: 1, enabled: true,
    }]);
  });
});

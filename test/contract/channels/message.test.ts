import type { Alert } from '../../../src/core/alerts/alert';
import {
  buildLabel, describeAlert, escapeText, firstLine, formatDuration, formatTime, link, mentionHandle, plainDescription,
} from '../../../src/core/channels/message';
import { boundedKey, fitBody, isAcceptableEndpoint, truncate } from '../../../src/core/channels/channel-support';
import { aBuild, anAlert, AUTHOR_ACCOUNT_ID, deploymentFailedAlert, fixedAlert, groupedAlert, pushAlert, stillFailingAlert } from './alert-builders';

describe('alert wording', () => {
  test.each<[string, Alert, string]>([
    ['failed', anAlert(), 'acme/widgets: Pipeline #42 for main failed'],
    ['still failing', stillFailingAlert(), 'acme/widgets: Pipeline #44 for main is still failing for 3 builds since 2026-11-23 10:04 UTC'],
    ['fixed', fixedAlert(), 'acme/widgets: Pipeline #45 for main is fixed after 2h 5m'],
    ['stopped', anAlert({ type: 'build.stopped' }), 'acme/widgets: Pipeline #42 for main was stopped'],
    ['started', anAlert({ type: 'build.started' }), 'acme/widgets: Pipeline #42 for main started'],
    ['deployment failed', deploymentFailedAlert(), 'acme/widgets: Deployment to Production failed'],
    ['deployment fixed', anAlert({ ...deploymentFailedAlert(), type: 'deployment.fixed' }), 'acme/widgets: Deployment to Production is fixed'],
    ['push', pushAlert(), 'acme/widgets: Branch main was updated'],
    ['tag', anAlert({ type: 'tag', build: undefined, ref: 'v1.2.0', push: { changes: [{ refType: 'tag', name: 'v1.2.0', action: 'created', before: null, after: 'abc' }] } }), 'acme/widgets: Tag v1.2.0 was created'],
    ['PR opened', anAlert({ type: 'pr.opened', build: undefined, pullRequest: { id: 12, action: 'created', title: 'Add retries', source: 'feature/x', destination: 'main' } }), 'acme/widgets: Pull request #12 was opened'],
    ['PR merged', anAlert({ type: 'pr.merged', build: undefined, pullRequest: { id: 12, action: 'merged', title: 'Add retries', source: 'feature/x', destination: 'main' } }), 'acme/widgets: Pull request #12 was merged'],
    ['PR declined', anAlert({ type: 'pr.declined', build: undefined, pullRequest: { id: 12, action: 'declined', title: null, source: null, destination: null } }), 'acme/widgets: Pull request #12 was declined'],
    ['grouped', groupedAlert(), 'acme/widgets: Pipeline #42 for main failed (+2 more builds)'],
    ['test', anAlert({ test: true }), '[Test] acme/widgets: Pipeline #42 for main failed'],
  ])('%s', (_name, alert, title) => {
    expect(describeAlert(alert).title).toBe(title);
  });

  test('facts carry repository, branch, build, commit (short hash + first line), author and links', () => {
    const msg = describeAlert(anAlert());
    const facts = Object.fromEntries(msg.facts.map((f) => [f.label, f.value]));
    expect(facts).toMatchObject({
      Repository: 'acme/widgets', Branch: 'main', Build: 'Pipeline #42 for main', Commit: '7f3c2a9 Fix flaky checkout test',
      Author: 'Jane Doe', 'Failed step': 'Unit tests',
    });
    expect(msg.links.map((l) => l.text)).toEqual(['View build', 'View commit']);
  });

  test('grouped builds are listed, beyond 20 summarised', () => {
    const many = anAlert({ group: Array.from({ length: 25 }, (_, i) => ({ type: 'build.failed' as const, build: aBuild({ name: `CI ${i}`, number: null }), links: {} })) });
    const msg = describeAlert(many);
    expect(msg.group).toHaveLength(20);
    expect(msg.group[0]!.text).toBe('CI 0 failed');
    expect(msg.groupOmitted).toBe(5);
    expect(plainDescription(msg)).toContain('…and 5 more');
  });

  test('the test marker is explicit in plain descriptions', () => {
    expect(plainDescription(describeAlert(anAlert({ test: true })))).toMatch(/^This is a test alert/);
  });
});

describe('mentions', () => {
  const jane = aBuild().author!;
  test.each<[string, Record<string, string>]>([
    ['account id', { [AUTHOR_ACCOUNT_ID]: 'U1' }],
    ['uuid with braces', { '{d3b07384-d113-4ec6-a0a1-9f5e0b8c7d6e}': 'U1' }],
    ['uuid without braces', { 'd3b07384-d113-4ec6-a0a1-9f5e0b8c7d6e': 'U1' }],
    ['e-mail from "Name <email>", any case', { 'Jane@Acme.Example': 'U1' }],
  ])('found by %s', (_n, map) => {
    expect(mentionHandle(jane, map)).toBe('U1');
  });
  test('no map, no match', () => {
    expect(mentionHandle(jane, undefined)).toBeNull();
    expect(mentionHandle(jane, { 'someone@else.example': 'U2' })).toBeNull();
  });
});

describe('formatting helpers', () => {
  test.each([[0, '0s'], [45_000, '45s'], [725_000, '12m 5s'], [7_500_000, '2h 5m'], [7_200_000, '2h'], [3 * 86_400_000 + 4 * 3_600_000 + 59_000, '3d 4h']])(
    'formatDuration(%s) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text),
  );
  test('formatTime is UTC and locale-free', () => {
    expect(formatTime('2026-11-23T10:04:30.000+02:00')).toBe('2026-11-23 08:04 UTC');
    expect(formatTime(null)).toBeNull();
    expect(formatTime('not a time')).toBeNull();
  });
  test('buildLabel adds the number unless the name has it', () => {
    expect(buildLabel(aBuild())).toBe('Pipeline #42 for main');
    expect(buildLabel(aBuild({ name: 'Jenkins', number: 7 }))).toBe('Jenkins #7');
    expect(buildLabel(aBuild({ name: null, key: 'ci-key', number: null }))).toBe('ci-key');
  });
  test('firstLine keeps the subject only, bounded', () => {
    expect(firstLine('Subject\r\n\r\nBody')).toBe('Subject');
    expect(firstLine('y'.repeat(100_000))!.length).toBeLessThanOrEqual(300);
    expect(firstLine('')).toBeNull();
  });
  test('markup escapes what each vendor needs', () => {
    expect(escapeText('a <b> & c', 'slack')).toBe('a &lt;b&gt; &amp; c');
    expect(link('x|y', 'https://e.example/a|b', 'slack')).toBe('<https://e.example/a%7Cb|x¦y>');
    expect(link('a [b]', 'https://e.example/(x)', 'markdown')).toBe('[a \\[b\\]](https://e.example/%28x%29)');
    expect(link('<t>', 'https://e.example/?a="1"', 'html')).toBe('<a href="https://e.example/?a=&quot;1&quot;">&lt;t&gt;</a>');
  });
  test('truncate never splits a surrogate pair and marks the cut', () => {
    const cut = truncate('🔥'.repeat(10), 6);
    expect(cut.length).toBeLessThanOrEqual(6);
    expect(cut.endsWith('…')).toBe(true);
    expect(() => encodeURIComponent(cut)).not.toThrow();
    expect(truncate('short', 10)).toBe('short');
  });
  test('fitBody halves the budget until the JSON fits', () => {
    const body = fitBody((budget) => ({ text: 'z'.repeat(budget) }), 1_000, 8_000);
    expect(JSON.stringify(body).length).toBeLessThanOrEqual(1_000);
    expect(body.text.length).toBe(500);
  });
  test('boundedKey is stable and distinct when it has to shorten', () => {
    const a = boundedKey('k'.repeat(600) + 'a', 255);
    expect(a.length).toBe(255);
    expect(boundedKey('k'.repeat(600) + 'a', 255)).toBe(a);
    expect(boundedKey('k'.repeat(600) + 'b', 255)).not.toBe(a);
    expect(boundedKey('short', 255)).toBe('short');
  });
  test.each([
    ['https://hooks.slack.com/x', true], ['http://localhost:3000/x', true], ['http://127.0.0.1/x', true], ['http://[::1]:8080/', true],
    ['http://hooks.slack.com/x', false], ['http://10.0.0.1/x', false], ['ftp://x.example', false], ['https://user:pw@x.example', false], ['nope', false],
  ])('endpoint %s acceptable: %s', (url, ok) => expect(isAcceptableEndpoint(url)).toBe(ok));
});

/** Every channel: the rule's `logTail: false`, mentions from resolved people, and nothing in a log line that pings or breaks out. */
import { CHANNEL_TYPES } from '../../../src/core/channels/channel';
import { CHANNELS } from '../../../src/core/channels/registry';
import { mattermostPropsLength } from '../../../src/core/channels/mattermost';
import { resolvePeople } from '../../../src/core/people';
import { CASES } from '../../contract/channels/channel-cases';
import { aContext, anAlert, diagnosedAlert, diagnosedContext } from '../../contract/channels/alert-builders';

const LOG_LINE = '    expect(calls).toBe(3) // & got 1';

function body(type: (typeof CHANNEL_TYPES)[number], alert = diagnosedAlert(), ctx = diagnosedContext()): any {
  const parsed = CHANNELS[type].parseConfig(CASES[type].valid);
  if (!parsed.ok) throw new Error('config');
  const req = CHANNELS[type].buildRequest(alert, parsed.value, ctx);
  return JSON.parse(req!.body!);
}

describe.each(CHANNEL_TYPES.map((t) => [t]))('%s', (type) => {
  test('shows the log tail, and leaves it out when the rule says logTail: false', () => {
    expect(JSON.stringify(body(type))).toContain('expect(calls).toBe(3)');
    const off = JSON.stringify(body(type, diagnosedAlert(), { ...diagnosedContext(), logTail: false }));
    expect(off).not.toContain('expect(calls).toBe(3)');
    expect(off).not.toMatch(/log lines|log_tail|logTail/);
    // The failed step and its duration stay (the webhook carries them as data).
    if (type === 'webhook') expect(off).toContain('"failedStepDurationSeconds":192');
    else expect(off).toContain('Unit tests (ran 3m 12s)');
  });

  test('names who started the run, and never shows log text for fixed builds', () => {
    expect(JSON.stringify(body(type))).toContain('Ravi');
    // The webhook is data: it passes on what the alert has; messages show logs only for failures.
    if (type === 'webhook') return;
    const fixed = body(type, anAlert({ type: 'build.fixed', logTail: { lines: [LOG_LINE], truncated: false } }), aContext());
    expect(JSON.stringify(fixed ?? {})).not.toContain('toBe(3)');
  });
});

test('Slack: the log is a mrkdwn code block with &, <, > escaped and fences broken; mapped people are pinged in the text', () => {
  const b = body('slack');
  const log = b.blocks.find((x: any) => x.text?.text?.includes('log lines')).text.text as string;
  expect(log).toMatch(/^\*Last 7 log lines of Unit tests \(earlier lines not shown\):\*\n```\n/);
  expect(log.endsWith('\n```')).toBe(true);
  expect(log).toContain('&lt;!channel&gt;');
  expect(log).toContain('toBe(3) // &amp; got 1');
  expect(log).not.toContain('<!channel>');
  expect(log.slice(log.indexOf('```\n') + 4, -4)).not.toContain('```');
  expect(b.text).toBe('🔴 acme/widgets: Pipeline #42 for main failed <@U024BE7LH>');
});

test('Teams: one mention entity per mapped person, its <at> text as in the card; log lines are TextRuns (no markdown)', () => {
  const people = resolvePeople(diagnosedAlert(), {
    workspace: { 'jane@acme.example': { teams: 'jane@acme.example' }, '712020:00000000-0000-4000-8000-0000000000aa': { teams: '0a1b2c3d-0000-4000-8000-00000000abcd' } },
  });
  const card = body('teams', diagnosedAlert(), { ...aContext(), people }).attachments[0].content;
  const entities = card.msteams.entities;
  expect(entities.map((e: any) => e.mentioned.id)).toEqual(['jane@acme.example', '0a1b2c3d-0000-4000-8000-00000000abcd']);
  const cc = card.body.find((i: any) => typeof i.text === 'string' && i.text.startsWith('cc ')).text as string;
  for (const e of entities) expect(cc).toContain(e.text);
  expect(entities[1].text).toBe('<at>Ravi ‹Patel›</at>');
  const runs = card.body.find((i: any) => i.type === 'Container').items.map((r: any) => r.inlines[0]);
  expect(runs.every((r: any) => r.type === 'TextRun' && r.fontType === 'Monospace')).toBe(true);
  expect(runs[2].text.startsWith('\u00a0\u00a0● checkout')).toBe(true);
});

test('Discord: pings only mapped people (allowed_mentions), and the code block cannot be closed by the log', () => {
  const b = body('discord');
  expect(b.allowed_mentions).toEqual({ parse: [], users: ['80351110224678912'] });
  expect(b.content).toBe('<@80351110224678912>');
  const d = b.embeds[0].description as string;
  const block = d.slice(d.indexOf('```\n') + 4, d.lastIndexOf('\n```'));
  expect(block).toContain(LOG_LINE);
  expect(block).not.toContain('```');
});

test('Google Chat: the log goes in the text as a code block; angle brackets and backticks cannot mention or close it', () => {
  const text = body('google-chat').text as string;
  expect(text.startsWith('🔴 acme/widgets: Pipeline #42 for main failed <users/123456789012345678901>\n\n')).toBe(true);
  expect(text).toContain('‹users/all›');
  expect(text).not.toContain('<users/all>');
  expect(text.match(/```/g)).toHaveLength(2);
});

test('Mattermost: mapped people as @username, and a log of characters Go escapes keeps the attachment under its limit', () => {
  expect(body('mattermost').text).toContain('@jane.doe');
  const heavy = anAlert({ logTail: { lines: Array.from({ length: 20 }, () => '<>&'.repeat(33)), truncated: true } });
  const b = body('mattermost', heavy, aContext());
  expect(mattermostPropsLength(b.attachments)).toBeLessThanOrEqual(7_700);
  expect(b.attachments[0].text).toContain('```');
  expect(b.attachments[0].text).toContain('View build');
});

test('PagerDuty keeps the log in custom_details.log_tail, not twice in the description', () => {
  const details = body('pagerduty').payload.custom_details;
  expect(details.log_tail.split('\n')).toHaveLength(7);
  expect(details.description).not.toContain(LOG_LINE);
  expect(details.triggered_by).toBe('Ravi <Patel>');
});

test('the webhook carries logTail, failedStepDurationSeconds and triggeredBy, and drops logTail for logTail: false', () => {
  const b = body('webhook');
  expect(b.logTail.lines).toContain(LOG_LINE);
  expect(b.failedStepDurationSeconds).toBe(192);
  expect(b.triggeredBy.name).toBe('Ravi <Patel>');
  expect(body('webhook', diagnosedAlert(), { ...aContext(), logTail: false }).logTail).toBeUndefined();
});

test('without ctx.people, the channel config\'s own mentions map still mentions the author', () => {
  const b = body('slack', diagnosedAlert(), aContext());
  expect(b.text).toContain('<@U024BE7LH>');
});

import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axe } from 'jest-axe';
import { App } from '../src/app';
import {
  aChannel,
  aHealthRow,
  aLogEntry,
  aRepoBackend,
  aRule,
  aSettingsView,
  aTestResult,
  aWebhookType,
  callsTo,
  ok,
  useBackend,
} from './fake-backend';

function renderPage() {
  const user = userEvent.setup();
  render(<App />);
  return user;
}

async function chooseOption(user: ReturnType<typeof userEvent.setup>, label: string, option: string) {
  const input = screen.getByLabelText(label, { selector: 'input' });
  await user.click(input);
  await user.type(input, option);
  await user.keyboard('{Enter}');
}

describe('repository settings page', () => {
  it('shows a spinner, then an empty page whose first action is adding a channel', async () => {
    useBackend(aRepoBackend(aSettingsView()));
    renderPage();
    expect(screen.getByRole('img', { name: /loading/i })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Build alerts', level: 1 })).toBeInTheDocument();
    expect(screen.getByText('No channels yet')).toBeInTheDocument();
    expect(screen.getByText(/the default rule alerts on failures and fixes of the main branch/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add a channel' })).toBeEnabled();
    // Rules need a channel to send to, so the rule action waits for one.
    expect(screen.getByRole('button', { name: 'Add a rule' })).toBeDisabled();
    expect(await screen.findByText(/No deliveries yet/)).toBeInTheDocument();
  });

  it('adds a channel, sending the secret only once', async () => {
    const saved = aChannel({ name: 'hooks', type: 'webhook', config: {}, secrets: { url: 'https://example.com/…ook1' } });
    useBackend(aRepoBackend(aSettingsView(), { saveChannel: () => ok(saved) }));
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add a channel' }));
    await user.type(await screen.findByLabelText(/^Name/), 'hooks');
    await chooseOption(user, 'Type *', 'Webhook');
    await user.type(screen.getByLabelText(/^URL/), 'https://example.com/hook1');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));

    expect(callsTo('saveChannel')).toEqual([{ channel: { name: 'hooks', type: 'webhook', url: 'https://example.com/hook1' } }]);
    const list = await screen.findByRole('list', { name: 'Channels' });
    expect(within(list).getByText('hooks')).toBeInTheDocument();
    expect(within(list).getByText('https://example.com/…ook1')).toBeInTheDocument();
    // With a channel, adding a rule becomes the next obvious step.
    expect(screen.getByRole('button', { name: 'Add a rule' })).toBeEnabled();
  });

  it('keeps a stored secret when its field is left blank on edit', async () => {
    const channel = aChannel();
    useBackend(aRepoBackend(aSettingsView({ channels: [channel] }), { saveChannel: (req) => ok({ ...channel, config: { mention: String(req.channel.mention) } }) }));
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Edit team-builds' }));
    const form = await screen.findByRole('form', { name: 'Edit channel team-builds' });
    const url = within(form).getByLabelText(/^Webhook URL/);
    expect(url).toHaveValue('');
    expect(url).toHaveAttribute('type', 'password');
    expect(url).toHaveAttribute('placeholder', 'https://hooks.slack.com/…X9Z2');
    expect(screen.getByText(/Leave blank to keep it/)).toBeInTheDocument();
    const mention = within(form).getByLabelText(/^Mention/);
    await user.clear(mention);
    await user.type(mention, '@channel');
    await user.click(screen.getByRole('button', { name: 'Save channel' }));
    expect(callsTo('saveChannel')).toEqual([
      { channel: { name: 'team-builds', type: 'slack', mention: '@channel' }, previousName: 'team-builds' },
    ]);
  });

  it('validates required fields before calling the backend', async () => {
    useBackend(aRepoBackend(aSettingsView()));
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add a channel' }));
    await user.click(await screen.findByRole('button', { name: 'Add channel' }));
    expect(screen.getByTestId('channel-form-name-error')).toHaveTextContent('Give the channel a name.');
    expect(screen.getByTestId('channel-form-type-error')).toHaveTextContent('Choose where alerts go.');
    expect(callsTo('saveChannel')).toHaveLength(0);
  });

  it('shows field errors of an invalid response next to the field', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channelTypes: [aWebhookType()] }), {
        saveChannel: () => ({
          ok: false,
          error: { code: 'invalid', message: 'Invalid channel', fields: [{ path: 'url', message: 'The host example.org is not allowed.' }] },
        }),
      }),
    );
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add a channel' }));
    await user.type(await screen.findByLabelText(/^Name/), 'hooks');
    await user.type(screen.getByLabelText(/^URL/), 'https://example.org/x');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));
    const error = await screen.findByTestId('channel-form-field-url-error');
    expect(error).toHaveTextContent('The host example.org is not allowed.');
    expect(screen.getByLabelText(/^URL/)).toHaveAttribute('aria-describedby', 'channel-form-field-url-error');
    expect(screen.queryByTestId('channel-form-name-error')).not.toBeInTheDocument();
  });

  it('adds a rule prefilled with failed and fixed on the default branch, with a live branch preview', async () => {
    const channel = aChannel();
    useBackend(
      aRepoBackend(aSettingsView({ channels: [channel] }), {
        previewBranches: (req) =>
          ok({ matches: (req.branches ?? []).includes('release/*') ? ['main', 'release/1.2'] : ['main'], total: 9 }),
        saveRules: (req) => ok({ rules: req.rules }),
      }),
    );
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add a rule' }));
    const form = await screen.findByRole('form', { name: 'Add a rule' });
    expect(within(form).getByLabelText('Build failed')).toBeChecked();
    expect(within(form).getByLabelText('Build fixed')).toBeChecked();
    expect(within(form).getByLabelText('Push')).not.toBeChecked();
    expect(within(form).getByLabelText('team-builds')).toBeChecked();
    const branches = within(form).getByLabelText('Branches');
    expect(branches).toHaveValue('@default');

    await user.clear(branches);
    await user.type(branches, 'main, release/*');
    await waitFor(() => expect(screen.getByTestId('branch-preview')).toHaveTextContent('Matches: main, release/1.2 (2 of 9 branches)'));
    expect(callsTo('previewBranches').at(-1)).toEqual({ branches: ['main', 'release/*'], excludeBranches: [] });

    await user.type(within(form).getByLabelText('Remind every'), '4h');
    await user.click(within(form).getByRole('button', { name: 'Add rule' }));
    expect(callsTo('saveRules')).toEqual([
      { rules: [{ name: 'Build failures and fixes', on: ['failed', 'fixed'], branches: ['main', 'release/*'], channels: ['team-builds'], remindEvery: '4h' }] },
    ]);
    expect(await screen.findByRole('list', { name: 'Rules, in order' })).toHaveTextContent('Build failures and fixes');
  });

  it('puts rule errors from saveRules on the rule form fields', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()], usingDefaults: false, rules: [aRule({ name: 'A' })] }), {
        saveRules: () => ({
          ok: false,
          error: { code: 'invalid', message: 'Invalid rules', fields: [{ path: 'rules[1].branches[0]', message: 'Unbalanced glob' }] },
        }),
      }),
    );
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Add a rule' }));
    await user.click(await screen.findByRole('button', { name: 'Add rule' }));
    expect(await screen.findByTestId('rule-form-branches-error')).toHaveTextContent('Unbalanced glob');
  });

  it('reorders and toggles rules, saving the whole ordered list', async () => {
    const rules = [aRule({ name: 'A' }), aRule({ name: 'B' }), aRule({ name: 'C' })];
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()], rules, usingDefaults: false }), { saveRules: (req) => ok({ rules: req.rules }) }),
    );
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Move C up' }));
    await waitFor(() => expect(callsTo('saveRules')).toHaveLength(1));
    expect(callsTo('saveRules')[0]!.rules.map((r) => r.name)).toEqual(['A', 'C', 'B']);
    // Focus stays on the moved rule, so the keyboard can move it again.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Move C up' })).toHaveFocus());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(callsTo('saveRules')).toHaveLength(2));
    expect(callsTo('saveRules')[1]!.rules.map((r) => r.name)).toEqual(['C', 'A', 'B']);

    await user.click(screen.getByRole('checkbox', { name: 'Rule A enabled' }));
    await waitFor(() => expect(callsTo('saveRules')).toHaveLength(3));
    const saved = callsTo('saveRules')[2]!.rules;
    expect(saved.map((r) => [r.name, r.enabled])).toEqual([
      ['C', undefined],
      ['A', false],
      ['B', undefined],
    ]);
  });

  it('sends a test alert and shows the vendor answer', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()] }), {
        testChannel: () => ok(aTestResult({ outcome: 'failed', status: 404, latencyMs: 231, response: 'no_service', error: 'Slack says the webhook no longer exists' })),
      }),
    );
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Send test alert to team-builds' }));
    const answer = await screen.findByRole('status', { name: 'Test result for team-builds' });
    expect(answer).toHaveTextContent('failed');
    expect(answer).toHaveTextContent('HTTP 404');
    expect(answer).toHaveTextContent('231 ms');
    expect(answer).toHaveTextContent('no_service');
    expect(answer).toHaveTextContent('Slack says the webhook no longer exists');
    expect(callsTo('testChannel')).toEqual([{ name: 'team-builds' }]);
  });

  it('re-enables a disabled channel', async () => {
    const disabled = aChannel({ disabled: { reason: 'HTTP 410 Gone from the vendor', at: '2026-11-23T10:00:00.000Z' } });
    useBackend(aRepoBackend(aSettingsView({ channels: [disabled] }), { setChannelEnabled: () => ok({ ...disabled, disabled: null }) }));
    const user = renderPage();
    expect(await screen.findByText(/HTTP 410 Gone from the vendor/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Re-enable team-builds' }));
    expect(callsTo('setChannelEnabled')).toEqual([{ name: 'team-builds', enabled: true }]);
    await waitFor(() => expect(screen.queryByText(/HTTP 410 Gone/)).not.toBeInTheDocument());
  });

  it('removes a channel after confirmation', async () => {
    useBackend(aRepoBackend(aSettingsView({ channels: [aChannel()] }), { deleteChannel: () => ok({ deleted: true as const }) }));
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Remove team-builds' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove channel team-builds?' });
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus();
    expect(callsTo('deleteChannel')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    expect(callsTo('deleteChannel')).toEqual([{ name: 'team-builds' }]);
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Channels' })).not.toBeInTheDocument());
  });

  it('renders the delivery log, pages it and redelivers an entry', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()] }), {
        getDeliveryLog: (req) =>
          req.cursor === 'c2'
            ? ok({ entries: [aLogEntry({ id: 'd3', alertType: 'started' })], nextCursor: null })
            : ok({
                entries: [
                  aLogEntry({ id: 'd1' }),
                  aLogEntry({ id: 'd2', alertType: 'fixed', outcome: 'failed', status: 500, latencyMs: 3000, error: 'HTTP 500 from Slack' }),
                ],
                nextCursor: 'c2',
              }),
        redeliver: () => ok({ queued: true as const }),
      }),
    );
    const user = renderPage();
    expect(await screen.findByText('HTTP 500 from Slack')).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Delivery log' });
    expect(within(table).getByText('3000 ms')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Load older deliveries' }));
    expect(await within(table).findByText('started')).toBeInTheDocument();
    expect(callsTo('getDeliveryLog').at(-1)).toEqual({ limit: 25, cursor: 'c2' });
    expect(screen.queryByRole('button', { name: 'Load older deliveries' })).not.toBeInTheDocument();

    await user.click(within(table).getAllByRole('button', { name: /^Redeliver fixed/ })[0]!);
    expect(callsTo('redeliver')).toEqual([{ id: 'd2' }]);
    expect(await within(table).findByText('Queued')).toBeInTheDocument();
  });

  it('shows build health cells with accessible labels and the open incident', async () => {
    useBackend(aRepoBackend(aSettingsView(), { getBuildHealth: () => ok({ rows: [aHealthRow()] }) }));
    renderPage();
    const strip = await screen.findByRole('list', { name: 'Recent results of Pipeline on main' });
    const cells = within(strip).getAllByRole('img');
    expect(cells.map((c) => c.getAttribute('aria-label'))).toEqual([
      expect.stringMatching(/^Build passed .*commit aaaaaaa$/),
      expect.stringMatching(/^Build failed .*commit bbbbbbb$/),
    ]);
    expect(screen.getByText(/Failing since .* · 1 failure/)).toBeInTheDocument();
  });

  it('snoozes a branch for 4 hours and cancels it', async () => {
    const before = Date.now();
    useBackend(
      aRepoBackend(aSettingsView(), {
        snooze: (req) => ok({ snoozes: [req] }),
        unsnooze: () => ok({ snoozes: [] }),
      }),
    );
    const user = renderPage();
    await screen.findByRole('form', { name: 'Snooze alerts' });
    await chooseOption(user, 'Snooze', 'A branch');
    await user.type(screen.getByLabelText('Branch'), 'main');
    await chooseOption(user, 'For', '4 hours');
    await user.click(screen.getByRole('button', { name: 'Snooze' }));
    const [req] = callsTo('snooze');
    expect(req!.target).toEqual({ branch: 'main' });
    expect(req!.untilFixed).toBe(false);
    const until = new Date(req!.until!).getTime();
    expect(until).toBeGreaterThanOrEqual(before + 4 * 3600_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 4 * 3600_000);

    const list = await screen.findByRole('list', { name: 'Active snoozes' });
    expect(list).toHaveTextContent('Branch main snoozed until');
    await user.click(within(list).getByRole('button', { name: 'Cancel snooze of Branch main' }));
    expect(callsTo('unsnooze')).toEqual([{ target: { branch: 'main' } }]);
    expect(await screen.findByText('Nothing is snoozed.')).toBeInTheDocument();
  });

  it('snoozes a rule until fixed', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()], rules: [aRule({ name: 'Nightly' })], usingDefaults: false }), {
        snooze: (req) => ok({ snoozes: [req] }),
      }),
    );
    const user = renderPage();
    await screen.findByRole('form', { name: 'Snooze alerts' });
    await chooseOption(user, 'For', 'Until the build');
    await user.click(screen.getByRole('button', { name: 'Snooze' }));
    expect(callsTo('snooze')).toEqual([{ target: { rule: 'Nightly' }, until: null, untilFixed: true }]);
  });

  it('imports a rules file and shows errors with line numbers', async () => {
    useBackend(
      aRepoBackend(aSettingsView(), {
        importRules: () => ({
          ok: false,
          error: {
            code: 'invalid',
            message: 'The rules file has 2 problems.',
            fields: [
              { path: 'rules[0].on[1]', message: 'Unknown event "fail"', line: 4, column: 9 },
              { path: 'rules[0].channels[0]', message: 'No channel named "ops"', line: 6 },
            ],
          },
        }),
      }),
    );
    const user = renderPage();
    const textarea = await screen.findByLabelText('Rules to import (YAML)');
    await user.click(textarea);
    await user.paste('rules:\n  - name: x\n');
    await user.click(screen.getByRole('button', { name: 'Import rules' }));
    expect(callsTo('importRules')).toEqual([{ yaml: 'rules:\n  - name: x\n' }]);
    const problems = await screen.findByRole('list', { name: 'Problems in the rules file' });
    const items = within(problems).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Line 4, column 9: rules[0].on[1] Unknown event "fail"');
    expect(items[1]).toHaveTextContent('Line 6: rules[0].channels[0] No channel named "ops"');
  });

  it('exports the rules file', async () => {
    useBackend(aRepoBackend(aSettingsView(), { exportRules: () => ok({ yaml: 'rules:\n  - name: Main failures\n' }) }));
    const user = renderPage();
    await user.click(await screen.findByRole('button', { name: 'Export rules' }));
    expect(await screen.findByLabelText('Exported rules (YAML)')).toHaveValue('rules:\n  - name: Main failures\n');
    expect(screen.getByRole('link', { name: 'Download build-alerts.yml' })).toHaveAttribute('download', 'build-alerts.yml');
  });

  it('sets and clears the inbound webhook secret', async () => {
    useBackend(aRepoBackend(aSettingsView(), { setInboundSecret: (req) => ok({ inboundSecretSet: req.secret !== null }) }));
    const user = renderPage();
    expect(await screen.findByLabelText('Webhook URL')).toHaveValue('http://127.0.0.1:8080/webhooks/bitbucket');
    await user.type(screen.getByLabelText('Secret'), 'short');
    await user.click(screen.getByRole('button', { name: 'Save secret' }));
    expect(screen.getByTestId('inbound-secret-error')).toHaveTextContent('at least 16 characters');
    await user.clear(screen.getByLabelText('Secret'));
    await user.type(screen.getByLabelText('Secret'), 'a-long-random-secret-value');
    await user.click(screen.getByRole('button', { name: 'Save secret' }));
    expect(await screen.findByText('Set')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear secret' }));
    expect(callsTo('setInboundSecret')).toEqual([{ secret: 'a-long-random-secret-value' }, { secret: null }]);
    expect(await screen.findByText('Not set')).toBeInTheDocument();
  });

  it('explains a forbidden answer', async () => {
    useBackend({ getSettings: () => ({ ok: false, error: { code: 'forbidden', message: 'Not a repository admin' } }) });
    renderPage();
    expect(await screen.findByText('Admins only')).toBeInTheDocument();
  });

  it('has no axe violations with content on every section', async () => {
    useBackend(
      aRepoBackend(
        aSettingsView({
          channels: [aChannel(), aChannel({ name: 'pager', type: 'webhook', disabled: { reason: 'HTTP 410', at: '2026-11-23T10:00:00.000Z' } })],
          rules: [aRule({ name: 'A' }), aRule({ name: 'B', enabled: false })],
          usingDefaults: false,
          snoozes: [{ target: { rule: 'A' }, until: null, untilFixed: true }],
        }),
        {
          getDeliveryLog: () => ok({ entries: [aLogEntry()], nextCursor: null }),
          getBuildHealth: () => ok({ rows: [aHealthRow()] }),
        },
      ),
    );
    const { container } = render(<App />);
    await screen.findByRole('table', { name: 'Delivery log' });
    await screen.findByRole('list', { name: /Recent results/ });
    expect(await axe(container)).toHaveNoViolations();
  });
});

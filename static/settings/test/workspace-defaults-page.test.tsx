import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../src/app';
import { aChannel, aRule, aSlackType, callsTo, ok, useBackend } from './fake-backend';

describe('workspace defaults page', () => {
  it('is chosen when the context has no repository, and saves workspace rules', async () => {
    useBackend(
      {
        getWorkspaceDefaults: () => ok({ channels: [aChannel()], rules: [aRule({ name: 'Org default' })], mentions: {}, channelTypes: [aSlackType()] }),
        saveWorkspaceDefaults: (req) => ok({ rules: req.rules }),
      },
      { accountId: 'a1', moduleKey: 'workspace-settings', extension: { workspace: { slug: 'acme' } } },
    );
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Build alerts: workspace defaults' })).toBeInTheDocument();
    expect(callsTo('getSettings')).toHaveLength(0);
    // No test or re-enable resolvers exist for workspace channels.
    expect(screen.queryByRole('button', { name: /Send test alert/ })).not.toBeInTheDocument();
    await user.click(screen.getByRole('checkbox', { name: 'Rule Org default enabled' }));
    await waitFor(() => expect(callsTo('saveWorkspaceDefaults')).toEqual([{ rules: [{ ...aRule({ name: 'Org default' }), enabled: false }] }]));
  });

  it('adds a workspace channel through saveWorkspaceChannel', async () => {
    useBackend(
      {
        getWorkspaceDefaults: () => ok({ channels: [], rules: [], mentions: {}, channelTypes: [aSlackType()] }),
        saveWorkspaceChannel: (req) => ok(aChannel({ name: req.channel.name })),
      },
      { accountId: 'a1', moduleKey: 'workspace-settings', extension: {} },
    );
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('button', { name: 'Add a channel' }));
    await user.type(await screen.findByLabelText(/^Name/), 'org-alerts');
    await user.type(screen.getByLabelText(/^Webhook URL/), 'https://hooks.slack.com/services/T/B/X');
    await user.click(screen.getByRole('button', { name: 'Add channel' }));
    expect(callsTo('saveWorkspaceChannel')).toEqual([
      { channel: { name: 'org-alerts', type: 'slack', url: 'https://hooks.slack.com/services/T/B/X' } },
    ]);
    expect(await screen.findByRole('list', { name: 'Channels' })).toHaveTextContent('org-alerts');
  });
});

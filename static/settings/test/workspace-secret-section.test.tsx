import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axe } from 'jest-axe';
import { invoke } from '../src/api';
import { App } from '../src/app';
import { WorkspaceSecretSection } from '../src/components/workspace-secret-section';
import { aSlackType, callsTo, ok, useBackend } from './fake-backend';

const WS_CONTEXT = { accountId: 'a1', moduleKey: 'workspace-settings', extension: { workspace: { slug: 'acme' } } };

describe('workspace inbound webhook secret', () => {
  it('offers a neutral form when the page does not know, then says a secret is set; write-only', async () => {
    useBackend(
      {
        getWorkspaceDefaults: () => ok({ channels: [], rules: [], mentions: {}, channelTypes: [aSlackType()] }),
        setWorkspaceInboundSecret: (req) => ok({ inboundSecretSet: req.secret !== null }),
      },
      WS_CONTEXT,
    );
    const user = userEvent.setup();
    const { container } = render(<App />);
    const section = await screen.findByRole('region', { name: 'Inbound webhook secret' });
    // Nothing claimed about a secret the page was not told about.
    expect(within(section).getByText(/Set a secret/)).toBeInTheDocument();
    expect(within(section).queryByText('Set')).not.toBeInTheDocument();
    expect(within(section).queryByText('Not set')).not.toBeInTheDocument();
    expect(within(section).queryByRole('button', { name: 'Clear secret' })).not.toBeInTheDocument();
    expect(await axe(container)).toHaveNoViolations();

    const field = within(section).getByLabelText('Secret');
    expect(field).toHaveAttribute('type', 'password');
    await user.type(field, 'too-short');
    await user.click(within(section).getByRole('button', { name: 'Save secret' }));
    expect(screen.getByTestId('workspace-inbound-secret-error')).toHaveTextContent('at least 16 characters');
    expect(callsTo('setWorkspaceInboundSecret')).toHaveLength(0);

    await user.clear(field);
    await user.type(field, 'a-long-random-workspace-secret');
    await user.click(within(section).getByRole('button', { name: 'Save secret' }));
    expect(await within(section).findByText('A secret is set.')).toBeInTheDocument();
    expect(callsTo('setWorkspaceInboundSecret')).toEqual([{ secret: 'a-long-random-workspace-secret' }]);
    // Never shown back: the field is empty and now offers to replace.
    expect(within(section).getByLabelText('Replace secret')).toHaveValue('');
    expect(container).not.toHaveTextContent('a-long-random-workspace-secret');

    await user.click(within(section).getByRole('button', { name: 'Clear secret' }));
    expect(callsTo('setWorkspaceInboundSecret').at(-1)).toEqual({ secret: null });
    expect(await within(section).findByText('No workspace secret is set.')).toBeInTheDocument();
    // Repository resolvers are not used on the workspace page.
    expect(callsTo('setInboundSecret')).toHaveLength(0);
  });

  it('shows the backend refusal next to the field', async () => {
    useBackend(
      {
        setWorkspaceInboundSecret: () => ({ ok: false, error: { code: 'invalid', message: 'Invalid', fields: [{ path: 'secret', message: '16-200 characters' }] } }),
      },
      WS_CONTEXT,
    );
    const user = userEvent.setup();
    render(<WorkspaceSecretSection secretSet={null} setSecret={(secret) => invoke('setWorkspaceInboundSecret', { secret })} />);
    await user.type(screen.getByLabelText('Secret'), 'x'.repeat(201));
    await user.click(screen.getByRole('button', { name: 'Save secret' }));
    expect(await screen.findByTestId('workspace-inbound-secret-error')).toHaveTextContent('16-200 characters');
    expect(screen.queryByText('A secret is set.')).not.toBeInTheDocument();
  });

  it('says so when the page knows a secret is set', async () => {
    useBackend(
      { getWorkspaceDefaults: () => ok({ channels: [], rules: [], channelTypes: [aSlackType()], inboundSecretSet: true } as never) },
      WS_CONTEXT,
    );
    render(<App />);
    const section = await screen.findByRole('region', { name: 'Inbound webhook secret' });
    expect(within(section).getByText('A secret is set.')).toBeInTheDocument();
    expect(within(section).getByLabelText('Replace secret')).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: 'Clear secret' })).toBeInTheDocument();
  });
});

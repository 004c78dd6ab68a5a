import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axe } from 'jest-axe';
import { App } from '../src/app';
import { eventSummary } from '../src/components/activity-section';
import { aChannel, anActivityEntry, aRepoBackend, aSettingsView, callsTo, ok, useBackend } from './fake-backend';

describe('recent events section', () => {
  it('lists what became of each event: rules and channels when alerted, the reason in words when not', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()] }), {
        getActivity: () =>
          ok({
            entries: [
              anActivityEntry(),
              anActivityEntry({
                at: '2026-11-23T09:00:00.000Z',
                event: { kind: 'build', source: 'cloud-webhook', ref: 'feature/x', state: 'FAILED', key: 'ci', commit: null },
                decision: 'nothing',
                reason: 'no-matching-rule',
                why: 'no enabled rule selects this alert (its events, branches or builds)',
                alerts: [{ type: 'failed', sent: [], reason: 'no-matching-rule' }],
              }),
              // No `why` from the backend: the page names the reason itself.
              anActivityEntry({
                at: '2026-11-23T08:00:00.000Z',
                event: { kind: 'build', source: 'forge', ref: 'main', state: 'SUCCESSFUL', key: 'ci', commit: null },
                decision: 'nothing',
                reason: 'snoozed',
                alerts: [{ type: 'fixed', sent: [], reason: 'snoozed' }],
              }),
            ],
          }),
      }),
    );
    render(<App />);
    const table = await screen.findByRole('table', { name: 'Recent events' });
    await within(table).findByText('build ci on main: FAILED');
    const rows = within(table).getAllByRole('row');
    // The header row, then one row per entry, newest first.
    expect(rows).toHaveLength(4);
    expect(rows[1]).toHaveTextContent('build ci on main: FAILED');
    expect(rows[1]).toHaveTextContent('forge · commit bbbbbbb');
    expect(within(rows[1]!).getByText('alerted')).toBeInTheDocument();
    expect(rows[1]).toHaveTextContent('failed: rule Main failures → team-builds, pager');
    expect(rows[2]).toHaveTextContent('build ci on feature/x: FAILED');
    expect(within(rows[2]!).getByText('nothing sent')).toBeInTheDocument();
    expect(rows[2]).toHaveTextContent('No enabled rule selects this alert (its events, branches or builds)');
    // The alert's reason is the entry's: said once.
    expect(within(rows[2]!).getAllByText(/No enabled rule selects/)).toHaveLength(1);
    expect(rows[3]).toHaveTextContent('The rule or branch is snoozed');
    expect(callsTo('getActivity')).toEqual([{ limit: 20 }]);
  });

  it('shows an alert that was not sent beside one that was', async () => {
    useBackend(
      aRepoBackend(aSettingsView(), {
        getActivity: () =>
          ok({
            entries: [
              anActivityEntry({
                alerts: [
                  { type: 'failed', sent: [{ rule: 'Main failures', channels: ['team-builds'] }] },
                  { type: 'still-failing', sent: [], reason: 'fail-after' },
                ],
              }),
            ],
          }),
      }),
    );
    render(<App />);
    const table = await screen.findByRole('table', { name: 'Recent events' });
    expect(await within(table).findByText('failed: rule Main failures → team-builds')).toBeInTheDocument();
    expect(within(table).getByText("still-failing: not sent. Fewer failures in a row than the rule's failAfter")).toBeInTheDocument();
  });

  it('refreshes on demand and reports a failed load', async () => {
    let answer: 'empty' | 'one' | 'error' = 'empty';
    useBackend(
      aRepoBackend(aSettingsView(), {
        getActivity: () =>
          answer === 'error'
            ? { ok: false, error: { code: 'internal', message: 'The store is unavailable.' } }
            : ok({ entries: answer === 'one' ? [anActivityEntry({ event: { kind: 'push', source: 'forge', ref: 'main', state: null, key: null, commit: null } })] : [] }),
      }),
    );
    const user = userEvent.setup();
    render(<App />);
    expect(await screen.findByText(/No events yet/)).toBeInTheDocument();
    answer = 'one';
    await user.click(screen.getByRole('button', { name: 'Refresh recent events' }));
    const table = screen.getByRole('table', { name: 'Recent events' });
    expect(await within(table).findByText('push on main')).toBeInTheDocument();
    answer = 'error';
    await user.click(screen.getByRole('button', { name: 'Refresh recent events' }));
    expect(await screen.findByText('Could not load recent events')).toBeInTheDocument();
    expect(screen.getByText('The store is unavailable.')).toBeInTheDocument();
    // The entries already shown stay.
    expect(within(table).getByText('push on main')).toBeInTheDocument();
    await waitFor(() => expect(callsTo('getActivity')).toHaveLength(3));
  });

  it('has no axe violations with entries', async () => {
    useBackend(aRepoBackend(aSettingsView(), { getActivity: () => ok({ entries: [anActivityEntry(), anActivityEntry({ decision: 'nothing', reason: 'duplicate', alerts: [] })] }) }));
    const { container } = render(<App />);
    const table = await screen.findByRole('table', { name: 'Recent events' });
    await within(table).findByText(/The same result was seen before/);
    expect(await axe(container)).toHaveNoViolations();
  });

  it('summarises events of each kind', () => {
    expect(eventSummary({ kind: 'build', source: 'forge', ref: 'main', state: 'FAILED', key: 'ci', commit: null })).toBe('build ci on main: FAILED');
    expect(eventSummary({ kind: 'pullrequest', source: 'cloud-webhook', ref: 'feature/x', state: 'merged', key: null, commit: null })).toBe('pull request on feature/x: merged');
    expect(eventSummary({ kind: 'deployment', source: 'forge', ref: 'production', state: 'FAILED', key: null, commit: 'abc' })).toBe('deployment on production: FAILED');
    expect(eventSummary({ kind: 'ping', source: 'server-webhook', ref: null, state: null, key: null, commit: null })).toBe('ping');
  });
});

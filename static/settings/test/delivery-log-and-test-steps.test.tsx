import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from '../src/app';
import { aChannel, aLogEntry, aRepoBackend, aSettingsView, aTestResult, ok, useBackend } from './fake-backend';

describe('delivery log reasons and follow-ups', () => {
  it('says in words why a skipped or settled attempt sent nothing, and how a follow-up went', async () => {
    useBackend(
      aRepoBackend(aSettingsView({ channels: [aChannel()] }), {
        getDeliveryLog: () =>
          ok({
            entries: [
              aLogEntry({ id: 'd1', outcome: 'skipped', status: null, latencyMs: null, reason: 'quiet-hours' }),
              aLogEntry({ id: 'd2', outcome: 'delivered', alertType: 'fixed', reason: 'redelivered' }),
              aLogEntry({ id: 'd3', channel: 'discord', followUp: 'follow-up delivered' }),
              aLogEntry({ id: 'd4', channel: 'plain' }),
            ],
            nextCursor: null,
          }),
      }),
    );
    render(<App />);
    const table = await screen.findByRole('table', { name: 'Delivery log' });
    await within(table).findByText("Held until the rule's quiet hours end");
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toHaveTextContent('skipped');
    expect(rows[1]).toHaveTextContent("Held until the rule's quiet hours end");
    expect(rows[2]).toHaveTextContent('The queue delivered this job again; it was already sent');
    expect(rows[3]).toHaveTextContent('Follow-up delivered');
    expect(rows[4]).not.toHaveTextContent(/Follow-up|held|again/i);
  });
});

describe('test alert steps', () => {
  async function sendTest(result: ReturnType<typeof aTestResult>) {
    useBackend(aRepoBackend(aSettingsView({ channels: [aChannel({ name: 'pager', type: 'webhook' })] }), { testChannel: () => ok(result) }));
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('button', { name: 'Send test alert to pager' }));
    return screen.findByRole('status', { name: 'Test result for pager' });
  }

  it('shows that the test incident was opened and resolved', async () => {
    const answer = await sendTest(
      aTestResult({
        steps: [
          { step: 'open', outcome: 'delivered', status: 202, error: null },
          { step: 'resolve', outcome: 'delivered', status: 202, error: null },
        ],
      }),
    );
    const steps = within(answer).getByRole('list', { name: 'Test steps' });
    expect(steps).toHaveTextContent('Opened test incident: delivered · Resolved it: delivered');
    expect(within(steps).getAllByRole('listitem')).toHaveLength(2);
  });

  it('names the failing step with its error, once', async () => {
    const answer = await sendTest(
      aTestResult({
        outcome: 'failed',
        status: 500,
        error: 'PagerDuty answered 500',
        steps: [
          { step: 'open', outcome: 'delivered', status: 202, error: null },
          { step: 'resolve', outcome: 'failed', status: 500, error: 'PagerDuty answered 500' },
        ],
      }),
    );
    const items = within(within(answer).getByRole('list', { name: 'Test steps' })).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('Opened test incident: delivered');
    expect(items[1]).toHaveTextContent('Resolved it: failed (HTTP 500) — PagerDuty answered 500');
    expect(within(answer).getAllByText(/PagerDuty answered 500/)).toHaveLength(1);
  });

  it('shows no steps for a chat channel test', async () => {
    const answer = await sendTest(aTestResult());
    expect(within(answer).queryByRole('list', { name: 'Test steps' })).not.toBeInTheDocument();
    expect(answer).toHaveTextContent('delivered');
  });
});

import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { axe } from 'jest-axe';
import { App } from '../src/app';
import { failureBadge } from '../src/components/failed-jobs-section';
import type { DeadLetterDto } from '../../../src/shared/contract';
import { aDeadLetter, aRepoBackend, aSettingsView, callsTo, ok, useBackend } from './fake-backend';

const permanent = aDeadLetter();
const repeated = aDeadLetter({
  id: 'r1:dl-2',
  at: '2026-11-23T09:30:00.000Z',
  type: 'event',
  summary: 'build FAILED main my-build1',
  error: 'TimeoutError: the store did not answer',
  permanent: false,
  attempts: 5,
  firstFailureAt: '2026-11-23T09:00:00.000Z',
  lastFailureAt: '2026-11-23T09:30:00.000Z',
});

async function failedJobs() {
  return screen.findByRole('list', { name: 'Failed jobs' });
}

describe('failed jobs section', () => {
  it('lists each set-aside job with its time, summary, error, badge and first and last failure', async () => {
    useBackend(aRepoBackend(aSettingsView(), { getDeadLetters: () => ok({ entries: [permanent, repeated] }) }));
    render(<App />);
    const list = await failedJobs();
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);

    const first = within(list).getByRole('listitem', { name: 'build.failed to channel audit' });
    expect(first).toBe(items[0]);
    expect(within(first).getByText('failed permanently')).toBeInTheDocument();
    expect(first).toHaveTextContent('StorageContractError: value too large');
    expect(first).toHaveTextContent('deliver job');
    const times = first.querySelectorAll('time');
    expect([...times].map((t) => t.getAttribute('dateTime'))).toEqual([permanent.at, permanent.firstFailureAt, permanent.lastFailureAt]);
    expect(first).toHaveTextContent(/First failure .+ · last failure .+/);

    const second = within(list).getByRole('listitem', { name: 'build FAILED main my-build1' });
    expect(within(second).getByText('failed 5 times')).toBeInTheDocument();
    expect(second).toHaveTextContent('TimeoutError: the store did not answer');
    expect(within(second).getByRole('button', { name: /^Retry build FAILED main my-build1, set aside / })).toBeEnabled();
    expect(callsTo('getDeadLetters')).toEqual([{}]);
  });

  it('sits above the delivery log, and its button does not take the name "Refresh"', async () => {
    useBackend(aRepoBackend(aSettingsView()));
    render(<App />);
    const heading = await screen.findByRole('heading', { name: 'Failed jobs' });
    const log = screen.getByRole('heading', { name: 'Delivery log' });
    const events = screen.getByRole('heading', { name: 'Recent events' });
    expect(events.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(heading.compareDocumentPosition(log) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reload failed jobs' })).toBeInTheDocument();
    // The browser test clicks the last button named like "Refresh": it must stay the delivery log's.
    const refreshes = screen.getAllByRole('button', { name: /Refresh/ });
    const logSection = log.closest('section')!;
    expect(logSection).toContainElement(refreshes[refreshes.length - 1]!);
  });

  it('shows the empty state', async () => {
    useBackend(aRepoBackend(aSettingsView()));
    render(<App />);
    expect(await screen.findByText('No failed jobs.')).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Failed jobs' })).not.toBeInTheDocument();
  });

  it('retries an entry, then reloads the list without it', async () => {
    let entries: DeadLetterDto[] = [permanent, repeated];
    useBackend(
      aRepoBackend(aSettingsView(), {
        getDeadLetters: () => ok({ entries }),
        retryDeadLetter: (req) => {
          entries = entries.filter((e) => e.id !== req.id);
          return ok({ queued: true as const });
        },
      }),
    );
    const user = userEvent.setup();
    render(<App />);
    const list = await failedJobs();
    const item = within(list).getByRole('listitem', { name: 'build FAILED main my-build1' });
    await user.click(within(item).getByRole('button', { name: /^Retry / }));
    await waitFor(() => expect(within(list).queryByRole('listitem', { name: 'build FAILED main my-build1' })).not.toBeInTheDocument());
    expect(callsTo('retryDeadLetter')).toEqual([{ id: 'r1:dl-2' }]);
    expect(callsTo('getDeadLetters')).toHaveLength(2);
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    const section = screen.getByRole('region', { name: 'Failed jobs' });
    expect(within(section).getByRole('status')).toHaveTextContent('Queued again: build FAILED main my-build1.');

    // The last one goes too: the empty state.
    await user.click(within(list).getByRole('button', { name: /^Retry build\.failed to channel audit/ }));
    expect(await within(section).findByText('No failed jobs.')).toBeInTheDocument();
    expect(callsTo('retryDeadLetter')).toEqual([{ id: 'r1:dl-2' }, { id: 'r1:dl-1' }]);
  });

  it('shows a refused retry next to its entry and keeps the entry', async () => {
    useBackend(
      aRepoBackend(aSettingsView(), {
        getDeadLetters: () => ok({ entries: [permanent, repeated] }),
        retryDeadLetter: (req) =>
          req.id === 'r1:dl-1'
            ? { ok: false, error: { code: 'not-found', message: 'no dead letter "r1:dl-1"' } }
            : { ok: false, error: { code: 'invalid', message: 'this job cannot be retried', fields: [{ path: 'id', message: 'this job cannot be retried' }] } },
      }),
    );
    const user = userEvent.setup();
    render(<App />);
    const list = await failedJobs();
    const first = within(list).getByRole('listitem', { name: 'build.failed to channel audit' });
    const second = within(list).getByRole('listitem', { name: 'build FAILED main my-build1' });

    await user.click(within(first).getByRole('button', { name: /^Retry / }));
    const notFound = await within(first).findByRole('alert');
    expect(notFound).toHaveTextContent('Not retried: no dead letter "r1:dl-1". It may have been retried already or expired: reload the list.');
    expect(within(first).getByRole('button', { name: /^Retry / })).toHaveAccessibleDescription(notFound.textContent!);
    expect(within(second).queryByRole('alert')).not.toBeInTheDocument();

    await user.click(within(second).getByRole('button', { name: /^Retry / }));
    expect(await within(second).findByRole('alert')).toHaveTextContent(/^Not retried: this job cannot be retried\.$/);
    // Refusals do not reload the list: both entries and the first's message stay.
    expect(callsTo('getDeadLetters')).toHaveLength(1);
    expect(within(list).getAllByRole('listitem')).toHaveLength(2);
    expect(within(first).getByRole('alert')).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Failed jobs' })).getByRole('status')).toHaveTextContent('');
  });

  it('reloads on demand and reports a failed load, keeping what it showed', async () => {
    let answer: 'one' | 'error' | 'two' = 'one';
    useBackend(
      aRepoBackend(aSettingsView(), {
        getDeadLetters: () =>
          answer === 'error'
            ? { ok: false, error: { code: 'internal', message: 'The store is unavailable.' } }
            : ok({ entries: answer === 'one' ? [permanent] : [repeated, permanent] }),
      }),
    );
    const user = userEvent.setup();
    render(<App />);
    const list = await failedJobs();
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    answer = 'error';
    await user.click(screen.getByRole('button', { name: 'Reload failed jobs' }));
    expect(await screen.findByText('Could not load failed jobs')).toBeInTheDocument();
    expect(screen.getByText('The store is unavailable.')).toBeInTheDocument();
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    answer = 'two';
    await user.click(screen.getByRole('button', { name: 'Reload failed jobs' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(2));
    expect(screen.queryByText('Could not load failed jobs')).not.toBeInTheDocument();
    expect(callsTo('getDeadLetters')).toHaveLength(3);
  });

  it('has no axe violations with entries and a refused retry', async () => {
    useBackend(
      aRepoBackend(aSettingsView(), {
        getDeadLetters: () => ok({ entries: [permanent, repeated] }),
        retryDeadLetter: () => ({ ok: false, error: { code: 'not-found', message: 'no dead letter' } }),
      }),
    );
    const user = userEvent.setup();
    const { container } = render(<App />);
    const list = await failedJobs();
    await user.click(within(list).getAllByRole('button', { name: /^Retry / })[0]!);
    await within(list).findByRole('alert');
    expect(await axe(container)).toHaveNoViolations();
  });

  it('words the badge', () => {
    expect(failureBadge({ permanent: true, attempts: 3 })).toBe('failed permanently');
    expect(failureBadge({ permanent: false, attempts: 5 })).toBe('failed 5 times');
    expect(failureBadge({ permanent: false, attempts: 1 })).toBe('failed once');
  });
});

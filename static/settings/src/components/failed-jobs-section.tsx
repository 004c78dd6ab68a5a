import { useState, type CSSProperties } from 'react';
import Button from '@atlaskit/button/default/button';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import type { DeadLetterDto, ResolverResponse } from '../api';
import { formatTime } from '../lib/format';
import { ErrorBanner, mono, Section, subtleText } from './ui';
import { useLoadedEntries } from '../lib/use-loaded-entries';

interface Props {
  load(): Promise<ResolverResponse<{ entries: DeadLetterDto[] }>>;
  retry(id: string): Promise<ResolverResponse<{ queued: true }>>;
}

/** "failed permanently", "failed once", "failed 5 times". */
export function failureBadge(entry: Pick<DeadLetterDto, 'permanent' | 'attempts'>): string {
  if (entry.permanent) return 'failed permanently';
  return entry.attempts === 1 ? 'failed once' : `failed ${entry.attempts} times`;
}

/**
 * Jobs the queue set aside after failing (a permanent error, or too many failures in a row), with a
 * way to queue each again. The button is "Reload", not "Refresh": the delivery log's is the page's last.
 */
export function FailedJobsSection(props: Props) {
  const { load } = props;
  const { entries, loading, problem, refresh } = useLoadedEntries(load);
  /** Per entry id: a retry in flight, or why it was refused. */
  const [retrying, setRetrying] = useState<Record<string, 'pending' | string>>({});
  const [queued, setQueued] = useState<string | null>(null);

  async function retry(entry: DeadLetterDto) {
    setQueued(null);
    setRetrying((r) => ({ ...r, [entry.id]: 'pending' }));
    const res = await props.retry(entry.id);
    if (res.ok) {
      setRetrying(({ [entry.id]: _, ...rest }) => rest);
      setQueued(entry.summary);
      await refresh();
      return;
    }
    const hint = res.error.code === 'not-found' ? ' It may have been retried already or expired: reload the list.' : '';
    const message = res.error.message.replace(/\.?$/, '.');
    setRetrying((r) => ({ ...r, [entry.id]: `${message}${hint}` }));
  }

  return (
    <Section
      id="failed-jobs"
      title="Failed jobs"
      description="Jobs set aside after failing permanently or too many times in a row, newest first. Kept 14 days; Retry queues one again."
      actions={
        <Button onClick={() => void refresh()} isDisabled={loading} aria-label="Reload failed jobs">
          Reload
        </Button>
      }
    >
      <ErrorBanner title="Could not load failed jobs" messages={problem} />
      <div role="status" style={queued ? statusStyle : undefined}>
        {queued ? `Queued again: ${queued}.` : null}
      </div>
      {entries === null ? (
        <div style={{ display: 'flex', justifyContent: 'center', padding: token('space.200') }}>
          <Spinner label="Loading failed jobs" />
        </div>
      ) : entries.length === 0 ? (
        <p style={subtleText}>No failed jobs.</p>
      ) : (
        <ul aria-label="Failed jobs" style={listStyle}>
          {entries.map((e) => {
            const state = retrying[e.id];
            const errorId = `failed-job-${e.id}-retry-error`;
            return (
              <li key={e.id} aria-label={e.summary} style={itemStyle}>
                <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: token('space.100') }}>
                  <div style={{ minWidth: 0 }}>
                    <div style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: token('space.100') }}>
                      <strong style={{ wordBreak: 'break-word' }}>{e.summary}</strong>
                      <Lozenge appearance={e.permanent ? 'removed' : 'moved'}>{failureBadge(e)}</Lozenge>
                    </div>
                    <div style={subtleText}>
                      Set aside <time dateTime={e.at}>{formatTime(e.at)}</time> · {e.type} job
                    </div>
                  </div>
                  <Button
                    spacing="compact"
                    isLoading={state === 'pending'}
                    onClick={() => void retry(e)}
                    aria-label={`Retry ${e.summary}, set aside ${formatTime(e.at)}`}
                    aria-describedby={state && state !== 'pending' ? errorId : undefined}
                  >
                    Retry
                  </Button>
                </div>
                <div style={{ ...mono, color: token('color.text.danger'), marginTop: token('space.075') }}>{e.error}</div>
                <div style={subtleText}>
                  First failure <time dateTime={e.firstFailureAt}>{formatTime(e.firstFailureAt)}</time> · last failure{' '}
                  <time dateTime={e.lastFailureAt}>{formatTime(e.lastFailureAt)}</time>
                </div>
                {state && state !== 'pending' ? (
                  <div id={errorId} role="alert" style={{ color: token('color.text.danger'), marginTop: token('space.075') }}>
                    Not retried: {state}
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

const listStyle: CSSProperties = { listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: token('space.100') };

const itemStyle: CSSProperties = {
  border: `1px solid ${token('color.border')}`,
  borderRadius: token('radius.medium', '6px'),
  padding: token('space.150'),
};

const statusStyle: CSSProperties = { color: token('color.text.success'), marginBottom: token('space.100') };

import { useState } from 'react';
import Button from '@atlaskit/button/default/button';
import DynamicTable from '@atlaskit/dynamic-table';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import type { DeliveryLogEntry, ResolverResponse } from '../api';
import { formatLatency, formatTime } from '../lib/format';
import { DELIVERY_LOG_PAGE } from '../lib/paging';
import { reasonInWords } from '../lib/reasons';
import { outcomeAppearance } from './outcome';
import { ErrorBanner, Section, subtleText } from './ui';
import { useLoadedEntries } from '../lib/use-loaded-entries';

interface Props {
  load(cursor?: string): Promise<ResolverResponse<{ entries: DeliveryLogEntry[]; nextCursor: string | null }>>;
  redeliver(id: string): Promise<ResolverResponse<{ queued: true }>>;
  /** Bumped by the page when something likely added entries (a test alert). */
  refreshKey?: number;
}

export function DeliveryLogSection(props: Props) {
  const { load } = props;
  const [cursor, setCursor] = useState<string | null>(null);
  const { entries, setEntries, loading, setLoading, problem, setProblem, refresh } = useLoadedEntries(load, {
    onLoaded: (data) => setCursor(data.nextCursor),
    refreshKey: props.refreshKey,
  });
  const [queued, setQueued] = useState<Record<string, 'pending' | 'queued' | string>>({});

  async function more() {
    if (!cursor) return;
    setLoading(true);
    const res = await load(cursor);
    setLoading(false);
    if (res.ok) {
      setEntries((e) => [...(e ?? []), ...res.data.entries]);
      setCursor(res.data.nextCursor);
    } else setProblem([res.error.message]);
  }

  async function redeliver(id: string) {
    setQueued((q) => ({ ...q, [id]: 'pending' }));
    const res = await props.redeliver(id);
    setQueued((q) => ({ ...q, [id]: res.ok ? 'queued' : res.error.message }));
  }

  const head = {
    cells: [
      { key: 'at', content: 'Time' },
      { key: 'channel', content: 'Channel' },
      { key: 'alert', content: 'Alert' },
      { key: 'outcome', content: 'Outcome' },
      { key: 'status', content: 'HTTP' },
      { key: 'latency', content: 'Latency' },
      { key: 'error', content: 'Error' },
      { key: 'action', content: <span style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0,0,0,0)' }}>Actions</span> },
    ],
  };
  const rows = (entries ?? []).map((e) => {
    const q = queued[e.id];
    return {
      key: e.id,
      cells: [
        { key: 'at', content: <time dateTime={e.at}>{formatTime(e.at)}</time> },
        { key: 'channel', content: e.channel },
        {
          key: 'alert',
          content: (
            <span>
              {e.alertType}
              {e.test ? (
                <>
                  {' '}
                  <Lozenge appearance="new">test</Lozenge>
                </>
              ) : null}
              {e.rule ? <div style={subtleText}>{e.rule}</div> : null}
            </span>
          ),
        },
        {
          key: 'outcome',
          content: (
            <span>
              <Lozenge appearance={outcomeAppearance(e.outcome)}>{e.outcome}</Lozenge>
              {e.attempt > 1 ? <span style={subtleText}> attempt {e.attempt}</span> : null}
              {e.reason ? <div style={subtleText}>{reasonInWords(e.reason)}</div> : null}
              {e.followUp ? <div style={subtleText}>{capitalise(e.followUp)}</div> : null}
            </span>
          ),
        },
        { key: 'status', content: e.status ?? '—' },
        { key: 'latency', content: formatLatency(e.latencyMs) },
        { key: 'error', content: e.error ? <span style={{ color: token('color.text.danger'), wordBreak: 'break-word' }}>{e.error}</span> : '—' },
        {
          key: 'action',
          content:
            q === 'queued' ? (
              <span role="status">Queued</span>
            ) : (
              <>
                <Button
                  spacing="compact"
                  isLoading={q === 'pending'}
                  onClick={() => void redeliver(e.id)}
                  aria-label={`Redeliver ${e.alertType} to ${e.channel} at ${formatTime(e.at)}`}
                >
                  Redeliver
                </Button>
                {q && q !== 'pending' ? <div role="alert" style={{ color: token('color.text.danger') }}>{q}</div> : null}
              </>
            ),
        },
      ],
    };
  });

  return (
    <Section
      id="log"
      title="Delivery log"
      description="Every attempt to deliver an alert, newest first."
      actions={
        <Button onClick={() => void refresh()} isDisabled={loading}>
          Refresh
        </Button>
      }
    >
      <ErrorBanner title="Could not load the log" messages={problem} />
      <DynamicTable
        label="Delivery log"
        head={head}
        rows={rows}
        isLoading={entries === null || loading}
        emptyView={<p style={subtleText}>No deliveries yet. Send a test alert from a channel to see one here.</p>}
      />
      {cursor ? (
        <div style={{ display: 'flex', justifyContent: 'center', marginTop: token('space.100') }}>
          <Button onClick={() => void more()} isDisabled={loading}>
            Load older deliveries
          </Button>
        </div>
      ) : null}
    </Section>
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export { DELIVERY_LOG_PAGE };

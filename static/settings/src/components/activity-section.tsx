import Button from '@atlaskit/button/default/button';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from './lozenge';
import type { ActivityEntryDto, ResolverResponse } from '../api';
import { formatTime } from '../lib/format';
import { reasonInWords } from '../lib/reasons';
import { ErrorBanner, Section, subtleText } from './ui';
import { useLoadedEntries } from '../lib/use-loaded-entries';

type Activity = ActivityEntryDto;

const KIND_WORD: Record<string, string> = { pullrequest: 'pull request' };

/** "build ci on main: FAILED", "push on main", "pull request on feature/x: merged". */
export function eventSummary(e: Activity['event']): string {
  const what = [KIND_WORD[e.kind] ?? e.kind, e.key].filter(Boolean).join(' ');
  return `${what}${e.ref ? ` on ${e.ref}` : ''}${e.state ? `: ${e.state}` : ''}`;
}

function Details(props: { entry: Activity }) {
  const { entry } = props;
  const top = entry.decision === 'nothing' ? reasonInWords(entry.reason, entry.why) : null;
  const lines: { key: string; text: string; subtle: boolean }[] = [];
  entry.alerts.forEach((a, i) => {
    for (const s of a.sent) {
      lines.push({ key: `${i}-${s.rule}`, text: `${a.type}: rule ${s.rule} → ${s.channels.length ? s.channels.join(', ') : 'no channels'}`, subtle: false });
    }
    const why = a.sent.length === 0 ? reasonInWords(a.reason) : null;
    // The entry's own reason already says it when it is the same.
    if (why && why !== top) lines.push({ key: `${i}-why`, text: `${a.type}: not sent. ${why}`, subtle: true });
  });
  return (
    <div>
      {top ? <div>{top}</div> : entry.decision === 'nothing' && lines.length === 0 ? <div style={subtleText}>No alert was raised.</div> : null}
      {lines.length ? (
        <ul style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {lines.map((l) => (
            <li key={l.key} style={l.subtle ? { ...subtleText, marginTop: 0 } : undefined}>
              {l.text}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** "Why did or didn't this alert?": the latest events and what became of each. */
export function ActivitySection(props: { load(): Promise<ResolverResponse<{ entries: Activity[] }>> }) {
  const { load } = props;
  const { entries, loading, problem, refresh } = useLoadedEntries(load);

  const head = {
    cells: [
      { key: 'at', content: 'Time' },
      { key: 'event', content: 'Event' },
      { key: 'decision', content: 'Decision' },
      { key: 'details', content: 'Why' },
    ],
  };
  const rows = (entries ?? []).map((e, i) => ({
    key: `${e.at}-${i}`,
    cells: [
      { key: 'at', content: <time dateTime={e.at}>{formatTime(e.at)}</time> },
      {
        key: 'event',
        content: (
          <span>
            {eventSummary(e.event)}
            <div style={subtleText}>
              {[e.event.source, e.event.commit ? `commit ${e.event.commit.slice(0, 7)}` : null].filter(Boolean).join(' · ')}
            </div>
          </span>
        ),
      },
      {
        key: 'decision',
        content: e.decision === 'alerted' ? <Lozenge appearance="success">alerted</Lozenge> : <Lozenge>nothing sent</Lozenge>,
      },
      { key: 'details', content: <Details entry={e} /> },
    ],
  }));

  return (
    <Section
      id="activity"
      title="Recent events"
      description="What became of each event Bitbucket reported, newest first: which rules and channels it alerted, or why it sent nothing."
      actions={
        <Button onClick={() => void refresh()} isDisabled={loading} aria-label="Refresh recent events">
          Refresh
        </Button>
      }
    >
      <ErrorBanner title="Could not load recent events" messages={problem} />
      <DynamicTable
        label="Recent events"
        head={head}
        rows={rows}
        isLoading={entries === null || loading}
        emptyView={<p style={subtleText}>No events yet. Each build status, push or pull request Bitbucket reports shows here with what became of it.</p>}
      />
    </Section>
  );
}

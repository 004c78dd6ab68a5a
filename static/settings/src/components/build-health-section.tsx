import { useCallback, useEffect, useState } from 'react';
import Button from '@atlaskit/button/default/button';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import type { BuildHealthCell, BuildHealthRow, ResolverResponse } from '../api';
import { formatSince, formatTime } from '../lib/format';
import { ErrorBanner, Section, subtleText } from './ui';

const CELL_COLOR: Record<BuildHealthCell['state'], string> = {
  SUCCESSFUL: token('color.background.success.bold'),
  FAILED: token('color.background.danger.bold'),
  INPROGRESS: token('color.background.information.bold'),
  STOPPED: token('color.background.neutral.bold'),
};

const STATE_WORD: Record<BuildHealthCell['state'], string> = {
  SUCCESSFUL: 'passed',
  FAILED: 'failed',
  INPROGRESS: 'in progress',
  STOPPED: 'stopped',
};

export function BuildHealthSection(props: { load(): Promise<ResolverResponse<{ rows: BuildHealthRow[] }>> }) {
  const { load } = props;
  const [rows, setRows] = useState<BuildHealthRow[] | null>(null);
  const [problem, setProblem] = useState<string[]>([]);

  const refresh = useCallback(async () => {
    const res = await load();
    if (res.ok) {
      setRows(res.data.rows);
      setProblem([]);
    } else {
      setRows((r) => r ?? []);
      setProblem([res.error.message]);
    }
  }, [load]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <Section id="health" title="Build health" description="Recent results of the builds your rules watch, oldest to newest." actions={<Button onClick={() => void refresh()}>Refresh</Button>}>
      <ErrorBanner title="Could not load build health" messages={problem} />
      {rows === null ? (
        <Spinner label="Loading build health" />
      ) : rows.length === 0 ? (
        <p style={subtleText}>No builds seen yet. Results appear here after the first build status arrives.</p>
      ) : (
        <ul aria-label="Watched builds" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {rows.map((r) => {
            const label = `${r.buildName ?? r.buildKey} on ${r.ref}`;
            return (
              <li key={`${r.ref}\u0000${r.buildKey}`} style={{ padding: `${token('space.100')} 0`, borderTop: `1px solid ${token('color.border')}` }}>
                <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'center', flexWrap: 'wrap' }}>
                  <strong>{r.ref}</strong>
                  <span style={{ color: token('color.text.subtle') }}>{r.buildName ?? r.buildKey}</span>
                  {r.openIncident ? (
                    <Lozenge appearance="removed">
                      Failing since {formatSince(r.openIncident.since)} · {r.openIncident.failures} {r.openIncident.failures === 1 ? 'failure' : 'failures'}
                    </Lozenge>
                  ) : (
                    <Lozenge appearance="success">Healthy</Lozenge>
                  )}
                </div>
                <ol aria-label={`Recent results of ${label}`} style={{ display: 'flex', gap: 3, listStyle: 'none', padding: 0, margin: `${token('space.075')} 0 0` }}>
                  {r.recent.map((c, i) => {
                    const text = `${STATE_WORD[c.state]}${c.at ? ` ${formatTime(c.at)}` : ''}${c.commit ? `, commit ${c.commit.slice(0, 7)}` : ''}`;
                    const cell = <span aria-hidden="true" style={{ display: 'block', width: 14, height: 22, borderRadius: 3, background: CELL_COLOR[c.state] }} />;
                    return (
                      <li key={i} title={text}>
                        {c.url && /^https?:/.test(c.url) ? (
                          <a href={c.url} target="_blank" rel="noreferrer" aria-label={`Build ${text}`}>
                            {cell}
                          </a>
                        ) : (
                          <span role="img" aria-label={`Build ${text}`}>
                            {cell}
                          </span>
                        )}
                      </li>
                    );
                  })}
                </ol>
                {r.openIncident?.since ? <div style={subtleText}>Open incident since {formatTime(r.openIncident.since)}</div> : null}
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

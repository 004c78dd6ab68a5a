import { useEffect, useState } from 'react';
import Button from '@atlaskit/button/default/button';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import SectionMessage from './section-message';
import type { ChannelInput, ChannelTypeInfo, ChannelView, ResolverResponse, TestResult } from '../api';
import { formatLatency, formatTime } from '../lib/format';
import { LazyBoundary, preloadable, whenIdle } from '../lib/lazy';
import { ConfirmDialog } from './confirm-dialog';
import { outcomeAppearance } from './outcome';
import { ErrorBanner, mono, Section, subtleText } from './ui';

export interface ChannelOps {
  save(channel: ChannelInput, previousName?: string): Promise<ResolverResponse<ChannelView>>;
  remove(name: string): Promise<ResolverResponse<{ deleted: true }>>;
  /** Absent on the workspace page (no test or re-enable resolvers there). */
  test?(name: string): Promise<ResolverResponse<TestResult>>;
  setEnabled?(name: string, enabled: boolean): Promise<ResolverResponse<ChannelView>>;
}

interface Props {
  channels: ChannelView[];
  types: ChannelTypeInfo[];
  ops: ChannelOps;
  onChannels(channels: ChannelView[]): void;
  /** Shown under the empty state, e.g. how rules use channels. */
  emptyHint?: string;
}

/** The channel editor (with Atlaskit Select) loads on first use, or when the page is idle. */
const ChannelForm = preloadable(() => import('./channel-form').then((m) => m.ChannelForm));

type Editing = { mode: 'add' } | { mode: 'edit'; channel: ChannelView } | null;

export function ChannelsSection(props: Props) {
  const { channels, types, ops } = props;
  const [editing, setEditing] = useState<Editing>(null);
  const [confirm, setConfirm] = useState<ChannelView | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult | 'running' | { error: string }>>({});
  const [rowErrors, setRowErrors] = useState<string[]>([]);
  const own = channels.filter((c) => !c.inherited);
  const typeLabel = (t: string) => types.find((x) => x.type === t)?.label ?? t;

  useEffect(() => whenIdle(() => void ChannelForm.preload()), []);

  function replace(saved: ChannelView, previousName?: string) {
    const key = previousName ?? saved.name;
    const i = channels.findIndex((c) => c.name === key && !c.inherited);
    props.onChannels(i >= 0 ? channels.map((c, j) => (j === i ? saved : c)) : [...channels, saved]);
  }

  async function runTest(name: string) {
    if (!ops.test) return;
    setTests((t) => ({ ...t, [name]: 'running' }));
    const res = await ops.test(name);
    setTests((t) => ({ ...t, [name]: res.ok ? res.data : { error: res.error.message } }));
  }

  async function reenable(name: string) {
    if (!ops.setEnabled) return;
    const res = await ops.setEnabled(name, true);
    if (res.ok) replace(res.data, name);
    else setRowErrors([res.error.message]);
  }

  async function remove(name: string) {
    const res = await ops.remove(name);
    setConfirm(null);
    if (res.ok) props.onChannels(channels.filter((c) => c.inherited || c.name !== name));
    else setRowErrors([res.error.message]);
  }

  const addButton = (
    <Button appearance={channels.length === 0 ? 'primary' : 'default'} onClick={() => setEditing({ mode: 'add' })} isDisabled={editing !== null}>
      Add a channel
    </Button>
  );

  return (
    <Section id="channels" title="Channels" description="Where alerts go: chat rooms, paging services or your own webhook." actions={channels.length > 0 ? addButton : null}>
      {channels.length === 0 && editing === null ? (
        <SectionMessage title="No channels yet" actions={[<span key="add">{addButton}</span>]}>
          <p>Add the Slack, Teams, Google Chat or other channel your team watches. {props.emptyHint ?? ''}</p>
        </SectionMessage>
      ) : null}
      {editing ? (
        <LazyBoundary label="Loading the channel form">
          <ChannelForm
            idPrefix="channel-form"
            types={types}
            existing={editing.mode === 'edit' ? editing.channel : null}
            otherNames={own.filter((c) => editing.mode === 'add' || c.name !== editing.channel.name).map((c) => c.name)}
            onSubmit={(input, previousName) => ops.save(input, previousName)}
            onDone={(saved) => {
              replace(saved, editing.mode === 'edit' ? editing.channel.name : undefined);
              setEditing(null);
            }}
            onCancel={() => setEditing(null)}
          />
        </LazyBoundary>
      ) : null}
      <ErrorBanner title="Something went wrong" messages={rowErrors} />
      {channels.length > 0 ? (
        <ul style={listStyle} aria-label="Channels">
          {channels.map((c) => {
            const test = tests[c.name];
            return (
              <li key={`${c.inherited ? 'ws' : 'repo'}-${c.name}`} style={rowStyle} aria-label={`Channel ${c.name}`}>
                <div style={{ display: 'flex', justifyContent: 'space-between', gap: token('space.200'), flexWrap: 'wrap' }}>
                  <div style={{ minWidth: 0 }}>
                    <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'center', flexWrap: 'wrap' }}>
                      <strong>{c.name}</strong>
                      <Lozenge>{typeLabel(c.type)}</Lozenge>
                      {c.inherited ? <Lozenge appearance="new">Workspace default</Lozenge> : null}
                      {c.disabled ? <Lozenge appearance="removed">Disabled</Lozenge> : null}
                    </div>
                    {Object.entries(c.secrets).map(([field, hint]) => (
                      <div key={field} style={subtleText}>
                        {field}: <span style={mono}>{hint}</span>
                      </div>
                    ))}
                    {c.disabled ? (
                      <div style={{ ...subtleText, color: token('color.text.danger') }}>
                        Disabled {formatTime(c.disabled.at)}: {c.disabled.reason}
                      </div>
                    ) : null}
                  </div>
                  <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'flex-start', flexWrap: 'wrap' }}>
                    {c.disabled && ops.setEnabled && !c.inherited ? (
                      <Button onClick={() => reenable(c.name)} aria-label={`Re-enable ${c.name}`}>
                        Re-enable
                      </Button>
                    ) : null}
                    {ops.test ? (
                      <Button onClick={() => runTest(c.name)} isLoading={test === 'running'} aria-label={`Send test alert to ${c.name}`}>
                        Send test alert
                      </Button>
                    ) : null}
                    {!c.inherited ? (
                      <>
                        <Button appearance="subtle" onClick={() => setEditing({ mode: 'edit', channel: c })} isDisabled={editing !== null} aria-label={`Edit ${c.name}`}>
                          Edit
                        </Button>
                        <Button appearance="subtle" onClick={() => setConfirm(c)} aria-label={`Remove ${c.name}`}>
                          Remove
                        </Button>
                      </>
                    ) : null}
                  </div>
                </div>
                {test && test !== 'running' ? <TestAnswer name={c.name} result={test} /> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {confirm ? (
        <ConfirmDialog
          title={`Remove channel ${confirm.name}?`}
          confirmLabel="Remove"
          onConfirm={() => remove(confirm.name)}
          onCancel={() => setConfirm(null)}
        >
          Alerts stop going to {confirm.name}. Rules that name it keep their other channels.
        </ConfirmDialog>
      ) : null}
    </Section>
  );
}

function TestAnswer(props: { name: string; result: TestResult | { error: string } }) {
  const r = props.result;
  return (
    <div role="status" aria-label={`Test result for ${props.name}`} style={{ marginTop: token('space.100'), padding: token('space.100'), background: token('color.background.neutral'), borderRadius: token('radius.medium', '4px') }}>
      {'outcome' in r ? (
        <>
          <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'center' }}>
            <Lozenge appearance={outcomeAppearance(r.outcome)}>{r.outcome}</Lozenge>
            <span>HTTP {r.status ?? '—'}</span>
            <span>{formatLatency(r.latencyMs)}</span>
          </div>
          {r.steps?.length ? <TestSteps steps={r.steps} /> : null}
          {r.response ? <pre style={{ ...mono, whiteSpace: 'pre-wrap', margin: `${token('space.100')} 0 0` }}>{r.response}</pre> : null}
          {r.error && !r.steps?.some((st) => st.error === r.error) ? (
            <div style={{ color: token('color.text.danger'), marginTop: token('space.050') }}>{r.error}</div>
          ) : null}
        </>
      ) : (
        <div style={{ color: token('color.text.danger') }}>Test not sent: {r.error}</div>
      )}
    </div>
  );
}

const STEP_WORDS: Record<NonNullable<TestResult['steps']>[number]['step'], string> = {
  open: 'Opened test incident',
  resolve: 'Resolved it',
};

/** Incident tools: "Opened test incident: delivered · Resolved it: delivered", or where it failed and why. */
function TestSteps(props: { steps: NonNullable<TestResult['steps']> }) {
  return (
    <ol aria-label="Test steps" style={{ listStyle: 'none', padding: 0, margin: `${token('space.075')} 0 0` }}>
      {props.steps.map((st, i) => {
        const failed = st.outcome !== 'delivered';
        return (
          <li key={st.step} style={{ display: 'inline', color: failed ? token('color.text.danger') : undefined }}>
            {i > 0 ? <span aria-hidden="true" style={{ color: token('color.text.subtle') }}> · </span> : null}
            {STEP_WORDS[st.step] ?? st.step}: {st.outcome}
            {failed && st.status !== null ? ` (HTTP ${st.status})` : ''}
            {st.error ? ` — ${st.error}` : ''}
          </li>
        );
      })}
    </ol>
  );
}

const listStyle = { listStyle: 'none', padding: 0, margin: 0 } as const;
const rowStyle = {
  padding: `${token('space.150')} 0`,
  borderTop: `1px solid ${token('color.border')}`,
  marginTop: 0,
} as const;

import { useEffect, useRef, useState } from 'react';
import Button from '@atlaskit/button/default/button';
import Toggle from '@atlaskit/toggle';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import SectionMessage from './section-message';
import type { ResolverResponse, RuleDto } from '../api';
import { fieldErrorsOf } from '../api';
import { listLevelErrors } from '../lib/field-errors';
import { ConfirmDialog } from './confirm-dialog';
import { EVENT_LABELS } from '../lib/events';
import { LazyBoundary, preloadable, whenIdle } from '../lib/lazy';
import type { PreviewFn, RuleSubmitResult } from './rule-form';
import { ErrorBanner, Section, subtleText } from './ui';

interface Props {
  rules: RuleDto[];
  usingDefaults: boolean;
  channelNames: string[];
  save(rules: RuleDto[]): Promise<ResolverResponse<{ rules: RuleDto[] }>>;
  onRules(rules: RuleDto[]): void;
  preview?: PreviewFn;
  /** Wording of the defaults notice: repository pages fall back to workspace or built-in defaults. */
  defaultsNotice?: string;
}

type Editing = { mode: 'add' } | { mode: 'edit'; index: number } | null;

/** The rule editor is only needed once someone adds or edits a rule: its own chunk, fetched when the page is idle. */
const RuleForm = preloadable(() => import('./rule-form').then((m) => m.RuleForm));

export function newRuleTemplate(channelNames: readonly string[], taken: readonly string[]): RuleDto {
  let name = 'Build failures and fixes';
  for (let i = 2; taken.includes(name); i++) name = `Build failures and fixes ${i}`;
  return { name, on: ['failed', 'fixed'], branches: ['@default'], channels: channelNames.slice(0, 1) };
}

export function RulesSection(props: Props) {
  const own = props.usingDefaults ? [] : props.rules;
  const [editing, setEditing] = useState<Editing>(null);
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [focusAfter, setFocusAfter] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);

  useEffect(() => whenIdle(() => void RuleForm.preload()), []);

  // After a reorder the moved row's button gets focus back, so keyboard users can keep moving it
  // (moving a DOM node drops its focus). At the top or bottom edge, its other arrow takes focus.
  useEffect(() => {
    if (!focusAfter) return;
    const [name, dir] = focusAfter.split('\u0000');
    const wrappers = Array.from(listRef.current?.querySelectorAll<HTMLElement>('[data-move]') ?? []).filter((w) => w.dataset.rule === name);
    const buttons = wrappers
      .sort((a, b) => Number(b.dataset.move === dir) - Number(a.dataset.move === dir))
      .map((w) => w.querySelector('button'))
      .filter((b): b is HTMLButtonElement => b !== null && !b.disabled);
    buttons[0]?.focus();
    setFocusAfter(null);
  }, [focusAfter, props.rules]);

  async function commit(next: RuleDto[]): Promise<ResolverResponse<{ rules: RuleDto[] }>> {
    setBusy(true);
    const res = await props.save(next);
    setBusy(false);
    if (res.ok) {
      props.onRules(res.data.rules);
      setProblems([]);
    } else {
      setProblems(fieldErrorsOf(res.error).length ? listLevelErrors(fieldErrorsOf(res.error)) : [res.error.message]);
    }
    return res;
  }

  async function move(index: number, delta: -1 | 1) {
    const target = index + delta;
    if (target < 0 || target >= own.length) return;
    const next = [...own];
    const [item] = next.splice(index, 1);
    next.splice(target, 0, item!);
    const res = await commit(next);
    if (res.ok) setFocusAfter(`${item!.name}\u0000${delta < 0 ? 'up' : 'down'}`);
  }

  async function toggle(index: number, enabled: boolean) {
    await commit(own.map((r, i) => (i === index ? withEnabled(r, enabled) : r)));
  }

  async function submitRule(rule: RuleDto): Promise<RuleSubmitResult> {
    const index = editing?.mode === 'edit' ? editing.index : own.length;
    const next = editing?.mode === 'edit' ? own.map((r, i) => (i === index ? rule : r)) : [...own, rule];
    const res = await commit(next);
    if (res.ok) {
      setEditing(null);
      setProblems([]);
      return { ok: true };
    }
    // The form shows its own rule's errors next to the fields; the banner is for the rest.
    const fields = fieldErrorsOf(res.error);
    const prefix = `rules[${index}]`;
    setProblems(listLevelErrors(fields.filter((f) => f.path !== prefix && !f.path.startsWith(prefix + '.'))));
    return { ok: false, message: res.error.message, fields, prefix };
  }

  async function remove(index: number) {
    setConfirm(null);
    await commit(own.filter((_, i) => i !== index));
  }

  const noChannels = props.channelNames.length === 0;
  const addButton = (
    <Button
      appearance={own.length === 0 && !noChannels ? 'primary' : 'default'}
      onClick={() => setEditing({ mode: 'add' })}
      isDisabled={editing !== null || noChannels}
    >
      Add a rule
    </Button>
  );

  return (
    <Section
      id="rules"
      title="Rules"
      description="Which events alert which channels. Every matching rule sends; when two rules send the same alert to one channel, the higher one wins."
      actions={own.length > 0 ? addButton : null}
    >
      {own.length === 0 && editing === null ? (
        <SectionMessage
          appearance={noChannels ? 'warning' : 'information'}
          title={props.usingDefaults ? 'Using the default rule' : 'No rules'}
          actions={[<span key="add">{addButton}</span>]}
        >
          <p>
            {props.defaultsNotice ?? 'No rules yet: the default rule alerts on failures and fixes of the main branch.'}{' '}
            {noChannels ? 'Add a channel first, then add a rule to choose where alerts go.' : 'Add a rule to choose which events alert which channels.'}
          </p>
        </SectionMessage>
      ) : null}
      {editing ? (
        <LazyBoundary label="Loading the rule form">
          <RuleForm
            existing={editing.mode === 'edit' ? own[editing.index] ?? null : null}
            initial={newRuleTemplate(props.channelNames, own.map((r) => r.name))}
            otherNames={own.filter((_, i) => editing.mode === 'add' || i !== editing.index).map((r) => r.name)}
            channelNames={props.channelNames}
            preview={props.preview}
            onSubmit={submitRule}
            onCancel={() => setEditing(null)}
          />
        </LazyBoundary>
      ) : null}
      <ErrorBanner title="Rules not saved" messages={problems} />
      {own.length > 0 ? (
        <ul ref={listRef} aria-label="Rules, in order" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {own.map((r, i) => {
            const enabled = r.enabled !== false;
            return (
              <li key={r.name} aria-label={`Rule ${i + 1}: ${r.name}`} style={rowStyle}>
                <div style={{ display: 'flex', gap: token('space.150'), alignItems: 'flex-start', justifyContent: 'space-between', flexWrap: 'wrap' }}>
                  <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'flex-start', minWidth: 0 }}>
                    <Toggle
                      id={`rule-enabled-${i}`}
                      label={`Rule ${r.name} enabled`}
                      isChecked={enabled}
                      isDisabled={busy}
                      onChange={(e) => void toggle(i, e.currentTarget.checked)}
                    />
                    <div style={{ minWidth: 0 }}>
                      <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'center' }}>
                        <strong style={{ opacity: enabled ? 1 : 0.6 }}>{r.name}</strong>
                        {!enabled ? <Lozenge>Off</Lozenge> : null}
                      </div>
                      <div style={subtleText}>{describeRule(r)}</div>
                    </div>
                  </div>
                  <div style={{ display: 'flex', gap: token('space.050'), flexWrap: 'wrap' }}>
                    <span data-move="up" data-rule={r.name}>
                    <Button
                      appearance="subtle"
                      isDisabled={busy || i === 0}
                      onClick={() => void move(i, -1)}
                      aria-label={`Move ${r.name} up`}
                    >
                      ↑ Up
                    </Button>
                    </span>
                    <span data-move="down" data-rule={r.name}>
                    <Button
                      appearance="subtle"
                      isDisabled={busy || i === own.length - 1}
                      onClick={() => void move(i, 1)}
                      aria-label={`Move ${r.name} down`}
                    >
                      ↓ Down
                    </Button>
                    </span>
                    <Button appearance="subtle" isDisabled={editing !== null} onClick={() => setEditing({ mode: 'edit', index: i })} aria-label={`Edit ${r.name}`}>
                      Edit
                    </Button>
                    <Button appearance="subtle" isDisabled={busy} onClick={() => setConfirm(i)} aria-label={`Delete ${r.name}`}>
                      Delete
                    </Button>
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
      {props.usingDefaults && props.rules.length > 0 && editing === null ? (
        <div style={{ marginTop: token('space.150') }}>
          <div style={subtleText}>Rules in effect now:</div>
          <ul aria-label="Default rules" style={{ marginTop: token('space.050') }}>
            {props.rules.map((r) => (
              <li key={r.name}>
                <strong>{r.name}</strong>: {describeRule(r)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {confirm !== null && own[confirm] ? (
        <ConfirmDialog title={`Delete rule ${own[confirm].name}?`} confirmLabel="Delete" onConfirm={() => void remove(confirm)} onCancel={() => setConfirm(null)}>
          Events that only this rule matched will no longer alert anyone.
        </ConfirmDialog>
      ) : null}
    </Section>
  );
}

function withEnabled(r: RuleDto, enabled: boolean): RuleDto {
  const { enabled: _drop, ...rest } = r;
  return enabled ? rest : { ...rest, enabled: false };
}

export function describeRule(r: RuleDto): string {
  const events = r.on.map((e) => EVENT_LABELS[e] ?? e).join(', ');
  const branches = r.branches?.length ? r.branches.join(', ') : 'all branches';
  const except = r.excludeBranches?.length ? ` except ${r.excludeBranches.join(', ')}` : '';
  const builds = r.builds?.length ? `, builds ${r.builds.join(', ')}` : '';
  const extra = [
    r.failAfter && r.failAfter > 1 ? `after ${r.failAfter} failures` : '',
    r.remindEvery ? `remind every ${r.remindEvery}` : '',
    r.quietHours ? `quiet ${r.quietHours.from}–${r.quietHours.to} ${r.quietHours.timezone}` : '',
  ].filter(Boolean);
  return `${events} on ${branches}${except}${builds} → ${r.channels.join(', ') || 'no channel'}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

const rowStyle = { padding: `${token('space.150')} 0`, borderTop: `1px solid ${token('color.border')}` } as const;

import { useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import type { ResolverResponse, SnoozeDto } from '../api';
import { fieldErrorsOf } from '../api';
import { fieldMessages, type FieldMessages } from '../lib/field-errors';
import { formatTime } from '../lib/format';
import { globProblem } from '../lib/validate';
import { describedBy, FieldRow } from './field';
import { ErrorBanner, Section, subtleText } from './ui';

type Option = { label: string; value: string };

const DURATIONS: Option[] = [
  { label: '1 hour', value: '1' },
  { label: '4 hours', value: '4' },
  { label: '24 hours', value: '24' },
  { label: 'Until the build is fixed', value: 'fixed' },
];

interface Props {
  snoozes: SnoozeDto[];
  ruleNames: string[];
  snooze(s: SnoozeDto): Promise<ResolverResponse<{ snoozes: SnoozeDto[] }>>;
  unsnooze(target: SnoozeDto['target']): Promise<ResolverResponse<{ snoozes: SnoozeDto[] }>>;
  onSnoozes(s: SnoozeDto[]): void;
  now?: () => number;
}

export function SnoozeSection(props: Props) {
  const [kind, setKind] = useState<'rule' | 'branch'>(props.ruleNames.length ? 'rule' : 'branch');
  const [rule, setRule] = useState<string>(props.ruleNames[0] ?? '');
  const [branch, setBranch] = useState('');
  const [duration, setDuration] = useState<string>('1');
  const [errors, setErrors] = useState<FieldMessages>({});
  const [saving, setSaving] = useState(false);
  const now = props.now ?? Date.now;

  const kindOptions: Option[] = [
    { label: 'A rule', value: 'rule' },
    { label: 'A branch', value: 'branch' },
  ];
  const ruleOptions = props.ruleNames.map((r) => ({ label: r, value: r }));

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const e: FieldMessages = {};
    const target: SnoozeDto['target'] = kind === 'rule' ? { rule } : { branch: branch.trim() };
    if (kind === 'rule' && !rule) e.rule = 'Choose a rule.';
    if (kind === 'branch') {
      if (!branch.trim()) e.branch = 'Enter a branch name or glob.';
      else {
        const p = globProblem(branch.trim());
        if (p) e.branch = p;
      }
    }
    setErrors(e);
    if (Object.keys(e).length) return;
    const untilFixed = duration === 'fixed';
    const until = untilFixed ? null : new Date(now() + Number(duration) * 3600_000).toISOString();
    setSaving(true);
    const res = await props.snooze({ target, until, untilFixed });
    setSaving(false);
    if (res.ok) {
      props.onSnoozes(res.data.snoozes);
      setBranch('');
      return;
    }
    const m = fieldMessages(fieldErrorsOf(res.error), '', ['rule', 'branch', 'until', 'untilFixed', 'target']);
    if (m.target) m[kind] = m.target;
    if (m.until || m.untilFixed) m.duration = m.until ?? m.untilFixed ?? '';
    if (!m.rule && !m.branch && !m.duration) m._form = res.error.message;
    setErrors(m);
  }

  async function cancel(target: SnoozeDto['target']) {
    const res = await props.unsnooze(target);
    if (res.ok) props.onSnoozes(res.data.snoozes);
    else setErrors({ _form: res.error.message });
  }

  return (
    <Section id="snoozes" title="Snooze" description="Silence a noisy rule or branch for a while. Alerts resume on their own.">
      <form onSubmit={submit} noValidate aria-label="Snooze alerts" style={{ display: 'flex', gap: token('space.200'), alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <div style={{ minWidth: 160 }}>
          <FieldRow id="snooze-kind" label="Snooze">
            <Select<Option>
              inputId="snooze-kind"
              options={kindOptions}
              value={kindOptions.find((o) => o.value === kind) ?? null}
              onChange={(o) => setKind(((o as Option | null)?.value as 'rule' | 'branch') ?? 'rule')}
            />
          </FieldRow>
        </div>
        <div style={{ minWidth: 220, flex: 1 }}>
          {kind === 'rule' ? (
            <FieldRow id="snooze-rule" label="Rule" error={errors.rule}>
              <Select<Option>
                inputId="snooze-rule"
                options={ruleOptions}
                value={ruleOptions.find((o) => o.value === rule) ?? null}
                onChange={(o) => setRule((o as Option | null)?.value ?? '')}
                isInvalid={Boolean(errors.rule)}
                placeholder={ruleOptions.length ? 'Choose a rule' : 'No rules of your own yet'}
                aria-describedby={describedBy('snooze-rule', errors.rule, false)}
              />
            </FieldRow>
          ) : (
            <FieldRow id="snooze-branch" label="Branch" error={errors.branch}>
              <Textfield
                id="snooze-branch"
                value={branch}
                placeholder="main or feature/*"
                isInvalid={Boolean(errors.branch)}
                aria-describedby={describedBy('snooze-branch', errors.branch, false)}
                onChange={(e) => setBranch(e.currentTarget.value)}
              />
            </FieldRow>
          )}
        </div>
        <div style={{ minWidth: 200 }}>
          <FieldRow id="snooze-duration" label="For" error={errors.duration}>
            <Select<Option>
              inputId="snooze-duration"
              options={DURATIONS}
              value={DURATIONS.find((o) => o.value === duration) ?? null}
              onChange={(o) => setDuration((o as Option | null)?.value ?? '1')}
            />
          </FieldRow>
        </div>
        <Button type="submit" isLoading={saving}>
          Snooze
        </Button>
      </form>
      <ErrorBanner title="Not snoozed" messages={errors._form ? [errors._form] : []} />
      {props.snoozes.length === 0 ? (
        <p style={subtleText}>Nothing is snoozed.</p>
      ) : (
        <ul aria-label="Active snoozes" style={{ listStyle: 'none', padding: 0, margin: `${token('space.150')} 0 0` }}>
          {props.snoozes.map((s) => {
            const what = 'rule' in s.target ? `Rule ${s.target.rule}` : `Branch ${s.target.branch}`;
            const until = s.untilFixed ? 'until the build is fixed' : `until ${formatTime(s.until)}`;
            return (
              <li key={what} style={{ display: 'flex', gap: token('space.150'), alignItems: 'center', padding: `${token('space.075')} 0` }}>
                <span>
                  <strong>{what}</strong> snoozed {until}
                </span>
                <Button appearance="subtle" spacing="compact" onClick={() => void cancel(s.target)} aria-label={`Cancel snooze of ${what}`}>
                  Cancel snooze
                </Button>
              </li>
            );
          })}
        </ul>
      )}
    </Section>
  );
}

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import { Checkbox } from '@atlaskit/checkbox';
import { ErrorMessage, Fieldset, Legend } from '@atlaskit/form';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import type { FieldErrorDto, ResolverResponse, RuleDto, RuleEventDto } from '../api';
import { RULE_EVENT_NAMES } from '../api';
import { fieldMessages, type FieldMessages } from '../lib/field-errors';
import { EVENT_LABELS } from '../lib/events';
import { useDebounced } from '../lib/use-debounced';
import {
  durationProblem,
  globsProblem,
  joinList,
  splitList,
  timeOfDayProblem,
  timezoneProblem,
  timezones,
} from '../lib/validate';
import { describedBy, FieldRow } from './field';
import { Card, ErrorBanner, formActions, subtleText } from './ui';

export { EVENT_LABELS };

export type PreviewFn = (
  branches: string[],
  excludeBranches: string[],
) => Promise<ResolverResponse<{ matches: string[]; total: number }>>;

export type RuleSubmitResult = { ok: true } | { ok: false; message: string; fields: FieldErrorDto[]; prefix: string };

interface Props {
  existing: RuleDto | null;
  /** Prefill for a new rule. */
  initial: RuleDto;
  otherNames: readonly string[];
  channelNames: readonly string[];
  preview?: PreviewFn;
  onSubmit(rule: RuleDto): Promise<RuleSubmitResult>;
  onCancel(): void;
}

const FIELDS = [
  'name', 'on', 'branches', 'excludeBranches', 'builds', 'channels', 'failAfter', 'remindEvery', 'groupWait',
  'quietHours', 'quietHours.from', 'quietHours.to', 'quietHours.timezone', 'enabled',
];

type Option = { label: string; value: string };

export function RuleForm(props: Props) {
  const start = props.existing ?? props.initial;
  const [name, setName] = useState(start.name);
  const [on, setOn] = useState<RuleEventDto[]>(start.on);
  const [branches, setBranches] = useState(joinList(start.branches));
  const [exclude, setExclude] = useState(joinList(start.excludeBranches));
  const [builds, setBuilds] = useState(joinList(start.builds));
  const [channels, setChannels] = useState<string[]>(start.channels);
  const [failAfter, setFailAfter] = useState(start.failAfter === undefined ? '' : String(start.failAfter));
  const [remindEvery, setRemindEvery] = useState(start.remindEvery ?? '');
  const [groupWait, setGroupWait] = useState(start.groupWait ?? '');
  const [quiet, setQuiet] = useState(start.quietHours !== undefined);
  const [from, setFrom] = useState(start.quietHours?.from ?? '22:00');
  const [to, setTo] = useState(start.quietHours?.to ?? '07:00');
  const [tz, setTz] = useState(start.quietHours?.timezone ?? localTimezone());
  const [errors, setErrors] = useState<FieldMessages>({});
  const [saving, setSaving] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const tzOptions = useMemo(() => timezones().map((z) => ({ label: z, value: z })), []);
  const id = (f: string) => `rule-form-${f}`;

  function buildRule(): RuleDto {
    const rule: RuleDto = { name: name.trim(), on, channels };
    const b = splitList(branches);
    const x = splitList(exclude);
    const bl = splitList(builds);
    if (b.length) rule.branches = b;
    if (x.length) rule.excludeBranches = x;
    if (bl.length) rule.builds = bl;
    if (failAfter.trim()) rule.failAfter = Number(failAfter);
    if (remindEvery.trim()) rule.remindEvery = remindEvery.trim();
    if (groupWait.trim()) rule.groupWait = groupWait.trim();
    if (quiet) rule.quietHours = { from, to, timezone: tz };
    if (props.existing?.enabled === false) rule.enabled = false;
    return rule;
  }

  function validate(): FieldMessages {
    const e: FieldMessages = {};
    if (!name.trim()) e.name = 'Give the rule a name.';
    else if (props.otherNames.includes(name.trim())) e.name = `A rule named "${name.trim()}" already exists.`;
    if (on.length === 0) e.on = 'Choose at least one event.';
    const bp = globsProblem(splitList(branches));
    if (bp) e.branches = bp;
    const xp = globsProblem(splitList(exclude));
    if (xp) e.excludeBranches = xp;
    const blp = globsProblem(splitList(builds));
    if (blp) e.builds = blp;
    if (channels.length === 0) e.channels = 'Choose at least one channel.';
    if (failAfter.trim() && !/^[1-9]\d*$/.test(failAfter.trim())) e.failAfter = 'Use a whole number of failures, 1 or more.';
    const rp = durationProblem(remindEvery.trim(), 'remindEvery');
    if (rp) e.remindEvery = rp;
    const gp = durationProblem(groupWait.trim(), 'groupWait');
    if (gp) e.groupWait = gp;
    if (quiet) {
      const fp = timeOfDayProblem(from);
      if (fp) e['quietHours.from'] = fp;
      const tp = timeOfDayProblem(to);
      if (tp) e['quietHours.to'] = tp;
      const zp = timezoneProblem(tz);
      if (zp) e['quietHours.timezone'] = zp;
    }
    return e;
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const e = validate();
    setErrors(e);
    if (Object.keys(e).length > 0) return;
    setSaving(true);
    const res = await props.onSubmit(buildRule());
    setSaving(false);
    if (res.ok) return;
    const m = fieldMessages(res.fields, res.prefix, FIELDS);
    if (m.quietHours && !quiet) delete m.quietHours;
    if (Object.keys(m).length === 0) m._form = res.message;
    setErrors(m);
  }

  const title = props.existing ? `Edit rule ${props.existing.name}` : 'Add a rule';
  const qhError = errors.quietHours;
  return (
    <Card label={title}>
      <form onSubmit={submit} noValidate aria-label={title}>
        <strong>{title}</strong>
        <FieldRow id={id('name')} label="Name" required error={errors.name}>
          <Textfield
            id={id('name')}
            ref={nameRef}
            value={name}
            isInvalid={Boolean(errors.name)}
            aria-describedby={describedBy(id('name'), errors.name, false)}
            onChange={(e) => setName(e.currentTarget.value)}
          />
        </FieldRow>

        <div style={{ marginTop: token('space.150') }}>
          <Fieldset legend={<Legend>Alert on (required)</Legend>}>
            <div style={checkGrid} aria-describedby={errors.on ? id('on-error') : undefined}>
              {RULE_EVENT_NAMES.map((ev) => (
                <Checkbox
                  key={ev}
                  id={id(`on-${ev}`)}
                  value={ev}
                  label={EVENT_LABELS[ev]}
                  isChecked={on.includes(ev)}
                  isInvalid={Boolean(errors.on)}
                  onChange={(e) => setOn(toggleIn(on, ev, e.currentTarget.checked, RULE_EVENT_NAMES))}
                />
              ))}
            </div>
          </Fieldset>
          {errors.on ? (
            <div id={id('on-error')} data-testid={id('on-error')}>
              <ErrorMessage>{errors.on}</ErrorMessage>
            </div>
          ) : null}
        </div>

        <FieldRow id={id('branches')} label="Branches" error={errors.branches} helper="Globs, comma-separated: main, release/*. @default is the repository's main branch. Empty means every branch.">
          <Textfield
            id={id('branches')}
            value={branches}
            placeholder="@default, release/*"
            isInvalid={Boolean(errors.branches)}
            aria-describedby={describedBy(id('branches'), errors.branches, true)}
            onChange={(e) => setBranches(e.currentTarget.value)}
          />
        </FieldRow>
        <FieldRow id={id('excludeBranches')} label="Except branches" error={errors.excludeBranches} helper="Globs to leave out, such as dependabot/*.">
          <Textfield
            id={id('excludeBranches')}
            value={exclude}
            isInvalid={Boolean(errors.excludeBranches)}
            aria-describedby={describedBy(id('excludeBranches'), errors.excludeBranches, true)}
            onChange={(e) => setExclude(e.currentTarget.value)}
          />
        </FieldRow>
        {props.preview ? <BranchPreview preview={props.preview} branches={branches} exclude={exclude} /> : null}

        <FieldRow id={id('builds')} label="Builds" error={errors.builds} helper="Build keys or names (globs). Empty means every build on the branch.">
          <Textfield
            id={id('builds')}
            value={builds}
            isInvalid={Boolean(errors.builds)}
            aria-describedby={describedBy(id('builds'), errors.builds, true)}
            onChange={(e) => setBuilds(e.currentTarget.value)}
          />
        </FieldRow>

        <div style={{ marginTop: token('space.150') }}>
          <Fieldset legend={<Legend>Send to channels (required)</Legend>}>
            {props.channelNames.length === 0 ? (
              <p style={subtleText}>No channels yet: add one in the Channels section first.</p>
            ) : (
              <div style={checkGrid}>
                {props.channelNames.map((c) => (
                  <Checkbox
                    key={c}
                    id={id(`channel-${c}`)}
                    value={c}
                    label={c}
                    isChecked={channels.includes(c)}
                    isInvalid={Boolean(errors.channels)}
                    onChange={(e) => setChannels(toggleIn(channels, c, e.currentTarget.checked, props.channelNames))}
                  />
                ))}
              </div>
            )}
          </Fieldset>
          {errors.channels ? (
            <div id={id('channels-error')} data-testid={id('channels-error')}>
              <ErrorMessage>{errors.channels}</ErrorMessage>
            </div>
          ) : null}
        </div>

        <div style={threeCols}>
          <FieldRow id={id('failAfter')} label="Alert after failures" error={errors.failAfter} helper="Consecutive failures before the first alert (default 1).">
            <Textfield
              id={id('failAfter')}
              inputMode="numeric"
              value={failAfter}
              placeholder="1"
              isInvalid={Boolean(errors.failAfter)}
              aria-describedby={describedBy(id('failAfter'), errors.failAfter, true)}
              onChange={(e) => setFailAfter(e.currentTarget.value)}
            />
          </FieldRow>
          <FieldRow id={id('remindEvery')} label="Remind every" error={errors.remindEvery} helper="While still failing, e.g. 4h.">
            <Textfield
              id={id('remindEvery')}
              value={remindEvery}
              placeholder="4h"
              isInvalid={Boolean(errors.remindEvery)}
              aria-describedby={describedBy(id('remindEvery'), errors.remindEvery, true)}
              onChange={(e) => setRemindEvery(e.currentTarget.value)}
            />
          </FieldRow>
          <FieldRow id={id('groupWait')} label="Group wait" error={errors.groupWait} helper="Batch alerts arriving within, e.g. 30s.">
            <Textfield
              id={id('groupWait')}
              value={groupWait}
              placeholder="30s"
              isInvalid={Boolean(errors.groupWait)}
              aria-describedby={describedBy(id('groupWait'), errors.groupWait, true)}
              onChange={(e) => setGroupWait(e.currentTarget.value)}
            />
          </FieldRow>
        </div>

        <div style={{ marginTop: token('space.200') }}>
          <Checkbox
            id={id('quiet')}
            label="Quiet hours: hold alerts overnight and send them when quiet hours end"
            isChecked={quiet}
            onChange={(e) => setQuiet(e.currentTarget.checked)}
          />
          {quiet ? (
            <div style={threeCols}>
              <FieldRow id={id('quietFrom')} label="From" error={errors['quietHours.from']}>
                <Textfield
                  id={id('quietFrom')}
                  value={from}
                  placeholder="22:00"
                  isInvalid={Boolean(errors['quietHours.from'])}
                  aria-describedby={describedBy(id('quietFrom'), errors['quietHours.from'], false)}
                  onChange={(e) => setFrom(e.currentTarget.value)}
                />
              </FieldRow>
              <FieldRow id={id('quietTo')} label="To" error={errors['quietHours.to']}>
                <Textfield
                  id={id('quietTo')}
                  value={to}
                  placeholder="07:00"
                  isInvalid={Boolean(errors['quietHours.to'])}
                  aria-describedby={describedBy(id('quietTo'), errors['quietHours.to'], false)}
                  onChange={(e) => setTo(e.currentTarget.value)}
                />
              </FieldRow>
              <FieldRow id={id('quietTz')} label="Time zone" error={errors['quietHours.timezone'] ?? qhError}>
                <Select<Option>
                  inputId={id('quietTz')}
                  options={tzOptions}
                  value={{ label: tz, value: tz }}
                  onChange={(o) => setTz((o as Option | null)?.value ?? 'UTC')}
                  aria-describedby={describedBy(id('quietTz'), errors['quietHours.timezone'] ?? qhError, false)}
                />
              </FieldRow>
            </div>
          ) : null}
        </div>

        <ErrorBanner messages={errors._form ? [errors._form] : []} />
        <div style={formActions}>
          <Button appearance="subtle" onClick={props.onCancel}>
            Cancel
          </Button>
          <Button appearance="primary" type="submit" isLoading={saving}>
            {props.existing ? 'Save rule' : 'Add rule'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** "Matches: main, release/1.2", refreshed 400 ms after the globs stop changing. */
function BranchPreview(props: { preview: PreviewFn; branches: string; exclude: string }) {
  const key = useDebounced(`${props.branches}\u0000${props.exclude}`, 400);
  const [state, setState] = useState<{ text: string; tone: 'ok' | 'error' | 'loading' }>({ text: 'Checking branches…', tone: 'loading' });
  const { preview } = props;
  useEffect(() => {
    let live = true;
    const [b = '', x = ''] = key.split('\u0000');
    const globs = splitList(b);
    const excludes = splitList(x);
    if (globsProblem(globs) || globsProblem(excludes)) {
      setState({ text: 'Fix the globs to see which branches match.', tone: 'error' });
      return;
    }
    setState((s) => ({ ...s, tone: 'loading' }));
    void preview(globs, excludes).then((res) => {
      if (!live) return;
      if (!res.ok) setState({ text: `Preview unavailable: ${res.error.message}`, tone: 'error' });
      else if (res.data.total === 0) setState({ text: 'No branches seen yet in this repository: the rule applies as builds arrive.', tone: 'ok' });
      else if (res.data.matches.length === 0) setState({ text: `Matches no branch (of ${res.data.total}).`, tone: 'ok' });
      else {
        const shown = res.data.matches.slice(0, 8).join(', ');
        const more = res.data.matches.length > 8 ? ` and ${res.data.matches.length - 8} more` : '';
        setState({ text: `Matches: ${shown}${more} (${res.data.matches.length} of ${res.data.total} branches)`, tone: 'ok' });
      }
    });
    return () => {
      live = false;
    };
  }, [key, preview]);
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="branch-preview"
      style={{ ...subtleText, marginTop: token('space.100'), color: state.tone === 'error' ? token('color.text.warning') : token('color.text.subtle') }}
    >
      {state.text}
    </div>
  );
}

function toggleIn<T>(list: readonly T[], item: T, checked: boolean, order: readonly T[]): T[] {
  const set = new Set(list);
  if (checked) set.add(item);
  else set.delete(item);
  return order.filter((x) => set.has(x)).concat([...set].filter((x) => !order.includes(x)));
}

function localTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const checkGrid = {
  display: 'grid',
  gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))',
  gap: token('space.050'),
} as const;

const threeCols = {
  display: 'grid',
  gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))',
  columnGap: token('space.200'),
} as const;

import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import type { ChannelInput, ChannelTypeDto, ChannelTypeInfo, ChannelView, ResolverResponse } from '../api';
import { fieldErrorsOf } from '../api';
import { fieldMessages, type FieldMessages } from '../lib/field-errors';
import { describedBy, FieldRow } from './field';
import { Card, ErrorBanner, formActions } from './ui';

interface Props {
  idPrefix: string;
  types: readonly ChannelTypeInfo[];
  /** The channel being edited, or null to add one. */
  existing: ChannelView | null;
  otherNames: readonly string[];
  onSubmit(input: ChannelInput, previousName?: string): Promise<ResolverResponse<ChannelView>>;
  onDone(saved: ChannelView): void;
  onCancel(): void;
}

type Option = { label: string; value: string };

export function ChannelForm(props: Props) {
  const { existing, types } = props;
  const [name, setName] = useState(existing?.name ?? '');
  const [type, setType] = useState<ChannelTypeDto | ''>(existing?.type ?? (types.length === 1 ? types[0]!.type : ''));
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(existing));
  const [errors, setErrors] = useState<FieldMessages>({});
  const [saving, setSaving] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => nameRef.current?.focus(), []);

  const info = types.find((t) => t.type === type);
  const typeOptions: Option[] = useMemo(() => types.map((t) => ({ label: t.label, value: t.type })), [types]);
  const sameTypeAsStored = existing !== null && existing.type === type;
  const id = (f: string) => `${props.idPrefix}-${f}`;

  function validate(): FieldMessages {
    const e: FieldMessages = {};
    if (!name.trim()) e.name = 'Give the channel a name.';
    else if (props.otherNames.includes(name.trim())) e.name = `A channel named "${name.trim()}" already exists.`;
    if (!info) e.type = 'Choose where alerts go.';
    for (const f of info?.fields ?? []) {
      const v = (values[f.name] ?? '').trim();
      const storedSecret = f.secret && sameTypeAsStored && existing?.secrets[f.name] !== undefined;
      if (f.required && !v && !storedSecret) e[f.name] = `${f.label} is required.`;
      if (v && /url/i.test(f.name) && !isHttpUrl(v)) e[f.name] = `${f.label} must be an http(s) URL.`;
    }
    return e;
  }

  async function submit(ev: FormEvent) {
    ev.preventDefault();
    const e = validate();
    setErrors(e);
    if (Object.keys(e).length > 0 || !info) return;
    const input: ChannelInput = { name: name.trim(), type: info.type };
    for (const f of info.fields) {
      const v = (values[f.name] ?? '').trim();
      // Blank secret = keep the stored value (the contract's write-only rule); blank optional = unset.
      if (v) input[f.name] = v;
    }
    setSaving(true);
    const res = await props.onSubmit(input, existing?.name);
    setSaving(false);
    if (res.ok) {
      props.onDone(res.data);
      return;
    }
    const known = ['name', 'type', ...info.fields.map((f) => f.name)];
    const fromServer = fieldMessages(fieldErrorsOf(res.error), '', known);
    if (Object.keys(fromServer).length === 0) fromServer._form = res.error.message;
    setErrors(fromServer);
  }

  const title = existing ? `Edit channel ${existing.name}` : 'Add a channel';
  return (
    <Card label={title}>
      <form onSubmit={submit} noValidate aria-label={title}>
        <strong>{title}</strong>
        <FieldRow id={id('name')} label="Name" required error={errors.name} helper="Rules refer to the channel by this name.">
          <Textfield
            id={id('name')}
            ref={nameRef}
            value={name}
            isInvalid={Boolean(errors.name)}
            aria-describedby={describedBy(id('name'), errors.name, true)}
            onChange={(e) => setName(e.currentTarget.value)}
            placeholder="team-builds"
          />
        </FieldRow>
        <FieldRow id={id('type')} label="Type" required error={errors.type}>
          <Select<Option>
            inputId={id('type')}
            options={typeOptions}
            value={typeOptions.find((o) => o.value === type) ?? null}
            onChange={(o) => setType(((o as Option | null)?.value ?? '') as ChannelTypeDto | '')}
            isInvalid={Boolean(errors.type)}
            aria-describedby={describedBy(id('type'), errors.type, false)}
            placeholder="Choose a service"
          />
        </FieldRow>
        {(info?.fields ?? []).map((f) => {
          const fid = id(`field-${f.name}`);
          const masked = sameTypeAsStored ? existing?.secrets[f.name] : undefined;
          const helper = f.secret
            ? masked
              ? `Stored as ${masked}. Leave blank to keep it.`
              : 'Write-only: it is stored encrypted and never shown again.'
            : undefined;
          const options = f.options?.map((o) => ({ label: o, value: o }));
          return (
            <FieldRow
              key={`${type}-${f.name}`}
              id={fid}
              label={f.label}
              required={f.required && !masked}
              error={errors[f.name]}
              helper={helper}
            >
              {options ? (
                <Select<Option>
                  inputId={fid}
                  options={options}
                  value={options.find((o) => o.value === values[f.name]) ?? null}
                  onChange={(o) => setValues({ ...values, [f.name]: (o as Option | null)?.value ?? '' })}
                  isClearable={!f.required}
                  isInvalid={Boolean(errors[f.name])}
                  aria-describedby={describedBy(fid, errors[f.name], Boolean(helper))}
                />
              ) : (
                <Textfield
                  id={fid}
                  type={f.secret ? 'password' : 'text'}
                  autoComplete={f.secret ? 'new-password' : 'off'}
                  value={values[f.name] ?? ''}
                  placeholder={masked ?? f.placeholder ?? ''}
                  isInvalid={Boolean(errors[f.name])}
                  aria-describedby={describedBy(fid, errors[f.name], Boolean(helper))}
                  onChange={(e) => setValues({ ...values, [f.name]: e.currentTarget.value })}
                />
              )}
            </FieldRow>
          );
        })}
        <ErrorBanner messages={errors._form ? [errors._form] : []} />
        <div style={formActions}>
          <Button appearance="subtle" onClick={props.onCancel}>
            Cancel
          </Button>
          <Button appearance="primary" type="submit" isLoading={saving}>
            {existing ? 'Save channel' : 'Add channel'}
          </Button>
        </div>
        <p style={{ color: token('color.text.subtlest'), fontSize: '0.85em' }}>* required</p>
      </form>
    </Card>
  );
}

function initialValues(existing: ChannelView | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(existing?.config ?? {})) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

import { useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import type { ResolverResponse } from '../api';
import { describedBy, FieldRow } from './field';
import { ErrorBanner, Section, subtleText } from './ui';

interface Props {
  webhookUrl: string | null;
  secretSet: boolean;
  setSecret(secret: string | null): Promise<ResolverResponse<{ inboundSecretSet: boolean }>>;
  onSecretSet(set: boolean): void;
}

export function WebhookSection(props: Props) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [banner, setBanner] = useState<string[]>([]);
  const [copied, setCopied] = useState(false);

  async function save(ev: FormEvent) {
    ev.preventDefault();
    if (secret.trim().length < 16) {
      setError('Use at least 16 characters; a random string from a password manager is best.');
      return;
    }
    setError(undefined);
    await apply(secret.trim());
  }

  async function apply(value: string | null) {
    const res = await props.setSecret(value);
    if (res.ok) {
      props.onSecretSet(res.data.inboundSecretSet);
      setSecret('');
      setBanner([]);
    } else if (res.error.code === 'invalid' && res.error.fields.length) {
      setError(res.error.fields.map((f) => f.message).join(' '));
    } else setBanner([res.error.message]);
  }

  async function copy() {
    if (!props.webhookUrl || !navigator.clipboard) return;
    try {
      await navigator.clipboard.writeText(props.webhookUrl);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <Section
      id="webhook"
      title="Inbound webhook"
      description="For Bitbucket Data Center, or Cloud repository webhooks: send build status and push events here. Forge events need no setup."
    >
      {props.webhookUrl ? (
        <FieldRow id="webhook-url" label="Webhook URL">
          <div style={{ display: 'flex', gap: token('space.100') }}>
            <div style={{ flex: 1 }}>
              <Textfield id="webhook-url" value={props.webhookUrl} isReadOnly onFocus={(e) => e.currentTarget.select()} />
            </div>
            <Button onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</Button>
          </div>
        </FieldRow>
      ) : (
        <p style={subtleText}>The webhook URL is not known yet for this installation.</p>
      )}
      <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'center', marginTop: token('space.200') }}>
        <span>Signing secret:</span>
        {props.secretSet ? <Lozenge appearance="success">Set</Lozenge> : <Lozenge>Not set</Lozenge>}
      </div>
      <form onSubmit={save} noValidate aria-label="Inbound webhook secret" style={{ display: 'flex', gap: token('space.100'), alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <div style={{ flex: 1, minWidth: 240 }}>
          <FieldRow
            id="inbound-secret"
            label={props.secretSet ? 'Replace secret' : 'Secret'}
            error={error}
            helper="Paste the same secret into the webhook's settings in Bitbucket. Write-only: it is never shown again."
          >
            <Textfield
              id="inbound-secret"
              type="password"
              autoComplete="new-password"
              value={secret}
              isInvalid={Boolean(error)}
              aria-describedby={describedBy('inbound-secret', error, true)}
              onChange={(e) => setSecret(e.currentTarget.value)}
            />
          </FieldRow>
        </div>
        <Button type="submit">
          Save secret
        </Button>
        {props.secretSet ? (
          <Button appearance="subtle" onClick={() => void apply(null)}>
            Clear secret
          </Button>
        ) : null}
      </form>
      <ErrorBanner messages={banner} />
    </Section>
  );
}

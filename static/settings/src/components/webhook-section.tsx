import { useState } from 'react';
import Button from '@atlaskit/button/default/button';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import { FieldRow } from './field';
import { InboundSecretForm, type SetSecretFn } from './inbound-secret-form';
import { Section, subtleText } from './ui';

interface Props {
  webhookUrl: string | null;
  secretSet: boolean;
  setSecret: SetSecretFn;
  onSecretSet(set: boolean): void;
}

export function WebhookSection(props: Props) {
  const [copied, setCopied] = useState(false);

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
      <InboundSecretForm
        id="inbound-secret"
        formLabel="Inbound webhook secret"
        helper="Paste the same secret into the webhook's settings in Bitbucket. Write-only: it is never shown again."
        secretSet={props.secretSet}
        setSecret={props.setSecret}
        onSecretSet={props.onSecretSet}
      />
    </Section>
  );
}

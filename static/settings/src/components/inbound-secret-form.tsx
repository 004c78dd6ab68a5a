import { useState, type FormEvent } from 'react';
import Button from '@atlaskit/button/default/button';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import type { ResolverResponse } from '../api';
import { describedBy, FieldRow } from './field';
import { ErrorBanner } from './ui';

export type SetSecretFn = (secret: string | null) => Promise<ResolverResponse<{ inboundSecretSet: boolean }>>;

/**
 * A write-only inbound webhook secret: set, replace or clear it; the value is never shown back.
 * `secretSet` null means the page does not know whether one is set: the form just offers to set one.
 */
export function InboundSecretForm(props: {
  id: string;
  formLabel: string;
  helper: string;
  secretSet: boolean | null;
  setSecret: SetSecretFn;
  onSecretSet(set: boolean): void;
}) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [banner, setBanner] = useState<string[]>([]);

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

  return (
    <>
      <form onSubmit={save} noValidate aria-label={props.formLabel} style={{ display: 'flex', gap: token('space.100'), alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <div style={{ flex: 1, minWidth: 240 }}>
          <FieldRow id={props.id} label={props.secretSet ? 'Replace secret' : 'Secret'} error={error} helper={props.helper}>
            <Textfield
              id={props.id}
              type="password"
              autoComplete="new-password"
              value={secret}
              isInvalid={Boolean(error)}
              aria-describedby={describedBy(props.id, error, true)}
              onChange={(e) => setSecret(e.currentTarget.value)}
            />
          </FieldRow>
        </div>
        <Button type="submit">Save secret</Button>
        {props.secretSet ? (
          <Button appearance="subtle" onClick={() => void apply(null)}>
            Clear secret
          </Button>
        ) : null}
      </form>
      <ErrorBanner messages={banner} />
    </>
  );
}

import { useState } from 'react';
import { token } from '@atlaskit/tokens';
import Lozenge from './lozenge';
import { InboundSecretForm, type SetSecretFn } from './inbound-secret-form';
import { Section, subtleText } from './ui';

/**
 * The workspace's inbound webhook secret: it signs the webhooks of every repository in the workspace.
 * Write-only. `secretSet` is null when the page was not told whether one is set: then the section
 * claims nothing until a save answers.
 */
export function WorkspaceSecretSection(props: { secretSet: boolean | null; setSecret: SetSecretFn }) {
  const [secretSet, setSecretSet] = useState<boolean | null>(props.secretSet);
  return (
    <Section
      id="workspace-webhook"
      title="Inbound webhook secret"
      description="One signing secret for the webhooks of every repository in this workspace. A repository's own secret, set on its settings page, works as well."
    >
      {secretSet !== null ? (
        <div role="status" style={{ display: 'flex', gap: token('space.100'), alignItems: 'center' }}>
          {secretSet ? (
            <>
              <Lozenge appearance="success">Set</Lozenge>
              <span>A secret is set.</span>
            </>
          ) : (
            <>
              <Lozenge>Not set</Lozenge>
              <span>No workspace secret is set.</span>
            </>
          )}
        </div>
      ) : (
        <p style={{ ...subtleText, marginTop: 0 }}>Set a secret: saving replaces any workspace secret set before.</p>
      )}
      <InboundSecretForm
        id="workspace-inbound-secret"
        formLabel="Workspace inbound webhook secret"
        helper="Paste the same secret into each webhook's settings in Bitbucket. Write-only: it is never shown again."
        secretSet={secretSet}
        setSecret={props.setSecret}
        onSecretSet={setSecretSet}
      />
    </Section>
  );
}

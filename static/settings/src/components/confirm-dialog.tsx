import { useEffect, useId, useRef, type ReactNode } from 'react';
import Button from '@atlaskit/button/default/button';
import { token } from '@atlaskit/tokens';

/**
 * An inline confirmation shown where the action was asked for (no modal: Atlaskit's modal pulls in
 * react-scrolllock, which warns under React 18, and a Forge page is an iframe that cannot dim the
 * product around it anyway). Focus moves to Cancel; Escape cancels.
 */
export function ConfirmDialog(props: { title: string; confirmLabel: string; children: ReactNode; onConfirm(): void; onCancel(): void }) {
  const titleId = useId();
  const bodyId = useId();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, []);
  return (
    <div
      ref={ref}
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel();
      }}
      style={{
        marginTop: token('space.150'),
        padding: token('space.200'),
        border: `1px solid ${token('color.border.danger')}`,
        borderRadius: token('radius.large', '8px'),
        background: token('color.background.danger'),
      }}
    >
      <strong id={titleId}>{props.title}</strong>
      <p id={bodyId} style={{ margin: `${token('space.050')} 0 0` }}>
        {props.children}
      </p>
      <div style={{ display: 'flex', gap: token('space.100'), justifyContent: 'flex-end', marginTop: token('space.150') }}>
        <Button appearance="subtle" onClick={props.onCancel}>
          Cancel
        </Button>
        <Button appearance="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </Button>
      </div>
    </div>
  );
}

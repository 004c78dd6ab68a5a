import type { ReactNode } from 'react';
import { ErrorMessage, HelperMessage, Label } from '@atlaskit/form';
import { token } from '@atlaskit/tokens';

// Kept apart from ./ui so that @atlaskit/form loads with the forms and sections that use it, not with the page.

/** Label, control, helper and error, wired for screen readers (`aria-describedby` on the control). */
export function FieldRow(props: {
  id: string;
  label: string;
  required?: boolean;
  helper?: ReactNode;
  error?: string | undefined;
  children: ReactNode;
}) {
  return (
    <div style={{ marginTop: token('space.150') }}>
      <Label htmlFor={props.id}>
        {props.label}
        {props.required ? <span aria-hidden="true" style={{ color: token('color.text.danger') }}> *</span> : null}
      </Label>
      {props.children}
      {props.helper && !props.error ? (
        <div id={`${props.id}-helper`}>
          <HelperMessage>{props.helper}</HelperMessage>
        </div>
      ) : null}
      {props.error ? (
        <div id={`${props.id}-error`} data-testid={`${props.id}-error`}>
          <ErrorMessage>{props.error}</ErrorMessage>
        </div>
      ) : null}
    </div>
  );
}

/** What to pass as `aria-describedby` for a FieldRow's control. */
export function describedBy(id: string, error: string | undefined, helper: boolean): string | undefined {
  if (error) return `${id}-error`;
  return helper ? `${id}-helper` : undefined;
}

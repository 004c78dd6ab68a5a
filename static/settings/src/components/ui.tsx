import type { CSSProperties, ReactNode } from 'react';
import Heading from '@atlaskit/heading';
import { token } from '@atlaskit/tokens';
import SectionMessage from './section-message';

export function Section(props: { id: string; title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  const headingId = `${props.id}-heading`;
  return (
    <section aria-labelledby={headingId} style={sectionStyle}>
      <div style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: token('space.100') }}>
        <Heading size="medium" as="h2" id={headingId}>
          {props.title}
        </Heading>
        {props.actions ? <div style={{ display: 'flex', gap: token('space.100') }}>{props.actions}</div> : null}
      </div>
      {props.description ? <p style={subtleText}>{props.description}</p> : null}
      <div style={{ marginTop: token('space.150') }}>{props.children}</div>
    </section>
  );
}

export function ErrorBanner(props: { title?: string; messages: string[] }) {
  if (props.messages.length === 0) return null;
  return (
    <div style={{ marginTop: token('space.150') }} role="alert">
      <SectionMessage appearance="error" title={props.title ?? 'Not saved'}>
        {props.messages.length === 1 ? (
          <p>{props.messages[0]}</p>
        ) : (
          <ul>
            {props.messages.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
      </SectionMessage>
    </div>
  );
}

export function VisuallyHidden(props: { children: ReactNode }) {
  return <span style={visuallyHidden}>{props.children}</span>;
}

export function Card(props: { children: ReactNode; label?: string }) {
  return (
    <div style={cardStyle} aria-label={props.label} role={props.label ? 'group' : undefined}>
      {props.children}
    </div>
  );
}

export const subtleText: CSSProperties = {
  color: token('color.text.subtle'),
  marginTop: token('space.050'),
  marginBottom: 0,
};

const sectionStyle: CSSProperties = {
  paddingBlock: token('space.300'),
  borderBottom: `1px solid ${token('color.border')}`,
};

export const cardStyle: CSSProperties = {
  border: `1px solid ${token('color.border')}`,
  borderRadius: token('radius.large', '8px'),
  padding: token('space.200'),
  marginTop: token('space.150'),
  background: token('elevation.surface.raised'),
  boxShadow: token('elevation.shadow.raised'),
};

export const formActions: CSSProperties = {
  display: 'flex',
  gap: token('space.100'),
  marginTop: token('space.200'),
  justifyContent: 'flex-end',
};

export const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

export const mono: CSSProperties = {
  fontFamily: token('font.family.code'),
  fontSize: '0.85em',
  wordBreak: 'break-all',
};

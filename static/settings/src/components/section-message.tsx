import { Children, type CSSProperties, type ReactNode } from 'react';
import Heading from '@atlaskit/heading';
import ErrorIcon from '@atlaskit/icon/core/status-error';
import InfoIcon from '@atlaskit/icon/core/status-information';
import SuccessIcon from '@atlaskit/icon/core/status-success';
import WarningIcon from '@atlaskit/icon/core/status-warning';
import { token } from '@atlaskit/tokens';

/**
 * A section message laid out as @atlaskit/section-message 10 lays out a non-dismissible one (same
 * tokens, icon, heading and spacing). The Atlaskit one always loads its dismiss IconButton, and with
 * it Tooltip, Popper and the top-layer package, which this page never shows.
 */
export type SectionMessageAppearance = 'information' | 'warning' | 'error' | 'success';

const APPEARANCE = {
  information: { background: token('color.background.information'), color: token('color.icon.information'), Icon: InfoIcon },
  warning: { background: token('color.background.warning'), color: token('color.icon.warning'), Icon: WarningIcon },
  error: { background: token('color.background.danger'), color: token('color.icon.danger'), Icon: ErrorIcon },
  success: { background: token('color.background.success'), color: token('color.icon.success'), Icon: SuccessIcon },
} as const;

export default function SectionMessage(props: { appearance?: SectionMessageAppearance; title?: string; actions?: ReactNode[]; children: ReactNode }) {
  const appearance = props.appearance ?? 'information';
  const { background, color, Icon } = APPEARANCE[appearance];
  const actions = Children.toArray(props.actions);
  const many = actions.length > 1;
  return (
    <section style={{ ...container, backgroundColor: background }}>
      <div style={row}>
        <div style={iconBox}>
          <Icon color={color} spacing="spacious" label={appearance} />
        </div>
        <div style={stack}>
          {props.title ? (
            <Heading as="h2" size="small">
              {props.title}
            </Heading>
          ) : null}
          <div style={body}>{props.children}</div>
          {actions.length > 0 ? (
            <div role={many ? 'list' : undefined} style={actionRow}>
              {actions.map((action, i) => (
                <span key={i} role={many ? 'listitem' : undefined} style={{ display: 'flex', alignItems: 'center', gap: token('space.100') }}>
                  {i > 0 ? <span aria-hidden="true">·</span> : null}
                  {action}
                </span>
              ))}
            </div>
          ) : null}
        </div>
      </div>
    </section>
  );
}

const container: CSSProperties = {
  borderRadius: token('radius.large', '8px'),
  paddingBlock: token('space.200'),
  paddingInline: token('space.200'),
  wordBreak: 'break-word',
};
const row: CSSProperties = { display: 'flex', gap: token('space.200'), alignItems: 'stretch' };
const iconBox: CSSProperties = { display: 'flex', marginBlock: token('space.negative.025') };
const stack: CSSProperties = { display: 'flex', flexDirection: 'column', gap: token('space.100'), flexGrow: 1 };
const body: CSSProperties = { font: token('font.body'), color: token('color.text') };
const actionRow: CSSProperties = { display: 'flex', flexWrap: 'wrap', columnGap: token('space.100'), rowGap: 0, alignItems: 'center', font: token('font.body') };

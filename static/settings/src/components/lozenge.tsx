import type { CSSProperties, ReactNode } from 'react';
import { token } from '@atlaskit/tokens';

/**
 * A status lozenge drawn as @atlaskit/lozenge 17 draws its non-interactive lozenge (same tokens,
 * sizes and truncation), without its dropdown-trigger code: that pulls in the Emotion-based
 * Pressable primitive and motion hooks, about a fifth of the page's first-load JavaScript.
 */
export type LozengeAppearance = 'default' | 'success' | 'inprogress' | 'removed' | 'moved' | 'new';

const COLORS: Record<LozengeAppearance, { border: string; background: string; text: string }> = {
  default: { border: token('color.border'), background: token('color.background.neutral'), text: token('color.text') },
  success: { border: token('color.border.success.subtle'), background: token('color.background.success.subtler'), text: token('color.text.success.bolder') },
  inprogress: { border: token('color.border.information.subtle'), background: token('color.background.information.subtler'), text: token('color.text.information.bolder') },
  removed: { border: token('color.border.danger.subtle'), background: token('color.background.danger.subtler'), text: token('color.text.danger.bolder') },
  moved: { border: token('color.border.warning.subtle'), background: token('color.background.warning.subtler'), text: token('color.text.warning.bolder') },
  new: { border: token('color.border.discovery.subtle'), background: token('color.background.discovery.subtler'), text: token('color.text.discovery.bolder') },
};

const MAX_WIDTH = 200;

export default function Lozenge(props: { appearance?: LozengeAppearance; children: ReactNode }) {
  const c = COLORS[props.appearance ?? 'default'];
  return (
    <span style={{ ...container, borderColor: c.border, backgroundColor: c.background, color: c.text }}>
      <span style={content}>
        <span style={text}>{props.children}</span>
      </span>
    </span>
  );
}

const container: CSSProperties = {
  position: 'relative',
  display: 'inline-flex',
  alignItems: 'center',
  boxSizing: 'border-box',
  height: '1.25rem',
  maxWidth: `min(${MAX_WIDTH}px, 100%)`,
  overflow: 'hidden',
  borderRadius: token('radius.small', '4px'),
  borderWidth: token('border.width', '1px'),
  borderStyle: 'solid',
  paddingBlock: token('space.025'),
  paddingInline: token('space.050'),
};

const content: CSSProperties = { display: 'inline-flex', alignItems: 'center', gap: token('space.050'), maxWidth: '100%' };

const text: CSSProperties = {
  font: token('font.body.small'),
  overflow: 'hidden',
  whiteSpace: 'nowrap',
  textOverflow: 'ellipsis',
  maxWidth: `calc(${MAX_WIDTH}px - ${token('space.100')})`,
};

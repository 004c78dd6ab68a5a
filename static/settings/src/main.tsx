import '@atlaskit/css-reset';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { view } from '@forge/bridge';
import { setGlobalTheme } from '@atlaskit/tokens/set-global-theme';
import { App } from './app';

/**
 * Theming: in Bitbucket the host applies the user's light or dark theme once the app asks
 * (https://developer.atlassian.com/platform/forge/design-tokens-and-theming/). Where no host does
 * (the local runtime), load the Atlassian themes ourselves and follow the OS colour scheme.
 */
async function enableTheme(): Promise<void> {
  try {
    await view.theme.enable();
  } catch {
    // Older hosts: fall through to our own themes.
  }
  if (!document.documentElement.hasAttribute('data-color-mode')) {
    await setGlobalTheme({ light: 'light', dark: 'dark', colorMode: 'auto', spacing: 'spacing', typography: 'typography' });
  }
}

void enableTheme();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

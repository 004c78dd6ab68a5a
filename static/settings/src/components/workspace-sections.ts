/**
 * The workspace page's sections below Channels and Rules, fetched as one chunk while the defaults
 * load (see pages/workspace-defaults-page.tsx), as more-sections.ts does for the repository page.
 */
export { MentionsSection } from './mentions-section';
export { WorkspaceSecretSection } from './workspace-secret-section';

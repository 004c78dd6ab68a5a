/**
 * The repository page's sections below Channels and Rules, fetched as one chunk while the settings
 * load (see pages/repo-settings-page.tsx), so the first paint only waits for the page's top.
 */
export { ActivitySection } from './activity-section';
export { BuildHealthSection } from './build-health-section';
export { DeliveryLogSection } from './delivery-log-section';
export { FailedJobsSection } from './failed-jobs-section';
export { ImportExportSection } from './import-export-section';
export { SnoozeSection } from './snooze-section';
export { WebhookSection } from './webhook-section';

/**
 * Forge entry point: only the handlers manifest.yml names (`index.<export>`), one module per
 * manifest module under src/adapters/forge. No logic lives here.
 */
export { handler as onBitbucketEvent } from './adapters/forge/trigger';
export { handler as onQueueJob } from './adapters/forge/consumer';
export { handler as onWebhook } from './adapters/forge/webtrigger';
export { handler as onSchedule } from './adapters/forge/scheduled';
export { handler as resolver } from './adapters/forge/resolver';

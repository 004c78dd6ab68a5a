export { normalize, type NormalizeInput, type NormalizeResult } from './normalize';
export { detectSource, eventKeyOf } from './detect-source';
export { pipelineBuildState } from './pipelines-api';
export type { NormalizeError } from './normalize-error';
export * from './repo-event';

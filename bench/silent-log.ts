import type { Logger } from '../src/core/ports';

/** The benchmark measures the app, not log formatting: every level is dropped. */
export const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

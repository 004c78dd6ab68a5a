export * from './alert';
export * from './identity';
export * from './state-machine';
export * from './event-alerts';

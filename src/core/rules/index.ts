export * from './schema';
export * from './durations';
export * from './quiet-hours';
export * from './parse';
export * from './serialize';
export * from './match';
export * from './default-rules';

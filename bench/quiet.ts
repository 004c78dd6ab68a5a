/**
 * Imported first by bench/run.ts: the Forge handlers log one console line per event at `info`
 * (adapters/forge/logger.ts reads LOG_LEVEL). The benchmark keeps warnings and errors only, in
 * this process and the children it forks, so it measures the app rather than terminal output.
 */
process.env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn';

import { resolve } from 'node:path';
import { RuntimeStartError, startRuntime } from '../adapters/local/runtime';
import { CliError } from './cli-support';

export async function serveCommand(options: { host: string; port: number; dataDir: string }): Promise<void> {
  let runtime;
  try {
    runtime = await startRuntime({
      host: options.host,
      port: options.port,
      dataDir: resolve(options.dataDir),
      webhookSecret: process.env.BUILD_ALERTS_WEBHOOK_SECRET || null,
      allowPrivateEgress: process.env.BUILD_ALERTS_ALLOW_PRIVATE_EGRESS === '1',
    });
  } catch (e) {
    if (e instanceof RuntimeStartError) throw new CliError(e.message);
    throw e;
  }
  process.stdout.write(
    `Build Alerts for Bitbucket is running.\n  Settings page:  ${runtime.url}/\n  Forge events:   POST ${runtime.url}/forge/events\n  Webhooks:       POST ${runtime.url}/webhooks/bitbucket\n  Data dir:       ${resolve(options.dataDir)}\n`,
  );
  const shutdown = async () => {
    await runtime.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await new Promise(() => undefined); // run until a signal
}

import { resolve } from 'node:path';
import { isLoopbackAddress } from '../adapters/local/inbound-guard';
import { RuntimeStartError, startRuntime, type Runtime } from '../adapters/local/runtime';
import { storageFaultOf } from '../adapters/local/storage-health';
import { CliError } from './cli-support';

const env = (name: string): string | null => {
  const v = process.env[name];
  return v && v.trim() !== '' ? v.trim() : null;
};

export async function serveCommand(options: { host: string; port: number; dataDir: string }): Promise<void> {
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      host: options.host,
      port: options.port,
      dataDir: resolve(options.dataDir),
      webhookSecret: process.env.BUILD_ALERTS_WEBHOOK_SECRET || null,
      allowPrivateEgress: process.env.BUILD_ALERTS_ALLOW_PRIVATE_EGRESS === '1',
      publicUrl: env('BUILD_ALERTS_PUBLIC_URL'),
      adminToken: env('BUILD_ALERTS_ADMIN_TOKEN'),
      ingestToken: env('BUILD_ALERTS_INGEST_TOKEN'),
      bitbucketUrl: env('BUILD_ALERTS_BITBUCKET_URL'),
      bitbucketToken: env('BUILD_ALERTS_BITBUCKET_TOKEN'),
      bitbucketKind: env('BUILD_ALERTS_BITBUCKET_KIND'),
    });
  } catch (e) {
    if (e instanceof RuntimeStartError) throw new CliError(e.message);
    throw e;
  }
  // A failed disk write must not end the server (storage-health.ts handles the ones it sees). Any
  // other unhandled rejection is a bug: it still ends the process, as Node's default does.
  process.on('unhandledRejection', (reason) => {
    void storageFaultOf(reason).then((fault) => {
      if (fault) return; // reported on /healthz by the write that failed
      process.stderr.write(`build-alerts: unexpected error: ${String((reason as Error)?.message ?? reason).split('\n')[0]}\n`);
      process.exit(1);
    });
  });
  const base = env('BUILD_ALERTS_PUBLIC_URL')?.replace(/\/$/, '') ?? runtime.url;
  const notes: string[] = [];
  if (env('BUILD_ALERTS_ADMIN_TOKEN')) notes.push(`  Sign in:        ${base}/login (admin token)`);
  if (!isLoopbackAddress(options.host) && !process.env.BUILD_ALERTS_WEBHOOK_SECRET) {
    notes.push('  Note: webhooks are accepted unsigned unless BUILD_ALERTS_WEBHOOK_SECRET (or a per-repository secret) is set');
  }
  process.stdout.write(
    `Build Alerts for Bitbucket is running.\n  Settings page:  ${base}/\n  Forge events:   POST ${base}/forge/events\n  Webhooks:       POST ${base}/webhooks/bitbucket\n  Data dir:       ${resolve(options.dataDir)}\n${notes.map((n) => `${n}\n`).join('')}`,
  );
  const shutdown = async () => {
    await runtime.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await new Promise(() => undefined); // run until a signal
}

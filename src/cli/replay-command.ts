import { createHmac } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { CliError, headersFrom, readText } from './cli-support';

/** Which endpoint a fixture goes to: Forge events (eventType) to /forge/events, the rest as webhooks. */
function isForgeEvent(text: string): boolean {
  try {
    const body = JSON.parse(text) as { eventType?: unknown };
    return typeof body?.eventType === 'string';
  } catch {
    return false;
  }
}

export async function replayCommand(dir: string, options: { url: string; header: string[]; secret?: string }): Promise<void> {
  let files: string[];
  try {
    files = statSync(dir).isDirectory()
      ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f))
      : [dir];
  } catch {
    throw new CliError(`${dir}: no such file or folder`);
  }
  if (files.length === 0) throw new CliError(`${dir}: no .json files`);
  const headers = headersFrom(options.header);
  const secret = options.secret ?? process.env.BUILD_ALERTS_WEBHOOK_SECRET ?? null;
  const bar = new SingleBar({ format: 'replay [{bar}] {value}/{total} {file}', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  bar.start(files.length, 0, { file: '' });
  const results: { file: string; status: number; body: string }[] = [];
  for (const file of files) {
    const text = readText(file);
    const forge = isForgeEvent(text) && !headers['X-Event-Key'];
    const target = `${options.url.replace(/\/$/, '')}${forge ? '/forge/events' : '/webhooks/bitbucket'}`;
    const h: Record<string, string> = { 'content-type': 'application/json', ...(forge ? {} : headers) };
    // A runtime with BUILD_ALERTS_INGEST_TOKEN set takes Forge events only with it (docs/threat-model.md).
    const ingestToken = process.env.BUILD_ALERTS_INGEST_TOKEN;
    if (forge && ingestToken) h.authorization = `Bearer ${ingestToken}`;
    if (!forge && secret) h['X-Hub-Signature'] = `sha256=${createHmac('sha256', secret).update(Buffer.from(text)).digest('hex')}`;
    try {
      const res = await fetch(target, { method: 'POST', headers: h, body: text });
      results.push({ file: basename(file), status: res.status, body: (await res.text()).slice(0, 200) });
    } catch (e) {
      bar.stop();
      throw new CliError(`cannot reach ${options.url}: ${(e as Error).message} (is \`build-alerts serve\` running?)`);
    }
    bar.increment(1, { file: basename(file) });
  }
  bar.stop();
  for (const r of results) process.stdout.write(`${r.status} ${r.file} ${r.body}\n`);
  if (results.some((r) => r.status >= 400)) process.exitCode = 1;
}

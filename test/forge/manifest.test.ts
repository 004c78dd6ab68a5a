/**
 * manifest.yml against the code: it validates offline, every handler it names is exported by
 * src/index.ts, the egress list equals src/shared/egress-hosts.ts, the scopes are exactly the
 * intended set, and the keys the adapter uses (queue, web trigger) match the modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { FORGE_EGRESS_HOSTS } from '../../src/shared/egress-hosts';
import { QUEUE_KEY, WEBTRIGGER_KEY } from '../../src/adapters/forge/ports';
import { CONSUMER_TIMEOUT_SECONDS, QUEUE_LIMITS } from '../../src/core/queue-limits';

const ROOT = path.resolve(__dirname, '../..');
const MANIFEST_TEXT = fs.readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const manifest = YAML.parse(MANIFEST_TEXT) as any;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateManifest } = require('../../scripts/validate-manifest.js') as {
  validateManifest(p: string): Promise<{ level?: string; message: string }[]>;
};

/**
 * The validator resolves handlers and resources next to the manifest. A scratch copy with `src`
 * linked in and a placeholder UI build checks the manifest whether or not the UI has been built.
 */
function scratchCopy(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-'));
  fs.writeFileSync(path.join(dir, 'manifest.yml'), text);
  fs.symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'));
  fs.mkdirSync(path.join(dir, 'static/settings/build'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'static/settings/build/index.html'), '<!doctype html>');
  return path.join(dir, 'manifest.yml');
}

const functions = new Map<string, string>(manifest.modules.function.map((f: { key: string; handler: string }) => [f.key, f.handler]));

describe('manifest.yml', () => {
  it('passes the offline Forge validation with no errors', async () => {
    const problems = await validateManifest(scratchCopy(MANIFEST_TEXT));
    expect(problems.filter((p) => (p.level ?? 'error') === 'error')).toEqual([]);
  });

  it('the validation catches a handler file that does not exist and a trigger event without its scope', async () => {
    const broken = MANIFEST_TEXT.replace('handler: index.onSchedule', 'handler: missing.onSchedule').replace(
      '    - read:pullrequest:bitbucket',
      '    # pull request scope removed',
    );
    const messages = (await validateManifest(scratchCopy(broken))).map((p) => p.message).join('\n');
    expect(messages).toMatch(/missing\.\(tsx\|jsx\|ts\|js\|cjs\)/);
    // The schema pass fails first, so the scope check is exercised on a copy that only lacks the scope.
    const scopeOnly = await validateManifest(scratchCopy(MANIFEST_TEXT.replace('    - read:pullrequest:bitbucket', '    # removed')));
    expect(scopeOnly.map((p) => p.message).join('\n')).toMatch(/read:pullrequest:bitbucket/);
  });

  it('names only handlers that src/index.ts exports as functions, all from index', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require('../../src/index') as Record<string, unknown>;
    const handlers = [...functions.values()];
    expect(handlers.length).toBeGreaterThan(0);
    for (const handler of handlers) {
      const [file, exportName] = handler.split('.');
      expect(file).toBe('index');
      expect(typeof entry[exportName!]).toBe('function');
    }
    // …and index exports nothing the manifest does not name (it only re-exports handlers).
    expect(Object.keys(entry).sort()).toEqual(handlers.map((h) => h.split('.')[1]).sort());
  });

  it('every module points at a declared function', () => {
    const m = manifest.modules;
    const referenced = [
      ...m.trigger.map((t: { function: string }) => t.function),
      ...m.consumer.map((c: { function: string }) => c.function),
      ...m.webtrigger.map((w: { function: string }) => w.function),
      ...m.scheduledTrigger.map((s: { function: string }) => s.function),
      ...m['bitbucket:repoSettingsMenuPage'].map((p: { resolver: { function: string } }) => p.resolver.function),
      ...m['bitbucket:workspaceSettingsMenuPage'].map((p: { resolver: { function: string } }) => p.resolver.function),
    ];
    for (const key of referenced) expect(functions.has(key)).toBe(true);
    expect(new Set(referenced)).toEqual(new Set(functions.keys()));
  });

  it('declares exactly the egress hosts in src/shared/egress-hosts.ts, in address form', () => {
    const backend = manifest.permissions.external.fetch.backend as unknown[];
    for (const entry of backend) expect(entry).toEqual({ address: expect.any(String) });
    expect(backend.map((e) => (e as { address: string }).address)).toEqual([...FORGE_EGRESS_HOSTS]);
  });

  it('asks for exactly the intended scopes', () => {
    expect([...manifest.permissions.scopes].sort()).toEqual(
      ['read:pipeline:bitbucket', 'read:pullrequest:bitbucket', 'read:repository:bitbucket', 'read:workspace:bitbucket', 'storage:app'].sort(),
    );
  });

  it('subscribes only to events some rule can use (no pending or started deployments: each delivered event costs an invocation)', () => {
    expect([...manifest.modules.trigger[0].events].sort()).toEqual(
      [
        'avi:bitbucket:created:build-status',
        'avi:bitbucket:updated:build-status',
        'avi:bitbucket:completed:deployment',
        'avi:bitbucket:push:repository',
        'avi:bitbucket:created:pullrequest',
        'avi:bitbucket:fulfilled:pullrequest',
        'avi:bitbucket:rejected:pullrequest',
      ].sort(),
    );
  });

  it('gives the web trigger the v2 URL format, set once (changing it later changes the URL users pasted)', () => {
    expect(manifest.modules.webtrigger[0].urlFormat).toBe('v2');
  });

  it('keeps the queue limits in code in step with the consumer timeout (100 KB per event above 55 s)', () => {
    const consumerFn = manifest.modules.function.find((f: { key: string }) => f.key === manifest.modules.consumer[0].function);
    expect(consumerFn.timeoutSeconds).toBe(CONSUMER_TIMEOUT_SECONDS);
    expect(QUEUE_LIMITS.maxEventBytes).toBe(consumerFn.timeoutSeconds > 55 ? 100 * 1024 : 200 * 1024);
  });

  it('uses the queue and web trigger keys the Forge adapter pushes to and asks for', () => {
    expect(manifest.modules.consumer.map((c: { queue: string }) => c.queue)).toEqual([QUEUE_KEY]);
    expect(manifest.modules.webtrigger.map((w: { key: string }) => w.key)).toEqual([WEBTRIGGER_KEY]);
  });

  it('gives the consumer and the scheduled trigger the 900 s consumers may use, with an hourly schedule and tunnel port 3000', () => {
    const consumerFn = manifest.modules.function.find((f: { key: string }) => f.key === manifest.modules.consumer[0].function);
    expect(consumerFn.timeoutSeconds).toBe(900);
    expect(manifest.modules.scheduledTrigger[0].interval).toBe('hour');
    expect(manifest.resources).toEqual([{ key: 'settings', path: 'static/settings/build', tunnel: { port: 3000 } }]);
    expect(manifest.app.id).toBe('ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000');
  });
});

/**
 * The code `forge deploy` and `forge tunnel` would upload or run: scripts/forge-bundle.js bundles the
 * app with Forge's own bundler (@forge/bundler, webpack + ts-loader, this repo's tsconfig.json) into
 * .forge-bundle/<mode>/. This loads that output, not src/: each manifest handler is a function there,
 * and the web trigger handler answers a GET with 405 (shape per
 * https://developer.atlassian.com/platform/forge/manifest-reference/modules/web-trigger/).
 * `npm test` runs the bundle step before jest; run `node scripts/forge-bundle.js` for this file alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, '.forge-bundle');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const manifest = YAML.parse(fs.readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as any;

type Handler = (...args: unknown[]) => unknown;
interface WebTriggerResponse {
  statusCode: number;
  headers?: Record<string, string[]>;
  body?: string;
}

/** `index.onWebhook` → { file: 'index', exportName: 'onWebhook' } */
function splitHandler(handler: string): { file: string; exportName: string } {
  const dot = handler.lastIndexOf('.');
  return { file: handler.slice(0, dot), exportName: handler.slice(dot + 1) };
}

const functions: { key: string; handler: string }[] = manifest.modules.function;
const webtriggerFunctionKey: string = manifest.modules.webtrigger[0].function;
const webtriggerHandler = functions.find((f) => f.key === webtriggerFunctionKey)!.handler;

const modes = ['deploy', 'tunnel'].filter((m) => fs.existsSync(path.join(BUNDLE, m, 'index.cjs')));

function loadEntry(mode: string, file: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(BUNDLE, mode, `${file}.cjs`)) as Record<string, unknown>;
}

if (!modes.includes('deploy')) {
  const reason = '.forge-bundle/deploy/index.cjs is absent (run `node scripts/forge-bundle.js`; `npm test` does it first)';
  console.warn(`test/forge/bundle.test.ts skipped: ${reason}`);
  describe.skip(`Forge bundle: SKIPPED because ${reason}`, () => {
    it('loads the bundled handlers', () => undefined);
  });
} else {
  describe.each(modes)('Forge bundle (%s mode, built by @forge/bundler)', (mode) => {
    it('is what the bundler wrote: webpack output, runtime wrapper files and manifest; Forge code only', () => {
      const files = fs.readdirSync(path.join(BUNDLE, mode));
      expect(files).toEqual(expect.arrayContaining(['index.cjs', 'index.cjs.map', '__forge__.cjs', 'runtime.json', 'manifest.yml']));
      const { sources } = JSON.parse(fs.readFileSync(path.join(BUNDLE, mode, 'index.cjs.map'), 'utf8')) as { sources: string[] };
      const local = sources.map((s) => s.replace(/^webpack:\/\/[^/]*\/(\.\/)?/, '')).filter((s) => s.startsWith('src/'));
      expect(local).toEqual(expect.arrayContaining(['src/index.ts', 'src/adapters/forge/webtrigger.ts']));
      expect(local.filter((s) => s.startsWith('src/adapters/local/') || s.startsWith('src/cli/'))).toEqual([]);
    });

    it('exports every handler manifest.yml names as a function', () => {
      expect(functions.length).toBeGreaterThan(0);
      for (const { handler } of functions) {
        const { file, exportName } = splitHandler(handler);
        const entry = loadEntry(mode, file);
        expect({ handler, type: typeof entry[exportName] }).toEqual({ handler, type: 'function' });
      }
    });

    it('runs: the bundled web trigger handler answers GET with 405 and Allow: POST', async () => {
      const { file, exportName } = splitHandler(webtriggerHandler);
      const onWebhook = loadEntry(mode, file)[exportName] as Handler;
      const response = (await onWebhook({ method: 'GET', headers: {}, body: '' }, {})) as WebTriggerResponse;
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toEqual(['POST']);
      expect(JSON.parse(response.body ?? '')).toEqual({ error: expect.any(String) });
    });
  });
}

/**
 * Cold start: what a Forge invocation pays before handling anything (bundle size, time to require
 * it in a fresh process), and what an admin's browser pays to see the settings page.
 */
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { startRuntime } from '../src/adapters/local/runtime';
import { REPO_ROOT, repoUuid } from './events';
import { silentLog } from './silent-log';
import { median } from './stats';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const UI_BUILD = join(REPO_ROOT, 'static/settings/build');

export interface BackendColdStart {
  backendBundleBytes: number;
  entryImportMs: number;
  entryImportRunsMs: number[];
}

export interface UiColdStart {
  uiBundleGzipBytes: number;
  uiBundleFiles: number;
  /**
   * Gzip bytes of the JavaScript and CSS a first visit must fetch before anything lazy: what
   * index.html references (module script, modulepreloads, stylesheets) and, transitively, the static
   * imports of those scripts. Lazy chunks (dynamic import()) are not counted. Read from the build,
   * so it needs no browser.
   */
  uiFirstVisitGzipBytes: number;
  /** The files counted in uiFirstVisitGzipBytes, relative to the build folder. */
  uiFirstVisitFiles: string[];
  /** Same value as uiFirstVisitGzipBytes; the name bench/run.ts reads. */
  uiInitialGzipBytes: number | null;
  /**
   * Gzip bytes of the scripts and styles Chromium had fetched by the time the first heading was
   * painted (first counted run): the first-visit files plus whatever lazy chunks (theme, sections)
   * had arrived by then. What uiInitialGzipBytes used to report.
   */
  uiLoadedByFirstPaintGzipBytes: number | null;
  uiFirstRenderMs: number | null;
  uiFirstRenderRunsMs: number[];
  uiError?: string;
}

/** esbuild bundle of src/index.ts as Forge would run it: node platform, everything bundled (@forge/* too), minified. */
export async function measureBackend(runs = 5): Promise<BackendColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-bundle-'));
  const outfile = join(dir, 'index.js');
  try {
    await build({
      entryPoints: [join(REPO_ROOT, 'src/index.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      outfile,
      logLevel: 'error',
    });
    const backendBundleBytes = statSync(outfile).size;
    const script = `const t=process.hrtime.bigint();const m=require(${JSON.stringify(outfile)});const d=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.onBitbucketEvent!=='function')throw new Error('no handler');process.stdout.write(String(d));`;
    const entryImportRunsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      entryImportRunsMs.push(Number(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' })));
    }
    return { backendBundleBytes, entryImportMs: median(entryImportRunsMs), entryImportRunsMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const gzipBytes = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;

/**
 * The relative specifiers of a built ES module's static imports and re-exports (`import … from "./x.js"`,
 * `import "./x.js"`, `export … from "./x.js"`), not its dynamic `import("./x.js")` calls. Matches
 * Vite/Rolldown output, minified or not; a statement must start the file or follow `;`, `}` or a
 * line break, so the word inside identifiers or strings does not count.
 */
export function staticImports(code: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[;}\n])\s*(?:import|export)\s*(?:[\w$]+\s*,?\s*)?(?:\*\s*as\s+[\w$]+|\*|\{[^{}]*\})?\s*(?:from\s*)?(["'])([^"'\n]+)\1/g;
  for (const m of code.matchAll(re)) out.push(m[2]!);
  return out;
}

/** Files of the build a first visit fetches before anything lazy (see UiColdStart.uiFirstVisitGzipBytes). */
export function firstVisitFiles(buildDir: string = UI_BUILD): string[] {
  const html = readFileSync(join(buildDir, 'index.html'), 'utf8');
  const queue: string[] = [];
  for (const m of html.matchAll(/<(script|link)\b([^>]*)>/gi)) {
    const tag = m[1]!.toLowerCase();
    const attrs = m[2]!;
    const url = /\b(?:src|href)\s*=\s*["']([^"']+)["']/i.exec(attrs)?.[1];
    // Only the build's own files: not data: URLs (the favicon) nor other hosts.
    if (!url || /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(url)) continue;
    const wanted = tag === 'script' || /\brel\s*=\s*["']?(?:modulepreload|stylesheet)\b/i.test(attrs);
    if (wanted) queue.push(resolve(buildDir, url.split(/[?#]/)[0]!));
  }
  const seen = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    if (extname(file) !== '.js') continue;
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('./') || spec.startsWith('../')) queue.push(resolve(dirname(file), spec));
    }
  }
  return [...seen].filter((f) => ['.js', '.css'].includes(extname(f)));
}

function uiAssets(uiBuild: string): string[] {
  const assets = join(uiBuild, 'assets');
  if (!existsSync(assets)) return [];
  return readdirSync(assets)
    .filter((f) => ['.js', '.css'].includes(extname(f)))
    .map((f) => join(assets, f));
}

/**
 * Notes when the page's first heading is in the DOM, then the next animation frame (the frame that
 * paints it). A string, not a function: tsx would wrap a function's inner names in a helper the
 * page does not have.
 */
const FIRST_HEADING_PROBE = `(() => {
  const observer = new MutationObserver(() => {
    const h1 = document.querySelector('h1');
    if (!h1 || !h1.textContent) return;
    observer.disconnect();
    window.__h1At = performance.now();
    requestAnimationFrame(() => { window.__h1PaintAt = performance.now(); });
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
})();`;

/**
 * Gzip size of the built settings page, and time to its heading in Chromium against the local runtime.
 * `uiBuild` is static/settings/build unless another build is to be compared (served as the runtime's uiDir).
 */
export async function measureUi(runs = 3, uiBuild: string = UI_BUILD): Promise<UiColdStart> {
  if (!existsSync(join(uiBuild, 'index.html'))) execSync('node scripts/setup-ui.js', { cwd: REPO_ROOT, stdio: 'inherit' });
  const files = uiAssets(uiBuild);
  const rel = (f: string) => f.slice(uiBuild.length).replace(/\\/g, '/');
  const sizes = new Map(files.map((f) => [rel(f), gzipBytes(f)]));
  const firstVisit = firstVisitFiles(uiBuild).map(rel);
  const uiFirstVisitGzipBytes = firstVisit.reduce((sum, p) => sum + (sizes.get(p) ?? gzipBytes(join(uiBuild, p))), 0);
  const result: UiColdStart = {
    uiBundleGzipBytes: [...sizes.values()].reduce((a, b) => a + b, 0),
    uiBundleFiles: files.length,
    uiFirstVisitGzipBytes,
    uiFirstVisitFiles: firstVisit,
    uiInitialGzipBytes: uiFirstVisitGzipBytes,
    uiLoadedByFirstPaintGzipBytes: null,
    uiFirstRenderMs: null,
    uiFirstRenderRunsMs: [],
  };

  if (!existsSync(CHROMIUM)) {
    try {
      execSync('node scripts/ensure-chromium.js', { cwd: REPO_ROOT, stdio: 'inherit' });
    } catch {
      result.uiError = `Chromium not found at ${CHROMIUM}`;
      return result;
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'build-alerts-bench-ui-'));
  const runtime = await startRuntime({ host: '127.0.0.1', port: 0, dataDir, log: silentLog, uiDir: uiBuild });
  // Loaded lazily: playwright-core is a dev dependency and only this step needs it.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const url = `${runtime.url}/repos/${repoUuid(0).replace(/[{}]/g, '')}/settings/`;
    for (let i = 0; i <= runs; i++) {
      // A fresh context per run: nothing cached, as on an admin's first visit.
      const context = await browser.newContext();
      await context.addInitScript({ content: FIRST_HEADING_PROBE });
      const page = await context.newPage();
      const loaded = new Set<string>();
      page.on('response', (res) => {
        const path = new URL(res.url()).pathname;
        const at = path.indexOf('/assets/');
        if (at >= 0) loaded.add(path.slice(at));
      });
      await page.goto(url);
      await page.waitForSelector('h1', { timeout: 30_000 });
      await page.waitForFunction(() => (window as unknown as { __h1PaintAt?: number }).__h1PaintAt !== undefined, undefined, { timeout: 10_000 });
      const paintAt = await page.evaluate(() => (window as unknown as { __h1PaintAt: number }).__h1PaintAt);
      // Run 0 warms the server and the browser process; it is not counted.
      if (i > 0) result.uiFirstRenderRunsMs.push(paintAt);
      if (i === 1) result.uiLoadedByFirstPaintGzipBytes = [...loaded].reduce((sum, p) => sum + (sizes.get(p) ?? 0), 0);
      await context.close();
    }
    result.uiFirstRenderMs = median(result.uiFirstRenderRunsMs);
  } catch (e) {
    result.uiError = (e as Error).message.split('\n')[0];
  } finally {
    await browser.close();
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

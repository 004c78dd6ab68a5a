#!/usr/bin/env node
/**
 * Bundles the app with Forge's own bundler (@forge/bundler: webpack + ts-loader with this repo's
 * tsconfig.json), offline, the way `forge deploy` and `forge tunnel` do, then checks what came out.
 *
 * Mirrors @forge/cli 13.3.0 (which pins @forge/bundler 7.1.0 and @forge/cli-shared 9.3.0):
 *   deploy: RuntimeBundler.packageAll -> getEntryPoints(configFile.getAppHandlers()) ->
 *           getNodeBundler(ui, getWrapperProvider({ fileSystemReader, statsigService }), configFile, statsigService)
 *           .bundle({ appDirectory: cwd, entryPoints, i18nResourceBundle }), then the archive gets the
 *           output dir, the additional outputs, manifest.yml (as JSON), package.json, package-lock.json.
 *   tunnel: @forge/tunnel 7.1.0 LocalDevelopmentServer.compileAndWatch -> the same bundler's
 *           .watch({ appDirectory, entryPoints, watchMode: 'watch', successMessage, i18nResourceBundle }),
 *           then LocalFunctionHost copies output + additional outputs + manifest into the sandbox dir.
 * The CLI downloads Forge's runtime wrapper; offline FORGE_RUNTIME_PATH points at stub
 * dist/wrapper.js and dist/loader.js (set FORGE_RUNTIME_PATH yourself to use a real one).
 *
 * Checks, per mode (exit 1 with the reason on failure):
 *   (a) every manifest handler (`modules.function[].handler`, `<file>.<export>`) is a function
 *       exported by the bundled entry, loaded in a child `node` from a copy outside the repo
 *       (so nothing resolves from this repo's node_modules);
 *   (b) no local-runtime or native module is bundled (packages in FORBIDDEN_PACKAGES, files under
 *       FORBIDDEN_SOURCES), from the bundler's webpack module list and the source map;
 *   (c) prints sizes and writes .forge-bundle/report.json (sizes, module counts).
 * Output stays in .forge-bundle/<mode>/ (git-ignored) for test/forge/bundle.test.ts.
 *
 * Usage: node scripts/forge-bundle.js [deploy] [tunnel]   (default: both)
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { builtinModules } = require('node:module');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, '.forge-bundle');
const MODES = ['deploy', 'tunnel'];

/** Local-runtime and native packages: none may reach the Forge bundle. */
const FORBIDDEN_PACKAGES = [
  'lmdb',
  'fastify',
  'pino',
  'pino-pretty',
  'tsx',
  'msgpackr',
  'msgpackr-extract',
  'better-sqlite3',
  'commander',
  'cli-progress',
];
/** Source folders only the local runtime and the CLI use. */
const FORBIDDEN_SOURCES = ['src/adapters/local/', 'src/cli/'];

class CheckFailed extends Error {}
const fail = (msg) => {
  throw new CheckFailed(msg);
};

function makeLogger(warnings) {
  const verbose = !!process.env.FORGE_BUNDLE_VERBOSE;
  return {
    info: (m) => verbose && console.log(`  [bundler] ${m}`),
    debug: (m) => verbose && console.log(`  [bundler:debug] ${m}`),
    trace: (m) => verbose && console.log(`  [bundler:trace] ${m}`),
    warn: (m) => warnings.push(String(m)),
    error: (e) => console.error(`  [bundler:error] ${e && e.message ? e.message : e}`),
  };
}

/** Only `isTypescriptBundlerEnabled` (app.package.bundler: typescript) and the network wrapper use it. */
const offlineStatsig = {
  isTypescriptBundlerEnabled: async () => false,
  testForgeCliBundleRuntimeLoaderGate: async () => true,
};

function stubRuntime() {
  if (process.env.FORGE_RUNTIME_PATH) return { dir: process.env.FORGE_RUNTIME_PATH, stub: false };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-runtime-stub-'));
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist/wrapper.js'), '// offline stub of Forge\'s node runtime wrapper (scripts/forge-bundle.js)\n');
  fs.writeFileSync(path.join(dir, 'dist/loader.js'), '// offline stub of Forge\'s node runtime loader (scripts/forge-bundle.js)\n');
  process.env.FORGE_RUNTIME_PATH = dir;
  return { dir, stub: true };
}

function rmTmp(dir) {
  // The bundler writes to tmp's forge-dist-* dirs; remove ours once copied (never anything else).
  if (dir && path.resolve(dir).startsWith(os.tmpdir() + path.sep) && path.basename(dir).startsWith('forge-')) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function bundleMode(mode, forge) {
  const { bundler, shared } = forge;
  const warnings = [];
  const ui = makeLogger(warnings);
  const fileReader = new shared.FileSystemReader();
  const configFile = new shared.ConfigFile(fileReader, new shared.FileSystemWriter());
  const handlers = await configFile.getAppHandlers();
  const config = await configFile.readConfig();
  const entryPoints = bundler.getEntryPoints(handlers);
  if (!entryPoints.length) fail('manifest.yml names no function handlers: nothing to bundle');
  const i18nResourceBundle = await new shared.I18nResourceBundlingService().bundle(config.modules, config.translations);
  const nodeBundler = bundler.getNodeBundler(
    ui,
    bundler.getWrapperProvider({ fileSystemReader: fileReader, statsigService: offlineStatsig }),
    configFile,
    offlineStatsig,
  );
  const appDirectory = process.cwd();
  // No stale output survives a failed run (a failed check leaves its output for inspection).
  const target = path.join(OUT, mode);
  fs.rmSync(target, { recursive: true, force: true });

  let output;
  if (mode === 'deploy') {
    output = await nodeBundler.bundle({ appDirectory, entryPoints, i18nResourceBundle });
  } else {
    const watchMode = shared.defaultNoDebugTunnelOptions.debug ? 'debug' : 'watch';
    const noop = async () => {};
    const { result, stop } = await nodeBundler.watch(
      { appDirectory, entryPoints, watchMode, successMessage: shared.Text.tunnel.functionsBundlingSucceeded, i18nResourceBundle },
      { onBuildWillStart: noop, onBuildFinished: noop },
    );
    await stop();
    output = result;
  }

  // What the CLI puts in the deploy archive / the tunnel sandbox dir, written to a folder instead.
  fs.mkdirSync(target, { recursive: true });
  const archiver = new shared.DirectoryArchiver(target);
  archiver.addFrom('', output.outputDir);
  if (output.additionalOutputs) archiver.addMany(output.additionalOutputs);
  archiver.addContent(shared.manifestFileName, Buffer.from(JSON.stringify(config)));
  if (mode === 'deploy') {
    for (const f of shared.dependencyFileNames) if (fileReader.fileExists(f)) archiver.addFrom(f, f);
    for (const f of await fileReader.getFileGlobList(config.app?.package?.extraFiles ?? [])) archiver.addFrom(f, f);
  }
  await archiver.finalise();
  rmTmp(output.outputDir);
  return { target, entryPoints, handlers, metadata: output.metadata, warnings };
}

function listFiles(dir, base = dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(full, base));
    else out.push({ file: path.relative(base, full), bytes: fs.statSync(full).size });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** Module paths from the entry's source map: `webpack://<name>/./src/x.ts` -> `src/x.ts`. */
function sourceMapModules(mapFile) {
  if (!fs.existsSync(mapFile)) fail(`no source map ${path.relative(ROOT, mapFile)}: cannot list bundled modules`);
  const { sources } = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
  return sources
    .map((s) => s.replace(/^webpack:\/\/[^/]*\//, '').replace(/^\.\//, '').replace(/\?.*$/, ''))
    .filter((s) => !s.startsWith('webpack/') && !/^(external|ignored) /.test(s));
}

function packageOf(modulePath) {
  const m = modulePath.match(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (!m) return undefined;
  return m[m.length - 1].replace(/^\/?node_modules\//, '').replace(/^.*node_modules\//, '');
}

function checkModules(mode, entryName, target) {
  const entryFile = path.join(target, `${entryName}.cjs`);
  const code = fs.readFileSync(entryFile, 'utf8');
  const modules = sourceMapModules(`${entryFile}.map`);
  const local = modules.filter((m) => !m.includes('node_modules/'));
  const packages = {};
  for (const m of modules) {
    const p = packageOf(m);
    if (p) packages[p] = (packages[p] || 0) + 1;
  }
  const problems = [];
  for (const p of FORBIDDEN_PACKAGES) {
    if (packages[p]) problems.push(`package ${p} is bundled`);
  }
  for (const m of local) {
    if (FORBIDDEN_SOURCES.some((s) => m.startsWith(s))) problems.push(`${m} is bundled`);
  }
  // Externals stay `require("x")` calls in the output: only Node built-ins may remain.
  const builtins = new Set(builtinModules.flatMap((b) => [b, `node:${b}`]));
  const externals = new Set([...code.matchAll(/\brequire\("([^"]+)"\)/g)].map((r) => r[1]).filter((r) => !r.startsWith('.')));
  for (const r of externals) {
    if (!builtins.has(r)) problems.push(`require("${r}") is left external (not bundled, not a Node built-in)`);
  }
  if (problems.length) {
    fail(
      `${mode}: the Forge bundle pulls in local-runtime or native code:\n  - ${problems.join('\n  - ')}\n` +
        `  (src/index.ts must reach only src/adapters/forge, src/app, src/core, src/shared)`,
    );
  }
  return {
    total: modules.length,
    src: local.filter((m) => m.startsWith('src/')).length,
    nodeModules: modules.length - local.length,
    packages: Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b))),
    nodeBuiltins: [...externals].sort(),
  };
}

/** Loads the bundle in a fresh `node` from a copy outside the repo and returns `typeof` of each export. */
function exportedTypes(target, entryName) {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-bundle-load-'));
  try {
    fs.cpSync(target, copy, { recursive: true });
    const script =
      'const m = require(process.argv[1]);' +
      'process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))));';
    const out = execFileSync(process.execPath, ['-e', script, path.join(copy, `${entryName}.cjs`)], {
      cwd: copy,
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30000,
    });
    return JSON.parse(out);
  } catch (err) {
    if (err instanceof SyntaxError) throw err;
    fail(`loading ${entryName}.cjs in a child node failed:\n${(err.stderr || err.message || '').toString().trim()}`);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

function checkHandlers(mode, target, handlers) {
  const byEntry = new Map();
  for (const { module, func } of handlers) byEntry.set(module, [...(byEntry.get(module) || []), func]);
  const missing = [];
  for (const [entryName, funcs] of byEntry) {
    const types = exportedTypes(target, entryName);
    for (const f of funcs) if (types[f] !== 'function') missing.push(`${entryName}.${f} (got ${types[f] ?? 'no such export'})`);
  }
  if (missing.length) fail(`${mode}: manifest handlers the bundle does not export as functions:\n  - ${missing.join('\n  - ')}`);
  return [...byEntry.keys()];
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(2)} MB`;

async function main() {
  const started = Date.now();
  const modes = process.argv.slice(2).length ? process.argv.slice(2) : MODES;
  for (const m of modes) if (!MODES.includes(m)) fail(`unknown mode "${m}" (use ${MODES.join(' and/or ')})`);
  process.chdir(ROOT); // the CLI bundles process.cwd() and reads ./manifest.yml and ./tsconfig.json
  const runtime = stubRuntime();
  const forge = {
    bundler: require('@forge/bundler'),
    shared: require('@forge/cli-shared'),
  };
  // The bundler writes to tmp.dirSync({ unsafeCleanup }) dirs: remove them at exit, even after a failure.
  require(require.resolve('tmp', { paths: [require.resolve('@forge/cli-shared')] })).setGracefulCleanup();
  const version = (p) => require(`${p}/package.json`).version;
  const report = {
    generatedAt: new Date().toISOString(),
    bundler: `@forge/bundler@${version('@forge/bundler')}`,
    cliShared: `@forge/cli-shared@${version('@forge/cli-shared')}`,
    runtimeWrapper: runtime.stub ? 'offline stub' : runtime.dir,
    modes: {},
  };
  fs.mkdirSync(OUT, { recursive: true });
  fs.rmSync(path.join(OUT, 'report.json'), { force: true });
  try {
    for (const mode of modes) {
      const t0 = Date.now();
      const { target, handlers, metadata, warnings } = await bundleMode(mode, forge);
      const bundledMs = Date.now() - t0;
      const entries = checkHandlers(mode, target, handlers);
      const files = listFiles(target);
      const size = (f) => files.find((x) => x.file === f)?.bytes ?? 0;
      const entryStats = {};
      for (const e of entries) entryStats[`${e}.cjs`] = { bytes: size(`${e}.cjs`), modules: checkModules(mode, e, target) };
      const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
      const entryBytes = Object.values(entryStats).reduce((s, e) => s + e.bytes, 0);
      report.modes[mode] = {
        outputDir: path.relative(ROOT, target),
        entryBytes,
        totalBytes,
        bundleMs: bundledMs,
        entries: entryStats,
        files,
        handlers: handlers.map((h) => `${h.module}.${h.func}`),
        metadata: metadata && { jsFiles: metadata.jsFiles, tsFiles: metadata.tsFiles, esm: metadata.esm, bundler: metadata.bundler },
        warnings,
      };
      const mods = Object.values(entryStats)[0]?.modules;
      console.log(
        `forge-bundle: ${mode}: ${entries.map((e) => `${e}.cjs`).join(', ')} ${entryBytes} bytes (${mb(entryBytes)}); ` +
          `folder ${totalBytes} bytes (${mb(totalBytes)}, with source map); ${mods.total} modules ` +
          `(${mods.src} from src, ${mods.nodeModules} from ${Object.keys(mods.packages).length} packages); ` +
          `${handlers.length} handlers are functions; ${(bundledMs / 1000).toFixed(1)} s`,
      );
      for (const w of warnings) console.warn(`forge-bundle: ${mode}: webpack warning: ${w.split('\n')[0]}`);
    }
  } finally {
    if (runtime.stub) fs.rmSync(runtime.dir, { recursive: true, force: true });
  }
  report.totalMs = Date.now() - started;
  fs.writeFileSync(path.join(OUT, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`forge-bundle: ok in ${(report.totalMs / 1000).toFixed(1)} s; report in ${path.relative(ROOT, path.join(OUT, 'report.json'))}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0), // webpack's watcher or tmp may keep handles open
    (err) => {
      // Bundler errors (TypeScript, webpack) carry their detail in the message; the stack is webpack's.
      const detail = err instanceof CheckFailed || !process.env.FORGE_BUNDLE_VERBOSE ? (err && err.message) || err : err.stack;
      console.error(`forge-bundle: FAILED: ${detail}`);
      process.exit(1);
    },
  );
}

module.exports = { FORBIDDEN_PACKAGES, FORBIDDEN_SOURCES, OUT };

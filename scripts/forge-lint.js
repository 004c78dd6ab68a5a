#!/usr/bin/env node
/**
 * `forge lint` without a login: runs @forge/lint's client-side linters programmatically (handler,
 * manifest, permission/egress, storage, timeout...). The CLI needs Atlassian credentials; this does not.
 *
 * The PermissionLinter normally downloads the product swagger files. Offline we hand it empty ones
 * (`{"paths":{}}`), so it still checks storage/fetch/egress use but cannot map REST routes to scopes.
 * With a downloaded Bitbucket spec (https://developer.atlassian.com/cloud/bitbucket/swagger.json)
 * set FORGE_LINT_BB_SWAGGER=/path/to/swagger.json to check requestBitbucket scopes too.
 *
 * Usage: node scripts/forge-lint.js   (exit 1 on errors)
 */
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');

function offlineSwaggerEnv() {
  const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'forge-lint-')), 'empty-swagger.json');
  fs.writeFileSync(empty, '{"paths":{}}');
  const bb = process.env.FORGE_LINT_BB_SWAGGER;
  return {
    USE_LOCAL_SWAGGER: '1',
    LOCAL_CONF_SWAGGER: empty,
    LOCAL_CONF_V2_SWAGGER: empty,
    LOCAL_JIRA_SWAGGER: empty,
    LOCAL_JSM_SWAGGER: empty,
    LOCAL_JSW_SWAGGER: empty,
    LOCAL_BB_SWAGGER: bb && fs.existsSync(bb) ? path.resolve(bb) : empty,
  };
}

function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|js|jsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path.relative(ROOT, full));
  }
  return out;
}

async function runLint() {
  Object.assign(process.env, offlineSwaggerEnv());
  process.chdir(ROOT); // the linters resolve tsconfig.json, handlers and resources from the cwd
  const { lint, getClientSideLintersOnly, parseSourceFile } = require('@forge/lint');
  const manifest = YAML.parse(fs.readFileSync('manifest.yml', 'utf8'));
  const messages = [];
  const logger = { info: (m) => messages.push(String(m)) };
  // The CLI asks Statsig for deprecated runtimes; offline none are deprecated beyond the schema's enum.
  const statsig = { getDeprecatedRuntimes: async () => [] };
  const environment = 'development';
  const linters = await getClientSideLintersOnly(manifest, environment, logger, statsig);
  const files = sourceFiles(path.join(ROOT, 'src'));
  // @forge/lint parses (and so lints) a .ts file only if its exact path is in the set built from
  // tsconfig.json's `include` globs: record which files it really parses.
  const linted = new Set();
  const parseFunction = (filepath, parser) => {
    linted.add(path.relative(ROOT, path.resolve(filepath)));
    return parseSourceFile(filepath, parser);
  };
  const results = await lint(files, manifest, environment, logger, statsig, {
    linter: { mode: 'client-side' },
    linters,
    parseFunction,
  });
  return { results, messages, files, linted: [...linted].sort() };
}

async function main() {
  const started = Date.now();
  const { results, messages, files, linted } = await runLint();
  const isTs = (f) => /\.tsx?$/.test(f);
  const tsFiles = files.filter(isTs);
  const tsLinted = linted.filter(isTs);
  console.log(`forge-lint: linted ${linted.length} of ${files.length} src files (${tsLinted.length} of ${tsFiles.length} .ts)`);
  if (!tsLinted.length) {
    console.error(
      'forge-lint: @forge/lint linted no src .ts file: it lints a .ts file only if tsconfig.json `include` ' +
        'globs match it (use "src/**/*", not "src")',
    );
    process.exit(1);
  }
  const skipped = tsFiles.filter((f) => !linted.includes(f));
  if (skipped.length) console.warn(`forge-lint: not linted (outside tsconfig.json include): ${skipped.join(', ')}`);
  let errors = 0;
  let warnings = 0;
  for (const r of results) {
    const file = path.relative(ROOT, path.resolve(r.file || 'manifest.yml')) || 'manifest.yml';
    for (const e of r.errors) console.error(`${file}:${e.line}:${e.column}: error: ${e.message} (${e.reference})`);
    for (const w of r.warnings) console.warn(`${file}:${w.line}:${w.column}: warning: ${w.message} (${w.reference})`);
    for (const a of r.approvals) console.error(`${file}:${a.line}:${a.column}: needs approval: ${a.message} (${a.reference})`);
    errors += r.errors.length + r.approvals.length;
    warnings += r.warnings.length;
  }
  for (const m of messages) if (process.env.FORGE_LINT_VERBOSE) console.log(m);
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (errors) {
    console.error(`forge-lint: ${errors} error(s), ${warnings} warning(s) in ${took}s`);
    process.exit(1);
  }
  console.log(`forge-lint: no errors (${warnings} warning(s)) in ${took}s`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`forge-lint: crashed: ${err && err.message ? err.message : err}`);
    process.exit(1);
  });
}

module.exports = { runLint };

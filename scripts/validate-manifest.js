#!/usr/bin/env node
/**
 * Offline manifest check (no Forge login): the full schema + module/resource/handler validation
 * that `forge deploy` runs first, the trigger-event → scope check, and the deprecated-egress check.
 * Handlers resolve to src/<file>.(ts|js) and resource paths must exist, so build the UI first
 * (`npm --prefix static/settings run build`). Exits 1 with one readable line per problem.
 *
 * Usage: node scripts/validate-manifest.js [path/to/manifest.yml]
 */
'use strict';
const path = require('node:path');
const { validate, ProcessorBuilder, ValidationTypes } = require('@forge/manifest');

const isError = (e) => (e.level ?? 'error') === 'error';

async function validateManifest(manifestPath) {
  const problems = [];
  const full = await validate(false, manifestPath);
  for (const e of full.errors ?? []) problems.push(e);
  if (!full.success && !(full.errors ?? []).length) problems.push({ level: 'error', message: 'manifest is not valid' });
  // The extra processors only make sense once the file parses and matches the schema (`success` is
  // false on warnings too, so look at the levels).
  if (!problems.some(isError)) {
    for (const type of [ValidationTypes.PRODUCT_TRIGGER, ValidationTypes.DEPRECATED_EGRESS_PERMISSIONS]) {
      const res = await ProcessorBuilder.instance().withValidation(type).build().process(manifestPath);
      // Each processor re-runs the schema pass; keep only what it adds.
      for (const e of res.errors ?? []) if (!problems.some((p) => p.message === e.message)) problems.push(e);
    }
  }
  return problems;
}

function format(manifestPath, e) {
  const where = e.line ? `${manifestPath}:${e.line}${e.column ? ':' + e.column : ''}` : manifestPath;
  return `${where}: ${e.level ?? 'error'}: ${e.message}${e.reference ? ` (${e.reference})` : ''}`;
}

async function main() {
  const manifestPath = process.argv[2] ?? 'manifest.yml';
  // The validator resolves handlers and resources relative to the working directory.
  process.chdir(path.dirname(path.resolve(manifestPath)));
  const file = path.basename(manifestPath);
  const problems = await validateManifest(file);
  const errors = problems.filter(isError);
  for (const e of problems) console[isError(e) ? 'error' : 'warn'](format(manifestPath, e));
  if (errors.length) {
    console.error(`manifest: ${errors.length} error(s)`);
    process.exit(1);
  }
  console.log(`manifest: ${manifestPath} is valid${problems.length ? ` (${problems.length} warning(s))` : ''}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`manifest: validation crashed: ${err && err.message ? err.message : err}`);
    process.exit(1);
  });
}

module.exports = { validateManifest };

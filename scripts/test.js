#!/usr/bin/env node
// The README's test command runs this (`npm install && npm test`): every check CI needs, in order,
// failing fast with the step's name.
const { execSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const steps = [];
const step = (name, cmd, opts = {}) => steps.push({ name, cmd, ...opts });

step('settings page: install and build', 'node scripts/setup-ui.js');
step('typecheck', 'npx tsc --noEmit -p tsconfig.json');
step('forge: bundle with @forge/bundler (deploy and tunnel)', 'node scripts/forge-bundle.js');
step('unit, contract and integration tests', 'npx jest --ci');
step('settings page: component tests', 'npm --prefix static/settings test --silent', { when: () => existsSync(join(root, 'static/settings/package.json')) });
step('manifest: offline validation', 'node scripts/validate-manifest.js', { when: () => existsSync(join(root, 'scripts/validate-manifest.js')) });
step('manifest: @forge/lint (client-side rules)', 'node scripts/forge-lint.js', { when: () => existsSync(join(root, 'scripts/forge-lint.js')) });
step('browser: install Debian chromium if missing', 'node scripts/ensure-chromium.js');
step('browser: settings page end to end (Playwright + Chromium)', 'npx playwright test', { when: () => existsSync(join(root, 'playwright.config.ts')) });

const only = process.argv.slice(2);
for (const s of steps) {
  if (only.length && !only.some((o) => s.name.includes(o))) continue;
  if (s.when && !s.when()) continue;
  const started = Date.now();
  process.stdout.write(`\n▶ ${s.name}\n`);
  try {
    execSync(s.cmd, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } });
  } catch {
    process.stderr.write(`\n✖ ${s.name} failed\n`);
    process.exit(1);
  }
  process.stdout.write(`✔ ${s.name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

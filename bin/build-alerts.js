#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx build-alerts` needs no build step.
require('tsx/cjs');
require('../src/cli/main.ts');

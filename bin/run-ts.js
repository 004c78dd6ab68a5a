#!/usr/bin/env node
// Runs a TypeScript file with tsx: `node bin/run-ts.js path/to/file.ts [args...]`.
require('tsx/cjs');
const path = require('node:path');
const file = path.resolve(process.argv[2]);
process.argv.splice(1, 1);
require(file);

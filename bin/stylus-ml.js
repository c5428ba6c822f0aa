#!/usr/bin/env node
// Thin launcher: the CLI is bundled by esbuild into dist/cli.js (built by `npm ci` through `prepare`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('stylus-ml: dist/cli.js is missing; run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
require(bundle);

// The version of stylus-ml: package.json's, inlined by esbuild into every bundle (scripts/build.mjs
// defines __STYLUS_ML_VERSION__) and read from package.json when the sources run unbundled (tsx, tests).
import fs from 'node:fs';
import path from 'node:path';

declare const __STYLUS_ML_VERSION__: string | undefined;

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export const TOOL_VERSION: string = typeof __STYLUS_ML_VERSION__ === 'string' ? __STYLUS_ML_VERSION__ : packageVersion();

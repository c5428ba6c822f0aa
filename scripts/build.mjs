// Bundles every entry point with esbuild. Entry points are listed here and nowhere else.
import { build } from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const production = process.argv.includes('--production');
const dist = path.join(root, 'dist');
mkdirSync(dist, { recursive: true });

/** @type {{entry: string, out: string, platform: 'node'|'browser', format?: 'cjs'|'iife'|'esm', external?: string[], loadClock?: boolean}[]} */
const entries = [
  // solc (8 MB) stays a runtime require: only the EVM baseline (stylus-ml bench) loads it
  { entry: 'core/cli/bin.ts', out: 'cli.js', platform: 'node', external: ['solc'] },
  // loadClock: the first statement of the bundle reads the clock, so activation can report code loading too
  { entry: 'extension/main.ts', out: 'extension.js', platform: 'node', external: ['vscode'], loadClock: true },
  { entry: 'language-server/server.ts', out: 'server.js', platform: 'node' },
  { entry: 'devnode/process.ts', out: 'devnode.js', platform: 'node' },
  // Stylus runtime worker thread: devnode/stylus/runtime.ts loads it from next to the bundle
  { entry: 'devnode/stylus/worker.ts', out: 'stylus-worker.js', platform: 'node' },
  { entry: 'webview/main.ts', out: 'webview.js', platform: 'browser', format: 'iife' },
];

const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'node20' };
await Promise.all(
  entries
    .filter((e) => existsSync(path.join(root, e.entry)))
    .map((e) =>
      build({
        ...common,
        entryPoints: [path.join(root, e.entry)],
        outfile: path.join(dist, e.out),
        platform: e.platform,
        format: e.format ?? 'cjs',
        target: e.platform === 'browser' ? 'es2022' : 'node20',
        external: e.external ?? [],
        // onnxruntime-web locates its wasm next to the bundle; see copyAssets below.
        define: { __STYLUS_ML_VERSION__: JSON.stringify(version), ...(e.platform === 'node' ? { 'import.meta.url': '__importMetaUrl' } : {}) },
        banner:
          e.platform === 'node'
            ? { js: `${e.loadClock ? 'var __stylusMlLoadStart = performance.now();\n' : ''}const __importMetaUrl = require("url").pathToFileURL(__filename).href;` }
            : {},
      }),
    ),
);

// Runtime assets that bundles load from disk next to themselves.
const assets = [
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.wasm'],
  ['node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.mjs'],
  ['node_modules/web-tree-sitter/web-tree-sitter.wasm', 'web-tree-sitter.wasm'],
  ['node_modules/tree-sitter-rust/tree-sitter-rust.wasm', 'tree-sitter-rust.wasm'],
  // the codicon font for the preview (loaded under the webview's CSP: style-src/font-src cspSource)
  ['node_modules/@vscode/codicons/dist/codicon.css', 'codicon.css'],
  ['node_modules/@vscode/codicons/dist/codicon.ttf', 'codicon.ttf'],
];
for (const [from, to] of assets) {
  const src = path.join(root, from);
  if (existsSync(src)) copyFileSync(src, path.join(dist, to));
}

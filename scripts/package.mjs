// `npm run package`: production bundles, then `vsce package --no-dependencies` into stylus-ml-<version>.vsix.
// The .vscodeignore allowlist decides what ships; this script then lists the archive and fails if anything
// outside the allowlist got in, and prints the size (target < 20 MB).
//
//   node scripts/package.mjs [--out FILE] [--no-build]
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Paths (inside the archive's `extension/` folder) that may ship. */
const ALLOWED = [/^package\.json$/, /^readme\.md$/i, /^license(\.txt)?$/i, /^changelog\.md$/i, /^dist\/[^/]+\.(js|wasm|mjs)$/, /^dist\/codicon\.(css|ttf)$/, /^media\//, /^schemas\/[^/]+\.json$/, /^samples\/([^/]+\.(onnx|json)|README\.md)$/, /^stylus-templates\//];

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`failed (exit ${r.status ?? r.signal}): ${cmd} ${args.join(' ')}`);
}

/** Names of the entries of a zip file, from its central directory. */
export function zipEntries(file) {
  const buf = readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    out.push({ name: buf.toString('utf8', p + 46, p + 46 + nameLen), size });
    p += 46 + nameLen + extra + comment;
  }
  return out;
}

/** Runs vsce in `dir` (an extension folder with its own package.json). */
export function vscePackage(dir, outFile) {
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  // --allow-missing-repository / --skip-license keep vsce from prompting; LICENSE ships when present.
  // --no-rewrite-relative-links: with no repository URL in package.json, vsce would refuse README's
  // relative links (docs/…); they stay relative until a repository field exists.
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', outFile], dir);
  return outFile;
}

export function packageExtension({ out, build = true } = {}) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const file = path.resolve(root, out ?? `${pkg.name}-${pkg.version}.vsix`);
  if (build) run(process.execPath, ['scripts/build.mjs', '--production'], root);
  vscePackage(root, file);
  const entries = zipEntries(file);
  const shipped = entries.filter((e) => e.name.startsWith('extension/')).map((e) => ({ ...e, name: e.name.slice('extension/'.length) }));
  const stray = shipped.filter((e) => !ALLOWED.some((re) => re.test(e.name)));
  if (stray.length > 0) throw new Error(`${path.basename(file)} contains files outside the allowlist: ${stray.map((e) => e.name).join(', ')}`);
  for (const required of ['package.json', 'dist/extension.js', 'dist/webview.js', 'dist/codicon.css', 'dist/codicon.ttf', 'media/preview.css']) {
    if (!shipped.some((e) => e.name === required)) throw new Error(`${path.basename(file)} is missing ${required}`);
  }
  return { file, bytes: statSync(file).size, entries: shipped };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const outIdx = process.argv.indexOf('--out');
    const r = packageExtension({ out: outIdx > 0 ? process.argv[outIdx + 1] : undefined, build: !process.argv.includes('--no-build') });
    for (const e of r.entries.sort((a, b) => b.size - a.size)) console.log(`${String(e.size).padStart(10)}  ${e.name}`);
    console.log(`${path.relative(root, r.file)}: ${(r.bytes / 1024 / 1024).toFixed(2)} MB, ${r.entries.length} files`);
  } catch (e) {
    console.error(`package: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

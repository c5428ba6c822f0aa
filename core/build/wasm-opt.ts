// Optional Binaryen pass (cargo-stylus runs a pinned wasm-opt when Stylus.toml asks for it). Features
// are limited to what nitro validates, so the optimiser cannot introduce anything activation rejects;
// the result is validated again by the caller.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';

export const WASM_OPT_FEATURES = ['--mvp-features', '--enable-bulk-memory', '--enable-sign-ext', '--enable-mutable-globals', '--enable-nontrapping-float-to-int'];

export function findWasmOpt(): { path: string; version: string } | null {
  const local = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'wasm-opt');
  for (const cand of [process.env.STYLUS_ML_WASM_OPT, 'wasm-opt', local].filter((c): c is string => !!c)) {
    const r = spawnSync(cand, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { path: cand, version: (r.stdout || '').trim() };
  }
  return null;
}

export function runWasmOpt(wasm: Uint8Array, level: 'Oz' | 'Os' | 'O3' = 'Oz'): { wasm: Uint8Array; tool: string } {
  const tool = findWasmOpt();
  if (!tool) throw new UserError('--wasm-opt: wasm-opt (Binaryen) is not installed (apt-get install binaryen, or npm install binaryen)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-opt-'));
  try {
    const input = path.join(dir, 'in.wasm');
    const output = path.join(dir, 'out.wasm');
    fs.writeFileSync(input, wasm);
    const r = spawnSync(tool.path, [input, `-${level}`, ...WASM_OPT_FEATURES, '-o', output], { encoding: 'utf8', timeout: 10 * 60_000 });
    if (r.status !== 0) throw new UserError(`wasm-opt failed: ${(r.stderr || r.error?.message || '').split('\n')[0]}`);
    return { wasm: new Uint8Array(fs.readFileSync(output)), tool: tool.version };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

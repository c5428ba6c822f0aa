// Generated model crates for the chain tests and the devnode bench: `stylus-ml new` (minimal template)
// and `stylus-ml build` (Debian rustc here) run through the CLI on the onnx-builder's forest, MLP and CNN.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Hex } from 'viem';
import { ROOT, runCli } from '../fixtures/cli';
import { cnn, forest, mlp } from '../fixtures/onnx-builder';
import { wasmCandidates } from '../../core/cli/crate-program';

export type ModelKind = 'forest' | 'mlp' | 'cnn';

export interface ModelCrate {
  kind: ModelKind;
  dir: string;
  model: string;
  inputRange: string;
  wasm: Uint8Array;
  compressedBytes: number;
  /** what `stylus-ml build` compiled with (Debian rustc here) */
  toolchain: string;
}

export const MODELS: Record<ModelKind, { bytes: () => Uint8Array; inputRange: string; features: number }> = {
  forest: { bytes: () => forest({ trees: 10, depth: 4, features: 4, classes: 3 }), inputRange: '-6:6', features: 4 },
  mlp: { bytes: () => mlp([8, 16, 4], { batch: 1, seed: 7 }), inputRange: '-1:1', features: 8 },
  cnn: { bytes: () => cnn({ size: 6, filters: 2, classes: 4 }), inputRange: '0:1', features: 36 },
};

/** The reason the crate tests cannot run yet (the code generator has not landed), or false. */
export function codegenMissing(): string | false {
  const need = ['core/cli/new.ts', 'core/cli/build.ts'];
  const missing = need.filter((f) => !fs.existsSync(path.join(ROOT, f)));
  return missing.length ? `the code generator is absent (${missing.join(', ')} not found): stylus-ml new / build are issue 3` : false;
}

export async function makeCrate(kind: ModelKind, tmp: string): Promise<ModelCrate> {
  const spec = MODELS[kind];
  const model = path.join(tmp, `${kind}.onnx`);
  fs.writeFileSync(model, spec.bytes());
  const dir = path.join(tmp, `${kind}-crate`);
  const n = await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', spec.inputRange, '--force']);
  if (n.code !== 0) throw new Error(`stylus-ml new ${kind} failed: ${n.stderr.trim()}`);
  const b = await runCli(['build', dir, '--json'], { timeoutMs: 300_000 });
  if (b.code !== 0) throw new Error(`stylus-ml build ${kind} failed: ${b.stderr.trim()}`);
  const built = JSON.parse(b.stdout) as { wasm: string; compressedBytes: number; valid: boolean; toolchain: string };
  if (!built.valid) throw new Error(`stylus-ml build ${kind}: the wasm fails validation: ${b.stdout}`);
  const wasmPath = path.isAbsolute(built.wasm) ? built.wasm : fs.existsSync(path.resolve(dir, built.wasm)) ? path.resolve(dir, built.wasm) : path.resolve(ROOT, built.wasm);
  if (!wasmCandidates(dir).includes(wasmPath)) throw new Error(`stylus-ml build put the wasm at ${wasmPath}, where deploy does not look`);
  return { kind, dir, model, inputRange: spec.inputRange, wasm: fs.readFileSync(wasmPath), compressedBytes: built.compressedBytes, toolchain: built.toolchain };
}

/** The 64→32→10 digits MLP (test/fixtures/calibration: trained on 8×8 digits, raw pixels 0..16) as a built minimal crate. */
export const DIGITS_MLP = path.join(ROOT, 'test/fixtures/calibration/digits-mlp.onnx');
export const DIGITS_TEST = path.join(ROOT, 'test/fixtures/calibration/digits-test.json');

export async function makeDigitsCrate(tmp: string): Promise<{ dir: string; model: string }> {
  const dir = path.join(tmp, 'digits-crate');
  const n = await runCli(['new', DIGITS_MLP, '--out', dir, '--template', 'minimal', '--input-range', '0:16', '--force']);
  if (n.code !== 0) throw new Error(`stylus-ml new digits failed: ${n.stderr.trim()}`);
  const b = await runCli(['build', dir, '--json'], { timeoutMs: 300_000 });
  if (b.code !== 0) throw new Error(`stylus-ml build digits failed: ${b.stderr.trim()}`);
  return { dir, model: DIGITS_MLP };
}

/**
 * An MLP over inputs in [0, 1] as a built minimal crate with the given layout: `data` (64→32→10, its dense
 * weights in one data contract) or `fragments` (784→32→10, ~54 KB compressed: a root and three fragments).
 */
export async function makeLayoutCrate(tmp: string, layout: 'data' | 'fragments'): Promise<{ dir: string; model: string }> {
  const model = path.join(tmp, `mlp-${layout}.onnx`);
  const dir = path.join(tmp, `mlp-${layout}`);
  fs.writeFileSync(model, layout === 'data' ? mlp([64, 32, 10], { batch: 1, seed: 9 }) : mlp([784, 32, 10], { batch: 1, seed: 5 }));
  const n = await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '0:1', '--layout', layout, '--force']);
  if (n.code !== 0) throw new Error(`stylus-ml new --layout ${layout} failed: ${n.stderr.trim()}`);
  const b = await runCli(['build', dir], { timeoutMs: 300_000 });
  if (b.code !== 0) throw new Error(`stylus-ml build (--layout ${layout}) failed: ${b.stderr.trim()}`);
  return { dir, model };
}

/** A generated, built forest and `predict` calldata for one in-box case (the bench's tree model). */
export async function generatedTreeProgram(): Promise<{ wasm: Uint8Array; calldata: Hex; what: string }> {
  const why = codegenMissing();
  if (why) throw new Error(why);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-bench-crate-'));
  try {
    const crate = await makeCrate('forest', tmp);
    const { readManifest } = await import('../../core/manifest/file');
    const { encodeModelCall } = await import('../../core/chain/predict');
    const m = readManifest(crate.dir);
    const q = m.inputs.map((io) => Array.from({ length: io.shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.round(((i % 3) - 1) * 2 ** io.fracBits)));
    return { wasm: crate.wasm, calldata: encodeModelCall(m, 'predict', q), what: 'generated forest crate, 10 trees depth 4, minimal template' };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

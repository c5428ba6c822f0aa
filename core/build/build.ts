// buildCrate: a generated crate folder in, the deployable program out. Compile for wasm32 (rustup or
// Debian's rustc), strip custom sections, optionally run wasm-opt, validate against nitro's activation
// rules (nitro/validate.ts; reachable float/SIMD/reference-type/multi-value operators count as
// violations too), compress (brotli 11), prefix EF F0 00 00, prepend the 43-byte prelude, and measure
// everything against the limits. The figures are recorded in stylus-ml.json.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { type Manifest, type ManifestPart } from '../manifest/schema';
import { keccak256 } from 'viem';
import { create2Address } from '../layout/create2';
import { stylusInitCode } from './deploy-bytes';
import type { LayoutKind } from '../layout/layout';
import { readManifest, writeManifest } from '../manifest/file';
import { decodeModule } from '../wasm/decode';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { MAX_FRAGMENT_PAYLOAD } from '../../nitro/program-code';
import { stylusParamsFor } from '../../nitro/params';
import { memoryGasCost } from '../../nitro/memory';
import { demangleRust } from '../../nitro/profile';
import { validateStylusWasm } from '../../nitro/validate';
import { readCargoPackage } from './cargo-toml';
import { compileCrate } from './compile';
import { programCode, type ProgramCode } from './fragmented';
import { sizeAdvice, sizeContributors, type SizeContributor } from './size';
import { findToolchain, type ToolchainKind } from './toolchain';
import { toolchainPin } from './pin';
import { stripCustomSections } from './wasm-sections';
import { runWasmOpt } from './wasm-opt';

export interface BuildOptions {
  toolchain?: 'auto' | ToolchainKind;
  /** run Binaryen's wasm-opt -Oz after compiling */
  wasmOpt?: boolean;
  /** ArbOS version the rules are checked for (default DEFAULT_ARBOS_VERSION, nitro-devnode's default image) */
  arbosVersion?: number;
  /** validate as a debug chain (start functions and console imports allowed) */
  debug?: boolean;
  /** record the sizes in stylus-ml.json (default true) */
  updateManifest?: boolean;
}

export interface BuildViolation {
  rule: string;
  detail: string;
  func?: number;
}

export interface BuildResult {
  dir: string;
  /** the processed module (stripped, optimised): what is compressed and deployed */
  wasm: string;
  wasmBytes: number;
  /** the compiler's output, before stripping */
  rawWasmBytes: number;
  /** on-chain runtime code: EF F0 00 00 + brotli stream (what MaxCodeSize limits) */
  compressedBytes: number;
  brotliBytes: number;
  limitBytes: number;
  decompressedLimitBytes: number;
  fits: boolean;
  toolchain: string;
  toolchainKind: ToolchainKind;
  valid: boolean;
  violations: BuildViolation[];
  contributors: SizeContributor[];
  advice: string[];
  /** the init code (prelude + runtime code) for a CREATE transaction */
  initCode: string;
  /** layout `fragments` past one contract: the fragments (the runtime code is then the root's) */
  fragments: ProgramCode['fragments'];
  runtimeCode: Uint8Array;
  initCodeBytes: Uint8Array;
  wasmOpt: { before: number; after: number; tool: string } | null;
  compileSeconds: number;
  /** the model's layout and its parts, the program's code hash and (multi-part) CREATE2 address filled in */
  layout: LayoutKind;
  parts: ManifestPart[];
  /**
   * `<lib>.names.json` beside the wasm: function index → name from the compiler's name section, valid for
   * the stripped module (stripping keeps indices). Absent when wasm-opt ran (it renumbers functions) or
   * the compiler wrote no names.
   */
  names?: string;
}

export interface ProcessedProgram {
  /** stripped (and optimised) module */
  wasm: Uint8Array;
  violations: BuildViolation[];
  deploy: ProgramCode;
  /** runtime code bytes (prefix + brotli); a fragmented program's brotli stream */
  compressedBytes: number;
  /** what `compressedBytes` is held to: MaxCodeSize, or MaxFragmentCount fragments' payloads */
  limitBytes: number;
  /** MaxWasmSize at the ArbOS version checked for */
  maxWasmSize: number;
  fits: boolean;
  contributors: SizeContributor[];
  advice: string[];
  wasmOpt: BuildResult['wasmOpt'];
}

/**
 * The steps after the compiler, as cargo-stylus takes them: strip custom sections, optional wasm-opt,
 * nitro's activation rules (float operators anywhere fail activation, named by function here; reachable
 * SIMD/reference-type/multi-value operators count as violations too), brotli 11 with the EF F0 00 00
 * prefix and the 43-byte prelude, and the size limits.
 */
export function processProgram(raw: Uint8Array, opts: BuildOptions & { manifest?: Manifest | null; layout?: LayoutKind } = {}): ProcessedProgram {
  let wasm = stripCustomSections(raw);
  let wasmOpt: BuildResult['wasmOpt'] = null;
  if (opts.wasmOpt) {
    const before = wasm.length;
    const r = runWasmOpt(wasm);
    wasm = stripCustomSections(r.wasm);
    wasmOpt = { before, after: wasm.length, tool: r.tool };
  }
  const arbosVersion = opts.arbosVersion ?? DEFAULT_ARBOS_VERSION;
  const { maxWasmSize, maxFragmentCount } = stylusParamsFor(arbosVersion, opts.debug ?? false);
  const check = validateStylusWasm(wasm, { arbosVersion, debug: opts.debug ?? false });
  // nitro's float error names the module; the build names the function, from the compiler's name section
  const names = rawFunctionNames(raw);
  const where = (f: number) => (names.has(f) ? `function ${f} ${demangleRust(names.get(f)!)}` : `function ${f}`);
  const violations: BuildViolation[] = [...check.violations, ...check.lint].map((v) => ({
    rule: v.rule,
    detail: v.rule === 'float-op' && v.func !== undefined ? `${where(v.func)}: ${v.detail}` : v.detail,
    ...(v.func !== undefined ? { func: v.func } : {}),
  }));
  const deploy = programCode(wasm, opts.layout ?? 'single');
  // a fragmented program's limit is the fragment count; its compressed size is the brotli stream's
  const fragmented = deploy.fragments.length > 0;
  const compressedBytes = fragmented ? deploy.compressedBytes : deploy.runtimeCode.length;
  const fitsCode = fragmented ? deploy.fragments.length <= maxFragmentCount : compressedBytes <= MAX_CODE_SIZE;
  const fits = fitsCode && wasm.length <= maxWasmSize;
  const limitBytes = fragmented ? maxFragmentCount * MAX_FRAGMENT_PAYLOAD : MAX_CODE_SIZE;
  const manifest = opts.manifest ?? null;
  const contributors = sizeContributors(wasm, manifest);
  const advice = fits ? [] : sizeAdvice({ compressedBytes, wasmBytes: wasm.length, maxWasmSize, contributors, manifest });
  if (fragmented && !fitsCode) violations.push({ rule: 'code-size', detail: `${compressedBytes} bytes compressed need ${deploy.fragments.length} fragments, over MaxFragmentCount ${maxFragmentCount} at ArbOS ${arbosVersion}` });
  else if (!fragmented && compressedBytes > MAX_CODE_SIZE) violations.push({ rule: 'code-size', detail: `runtime code is ${compressedBytes} bytes compressed, over MaxCodeSize ${MAX_CODE_SIZE}` });
  if (wasm.length > maxWasmSize) violations.push({ rule: 'wasm-size', detail: `module is ${wasm.length} bytes, over MaxWasmSize ${maxWasmSize}` });
  return { wasm, violations, deploy, compressedBytes, limitBytes, maxWasmSize, fits, contributors, advice, wasmOpt };
}

export function buildCrate(dir: string, opts: BuildOptions = {}): BuildResult {
  const root = path.resolve(dir);
  const manifest = readManifest(root);
  for (const f of ['Cargo.toml', 'core/Cargo.toml', 'src/lib.rs', 'core/src/lib.rs']) {
    if (!fs.existsSync(path.join(root, f))) throw new UserError(`${dir}: ${f} is missing; regenerate the crate with \`stylus-ml new\``);
  }
  const lib = readCargoPackage(root).crate;
  const coreLib = readCargoPackage(path.join(root, 'core')).crate;
  const optLevel = ((manifest as Manifest & { lowering?: { optLevel?: string } }).lowering?.optLevel ?? 's') as 's' | 'z' | '3';
  const tc = findToolchain({ dir: root, template: manifest.template, prefer: opts.toolchain });
  const compiled = compileCrate({ dir: root, template: manifest.template, lib, coreLib, optLevel }, tc);
  const layout = manifest.layout?.kind ?? 'single';
  const program = processProgram(compiled.wasm, { ...opts, manifest, layout });
  const { wasm, violations, deploy, compressedBytes, limitBytes, maxWasmSize, fits, contributors, advice, wasmOpt } = program;

  const outDir = path.join(root, 'target', 'stylus-ml');
  fs.mkdirSync(outDir, { recursive: true });
  const wasmPath = path.join(outDir, `${lib}.wasm`);
  fs.writeFileSync(wasmPath, wasm);
  const initPath = path.join(outDir, `${lib}.initcode.bin`);
  fs.writeFileSync(initPath, deploy.initCode);
  const namesPath = path.join(outDir, `${lib}.names.json`);
  const names = wasmOpt ? null : functionNames(compiled.wasm);
  if (names) fs.writeFileSync(namesPath, JSON.stringify(names, null, 1) + '\n');
  else fs.rmSync(namesPath, { force: true });

  // the program as a part: its code's hash, and its address when it goes through the CREATE2 proxy
  const programPart: ManifestPart = {
    kind: 'program',
    name: 'program',
    bytes: deploy.runtimeCode.length,
    codeHash: keccak256(deploy.runtimeCode),
    ...(layout !== 'single' ? { address: create2Address(stylusInitCode(deploy.runtimeCode)) } : {}),
  };
  // fragments are written beside the wasm (deploy re-derives and checks them), deployed before the root
  for (const f of fs.readdirSync(outDir).filter((f) => /^fragment-\d+\.bin$/.test(f))) fs.rmSync(path.join(outDir, f));
  const fragmentParts: ManifestPart[] = deploy.fragments.map((f) => {
    const file = path.join(outDir, `${f.name}.bin`);
    fs.writeFileSync(file, f.code);
    return { kind: 'fragment', name: f.name, file: path.relative(root, file), bytes: f.code.length, codeHash: f.codeHash, address: f.address };
  });
  const parts = [...fragmentParts, programPart, ...(manifest.layout?.parts ?? []).filter((p) => p.kind === 'data')];
  if (opts.updateManifest !== false) {
    manifest.totals.codeSize = { wasmBytes: wasm.length, compressedBytes, limitBytes };
    if (manifest.layout) manifest.layout = { ...manifest.layout, parts };
    const pages = initialPages(wasm);
    if (manifest.memory && pages !== null) {
      const p = stylusParamsFor(opts.arbosVersion ?? DEFAULT_ARBOS_VERSION, false);
      manifest.memory = { ...manifest.memory, pages, gas: Number(memoryGasCost(pages, 0, 0, p.freePages, p.pageGas)) };
    }
    const pin = toolchainPin(tc, root, wasmOpt?.tool ?? null);
    manifest.measured = { ...(manifest.measured ?? {}), build: { wasmBytes: wasm.length, compressedBytes, toolchain: tc.description, at: new Date().toISOString(), pin } };
    writeManifest(root, manifest);
  }
  return {
    dir: root,
    wasm: wasmPath,
    wasmBytes: wasm.length,
    rawWasmBytes: compiled.wasm.length,
    compressedBytes,
    brotliBytes: deploy.compressedBytes,
    limitBytes,
    decompressedLimitBytes: maxWasmSize,
    fits,
    toolchain: tc.description,
    toolchainKind: tc.kind,
    valid: violations.length === 0,
    violations,
    contributors,
    advice,
    initCode: initPath,
    runtimeCode: deploy.runtimeCode,
    initCodeBytes: deploy.initCode,
    fragments: deploy.fragments,
    wasmOpt,
    layout,
    parts,
    compileSeconds: compiled.seconds,
    ...(names ? { names: namesPath } : {}),
  };
}

/** The module's initial memory pages (its footprint), or null when it declares no memory. */
function initialPages(wasm: Uint8Array): number | null {
  try {
    return decodeModule(wasm).memories[0]?.min ?? null;
  } catch {
    return null;
  }
}

/** The name section's function names as `{ "index": "name" }`, or null when there are none. */
function rawFunctionNames(raw: Uint8Array): Map<number, string> {
  try {
    return decodeModule(raw).names.functions;
  } catch {
    return new Map();
  }
}

function functionNames(raw: Uint8Array): Record<string, string> | null {
  let names: Map<number, string>;
  try {
    names = decodeModule(raw).names.functions;
  } catch {
    return null;
  }
  if (names.size === 0) return null;
  return Object.fromEntries([...names].sort((a, b) => a[0] - b[0]).map(([i, n]) => [String(i), n]));
}

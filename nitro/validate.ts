// Nitro's activation rules for user wasm (reference/stylus-platform.md §2), checked in the order nitro
// meets them so that the first violation is the reason activation would fail with:
//   1. wasmparser validation with nitro's feature set (crates/prover/src/binary.rs `parse_with_version`)
//   2. parse checks: global initialisers, import kinds, duplicate imports, re-exported imports, `stylus*`
//   3. instrumentation (start mover, meter, dynamic meter, depth checker, heap bound) and the entrypoint
//   4. limits on the instrumented module (`parse_user`)
//   5. linking (crates/prover/src/machine.rs `from_binary`): imports, float operators (floats.ts: any one,
//      reachable or not, fails activation), memory, data/element segments, tables
// `lint` lists the SIMD, reference-type and multi-value operators reachable from the entrypoint, which a
// Stylus build should not contain.

import { WasmDecodeError } from '../core/wasm/bytes';
import { decodeModule } from '../core/wasm/decode';
import { OPS, opName } from '../core/wasm/opcodes';
import type { Instr, ValType, WasmModule } from '../core/wasm/types';
import { funcName, funcTypeText, importedFuncCount, sameFuncType, valTypeName } from '../core/wasm/types';
import { GETH_ARBOS, stylusVersionFor } from './arbos';
import { FLOAT_INSTRUCTIONS, floatError } from './floats';
import { CONSOLE_HOOKS, VM_HOOKS } from './hostios';
import { compileConfig } from './programs/config';
import { instrumentModule, type InstrumentResult } from './programs/instrument';

export interface Violation {
  /** short rule id, e.g. "start-function", "import-signature", "feature-simd" */
  rule: string;
  /** what is wrong, in nitro's words where nitro has words for it; names the function index if any */
  detail: string;
  /** function index (imports counted first), when the violation is inside or about one function */
  func?: number;
}

export interface ValidateOptions {
  /** emulated ArbOS version (gates multi-value, the import limit, the page-limit rules) */
  arbosVersion: number;
  /** chain debug mode: allows a start function (moved to `stylus_start`) and `console` imports */
  debug: boolean;
  /** Stylus version the program is activated at; default from the ArbOS version */
  stylusVersion?: number;
  /** pages still available in the transaction (nitro PageLimit − open pages); default 128 */
  pageLimit?: number;
}

export interface ValidationResult {
  valid: boolean;
  violations: Violation[];
  /** reachable operators a Stylus build should not contain (not activation failures) */
  lint: Violation[];
}

export interface StylusCheck extends ValidationResult {
  module?: WasmModule;
  /** the instrumented module when instrumentation succeeded */
  instrumented?: InstrumentResult;
}

/** Validates a wasm binary against nitro's activation rules. */
export function validateStylusWasm(bytes: Uint8Array, opts: ValidateOptions): ValidationResult {
  const { valid, violations, lint } = checkStylusWasm(bytes, opts);
  return { valid, violations, lint };
}

const LIMITS = { datas: 128, elements: 128, exports: 1024, functions: 4096, globals: 32768, locals: 348, ops: 65536 };

/** Like validateStylusWasm, also returning the decoded and instrumented modules (used by activation). */
export function checkStylusWasm(bytes: Uint8Array, opts: ValidateOptions): StylusCheck {
  const violations: Violation[] = [];
  const stylusVersion = opts.stylusVersion ?? stylusVersionFor(opts.arbosVersion);
  let m: WasmModule;
  try {
    m = decodeModule(bytes);
  } catch (e) {
    const rule = e instanceof WasmDecodeError ? decodeRule(e.rule) : 'malformed';
    violations.push({ rule, detail: `failed to validate user: ${e instanceof Error ? e.message : String(e)}` });
    return { valid: false, violations, lint: [] };
  }
  const label = (f: number) => funcLabel(m, f);

  // 1. validation with nitro's wasmparser features
  // Multi-value: master rejects it from ArbOS 60, v3.10 from Stylus version 3 (ArbOS 59).
  const noMultiValue = stylusVersion >= 3 || opts.arbosVersion >= GETH_ARBOS.stylusContractLimit;
  const features = featureViolations(m, noMultiValue, label);
  violations.push(...features);
  if (features.length === 0) {
    const engine = engineValidation(bytes);
    if (engine) violations.push({ rule: 'wasm-validation', detail: `failed to validate user: ${engine}` });
  }
  const codeIsValid = violations.length === 0;

  // 2. parse checks
  violations.push(...parseViolations(m));

  // 3. instrumentation and entrypoint (skipped when the code itself is invalid)
  let instrumented: InstrumentResult | undefined;
  if (codeIsValid) {
    instrumented = instrumentModule(m, compileConfig(stylusVersion, opts.debug), true);
    for (const e of instrumented.errors) {
      const where = e.inBody && e.func !== undefined ? `${label(e.func)}: ` : '';
      violations.push({ rule: e.rule, detail: `${where}${e.message}`, ...(e.func !== undefined ? { func: e.func } : {}) });
    }
    // 4. limits, counted on the instrumented module as nitro does
    if (instrumented.data) violations.push(...limitViolations(instrumented.module, opts, label));
  } else if (m.start !== null && !opts.debug) {
    violations.push({ rule: 'start-function', detail: 'start functions not allowed' });
  }

  // 5. linking
  violations.push(...linkViolations(m, opts.debug));

  const lint = lintReachable(m, noMultiValue, label);
  const ok = violations.length === 0;
  return { valid: ok, violations, lint, module: m, ...(instrumented?.data ? { instrumented } : {}) };
}

function decodeRule(rule: string): string {
  return rule === 'malformed' || rule === 'wasm-version' || rule === 'unknown-section' ? rule : `feature-${rule}`;
}

function funcLabel(m: WasmModule, f: number): string {
  const name = funcName(m, f) ?? m.exports.find((e) => e.kind === 'func' && e.index === f)?.name;
  return name ? `func ${f} (${name})` : `func ${f}`;
}

/** Runs the JS engine's validator (type checking); returns its message when the module is invalid. */
function engineValidation(bytes: Uint8Array): string | null {
  if (typeof WebAssembly === 'undefined') return null;
  const source = bytes as Uint8Array<ArrayBuffer>;
  if (WebAssembly.validate(source)) return null;
  try {
    new WebAssembly.Module(source);
    return 'invalid module';
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^WebAssembly\.Module\(\): /, '') : String(e);
  }
}

const isRef = (t: ValType) => t === 0x70 || t === 0x6f || t === 0x69;

function valTypeFeature(t: ValType): string | null {
  if (t === 0x7b) return 'simd';
  if (isRef(t)) return 'reference-types';
  return null;
}

const ALLOWED_FEATURES = new Set(['core', 'sign-extension', 'saturating-float-to-int', 'bulk-memory']);
const CONST_OPS = new Set([0x41, 0x42, 0x43, 0x44, 0x23, 0x0b]);

/** What wasmparser rejects with nitro's feature set (reference types, SIMD, threads, ... off). */
function featureViolations(m: WasmModule, noMultiValue: boolean, label: (f: number) => string): Violation[] {
  const out: Violation[] = [];
  const add = (feature: string, detail: string, func?: number) =>
    out.push({ rule: `feature-${feature}`, detail, ...(func !== undefined ? { func } : {}) });

  m.types.forEach((t, i) => {
    for (const v of [...t.params, ...t.results]) {
      const f = valTypeFeature(v);
      if (f) add(f, `type ${i} uses ${valTypeName(v)}, but the ${f} feature is not enabled`);
    }
    if (noMultiValue && t.results.length > 1) {
      add('multi-value', `type ${i} ${funcTypeText(t)} returns multiple values but the multi-value feature is not enabled`);
    }
  });
  if (m.tables.length + m.imports.filter((i) => i.desc.kind === 'table').length > 1) {
    add('reference-types', 'multiple tables, but the reference-types feature is not enabled');
  }
  m.tables.forEach((t, i) => {
    if (t.elemType !== 0x70) add('reference-types', `table ${i} has element type ${valTypeName(t.elemType)}`);
    if (t.limits.memory64) add('memory64', `table ${i} is 64-bit`);
  });
  const mems = [...m.memories, ...m.imports.flatMap((i) => (i.desc.kind === 'memory' ? [i.desc.limits] : []))];
  if (mems.length > 1) add('multi-memory', 'multiple memories, but the multi-memory feature is not enabled');
  for (const l of mems) {
    if (l.shared) add('threads', 'shared memory requires the threads feature');
    if (l.memory64) add('memory64', '64-bit memory requires the memory64 feature');
  }
  if (m.tags.length > 0 || m.imports.some((i) => i.desc.kind === 'tag')) add('exceptions', 'tags require the exceptions feature');
  const constExpr = (what: string, expr: Instr[]) => {
    for (const ins of expr) {
      if (CONST_OPS.has(ins.op)) continue;
      const info = OPS.get(ins.op);
      const f = info && !ALLOWED_FEATURES.has(info.feature) ? info.feature : 'extended-const';
      add(f, `${what}: constant expression uses ${opName(ins.op)}`);
      return;
    }
  };
  m.globals.forEach((g, i) => {
    const f = valTypeFeature(g.type.type);
    if (f) add(f, `global ${i} has type ${valTypeName(g.type.type)}`);
    constExpr(`global ${i}`, g.init);
  });
  m.elements.forEach((e, i) => {
    if (e.exprs) add('reference-types', `element segment ${i} uses initializer expressions`);
    if (e.elemType !== 0x70) add('reference-types', `element segment ${i} has type ${valTypeName(e.elemType)}`);
    if (e.mode.kind === 'active') {
      if (e.mode.table !== 0) add('reference-types', `element segment ${i} targets table ${e.mode.table}`);
      constExpr(`element segment ${i}`, e.mode.offset);
    }
  });
  m.datas.forEach((d, i) => {
    if (d.mode.kind !== 'active') return;
    if (d.mode.memory !== 0) add('multi-memory', `data segment ${i} targets memory ${d.mode.memory}`);
    constExpr(`data segment ${i}`, d.mode.offset);
  });

  const imported = importedFuncCount(m);
  m.codes.forEach((code, i) => {
    const f = imported + i;
    const found = new Map<string, { first: string; count: number }>();
    const note = (feature: string, what: string) => {
      const e = found.get(feature);
      if (e) e.count++;
      else found.set(feature, { first: what, count: 1 });
    };
    for (const l of code.locals) {
      const vf = valTypeFeature(l.type);
      if (vf) note(vf, `a ${valTypeName(l.type)} local`);
    }
    for (const ins of code.body) {
      const info = OPS.get(ins.op)!;
      if (!ALLOWED_FEATURES.has(info.feature)) note(info.feature, info.name);
      if (ins.op === 0x11 && (ins.idx2 ?? 0) !== 0) note('reference-types', `call_indirect on table ${ins.idx2}`);
      if ((ins.mem ?? 0) !== 0) note('multi-memory', `${info.name} on memory ${ins.mem}`);
      if ((ins.op === 0x3f || ins.op === 0x40 || ins.op === 0xfc000b) && (ins.idx ?? 0) !== 0) {
        note('multi-memory', `${info.name} on memory ${ins.idx}`);
      }
      if (ins.op === 0xfc000a && ((ins.idx ?? 0) !== 0 || (ins.idx2 ?? 0) !== 0)) note('multi-memory', 'memory.copy between memories');
      if (ins.block?.kind === 'value') {
        const vf = valTypeFeature(ins.block.type);
        if (vf) note(vf, `a ${valTypeName(ins.block.type)} block`);
      }
      if (noMultiValue && ins.block?.kind === 'func') note('multi-value', `${info.name} with a type-index block type`);
    }
    for (const [feature, { first, count }] of found) {
      const more = count > 1 ? ` (and ${count - 1} more)` : '';
      add(feature, `${label(f)}: ${first}${more}, but the ${feature} feature is not enabled`, f);
    }
  });
  return out;
}

/** Checks done while parsing, after validation (binary.rs `parse_with_version`). */
function parseViolations(m: WasmModule): Violation[] {
  const out: Violation[] = [];
  m.globals.forEach((g, i) => {
    const ok = g.init.length === 2 && [0x41, 0x42, 0x43, 0x44].includes(g.init[0].op) && g.init[1].op === 0x0b;
    if (!ok) out.push({ rule: 'global-initializer', detail: `Non-constant global initializer (global ${i})` });
  });
  for (const imp of m.imports) {
    if (imp.desc.kind !== 'func') {
      out.push({ rule: 'import-kind', detail: `unsupported import kind: ${imp.desc.kind} ${imp.module}.${imp.name}` });
    }
  }
  if (m.names.error) out.push({ rule: 'name-section', detail: `malformed name section: ${m.names.error}` });
  const seen = new Map<string, number>();
  for (const imp of m.imports) {
    if (imp.desc.kind !== 'func') continue;
    const key = `${imp.module}\u0000${imp.name}`;
    const prior = seen.get(key);
    if (prior !== undefined && prior !== imp.desc.type) {
      out.push({ rule: 'import-inconsistent', detail: `inconsistent imports for ${imp.module} ${imp.name}` });
    }
    seen.set(key, imp.desc.type);
  }
  // nitro compares import names with the last `__`-separated part of each export name
  const exported = new Set(m.exports.map((e) => e.name.split('__').pop()!));
  for (const imp of m.imports) {
    if (imp.desc.kind === 'func' && exported.has(imp.name)) {
      out.push({ rule: 'export-import-clash', detail: `binary exports an import with the same name ${imp.name}` });
    }
  }
  const reservedExport = [...exported].find((n) => n.startsWith('stylus'));
  if (reservedExport !== undefined) out.push({ rule: 'reserved-name', detail: `binary exports reserved symbol ${reservedExport}` });
  const reservedImport = m.imports.find((i) => i.desc.kind === 'func' && i.name.startsWith('stylus'));
  if (reservedImport) out.push({ rule: 'reserved-name', detail: `binary imports reserved symbol ${reservedImport.name}` });
  return out;
}

/** Anti-DoS limits of `parse_user`, on the instrumented module. */
function limitViolations(im: WasmModule, opts: ValidateOptions, label: (f: number) => string): Violation[] {
  const out: Violation[] = [];
  const pageLimit = opts.pageLimit ?? 128;
  const pages = im.memories[0]?.min ?? 0;
  if (pages > pageLimit) out.push({ rule: 'memory-limit', detail: `memory exceeds limit: ${pages} > ${pageLimit}` });
  const limit = (max: number, count: number, name: string, func?: number) => {
    if (count > max) {
      const where = func !== undefined ? `${label(func)}: ` : '';
      out.push({ rule: 'limit', detail: `${where}too many wasm ${name}: ${count} > ${max}`, ...(func !== undefined ? { func } : {}) });
    }
  };
  limit(1, im.memories.length, 'memories');
  limit(LIMITS.datas, im.datas.length, 'datas');
  limit(LIMITS.elements, im.elements.length, 'elements');
  limit(LIMITS.exports, im.exports.length, 'exports');
  limit(LIMITS.functions, im.codes.length, 'functions');
  limit(LIMITS.globals, im.globals.length, 'globals');
  const imported = importedFuncCount(im);
  im.codes.forEach((c, i) => {
    limit(LIMITS.locals, c.locals.reduce((n, l) => n + l.count, 0), 'locals', imported + i);
    limit(LIMITS.ops, c.body.length, 'opcodes in func body', imported + i);
  });
  if (opts.arbosVersion >= GETH_ARBOS.stylusChargingFixes) limit(513, im.imports.length, 'imports');
  limit(4096, im.tables.reduce((n, t) => n + t.limits.min, 0), 'table entries');
  limit(4096, im.elements.reduce((n, e) => n + (e.range ? e.range[1] - e.range[0] : 0), 0), 'element entries');
  const utf8 = (x: string) => new TextEncoder().encode(x).length; // Rust measures names in bytes
  const long = im.exports.find((e) => utf8(e.name) > 512);
  if (long) out.push({ rule: 'limit', detail: `wasm name too long: ${utf8(long.name)} > 512` });
  const moduleName = im.names.module ?? 'user';
  if (utf8(moduleName) > 512) out.push({ rule: 'limit', detail: `wasm module name too long: ${utf8(moduleName)} > 512` });
  return out;
}

/** Linking against the host (machine.rs `from_binary`). */
function linkViolations(m: WasmModule, debug: boolean): Violation[] {
  const out: Violation[] = [];
  const binName = m.names.module ?? 'user';
  for (const imp of m.imports) {
    if (imp.desc.kind !== 'func') continue;
    const have = m.types[imp.desc.type];
    let expected = imp.module === 'vm_hooks' ? VM_HOOKS.get(imp.name) : undefined;
    if (!expected && imp.module === 'console' && CONSOLE_HOOKS.has(imp.name)) {
      if (!debug) {
        out.push({
          rule: 'import-debug-only',
          detail: `Host func ${imp.name} in console not enabled debug_funcs=false hostapi=false debug=true`,
        });
        continue;
      }
      expected = CONSOLE_HOOKS.get(imp.name);
    }
    // nitro's prover links no `debug` module (null_host etc. exist only in the native runtime), so
    // activation rejects those imports even on debug chains; the reference table lists them.
    if (!expected) {
      out.push({ rule: 'import-unknown', detail: `No such import ${imp.name} in ${imp.module} for ${binName}` });
      continue;
    }
    if (!have || !sameFuncType(have, expected)) {
      const haveText = have ? funcTypeText(have) : '?';
      out.push({
        rule: 'import-signature',
        detail: `Import ${imp.name} for ${binName} has different function signature than export. expected ${funcTypeText(expected)} in ${imp.module} but have ${haveText}`,
      });
    }
  }
  // lowering each body to WAVM: the first float operator of each function (nitro stops at the first)
  const imported = importedFuncCount(m);
  m.codes.forEach((code, i) => {
    for (const ins of code.body) {
      const op = FLOAT_INSTRUCTIONS.get(ins.op);
      if (op === undefined) continue;
      out.push({ rule: 'float-op', detail: floatError(op, binName), func: imported + i });
      return;
    }
  });
  const memBytes = (m.memories[0]?.min ?? 0) * 65536;
  m.datas.forEach((d, i) => {
    if (d.mode.kind !== 'active') return;
    if (d.mode.memory !== 0) {
      out.push({ rule: 'data-segment', detail: 'Attempted to write to nonexistant memory' });
      return;
    }
    const e = d.mode.offset;
    if (!(e.length === 2 && e[0].op === 0x41 && e[1].op === 0x0b)) {
      out.push({ rule: 'data-segment', detail: `Non-constant element segment offset expression (data segment ${i})` });
      return;
    }
    const offset = e[0].i32! >>> 0; // nitro reads the value `as usize`
    if (offset + d.data.length > memBytes) {
      out.push({ rule: 'data-segment', detail: `Out-of-bounds data memory init with offset ${offset} and size ${d.data.length}` });
    }
  });
  m.tables.forEach((t) => {
    if (t.elemType !== 0x70) out.push({ rule: 'table', detail: `unsupported table type ${valTypeName(t.elemType)}` });
  });
  m.elements.forEach((s) => {
    if (s.mode.kind !== 'active') return;
    const e = s.mode.offset;
    if (!(e.length === 2 && e[0].op === 0x41 && e[1].op === 0x0b)) {
      out.push({ rule: 'element-segment', detail: 'Non-constant element segment offset expression' });
      return;
    }
    const table = m.tables[s.mode.table];
    if (!table) {
      out.push({ rule: 'element-segment', detail: `Element segment for non-exsistent table ${s.mode.table}` });
      return;
    }
    if (!s.funcs) {
      out.push({ rule: 'element-segment', detail: 'Non-constant element initializers are not supported' });
      return;
    }
    const offset = e[0].i32! >>> 0;
    if (offset + s.funcs.length > table.limits.min) {
      out.push({
        rule: 'element-segment',
        detail: `Out of bounds element segment at offset ${offset} and length ${s.funcs.length} for table of length ${table.limits.min}`,
      });
    }
  });
  return out;
}

/**
 * Operators a Stylus build should not contain, in functions reachable from the entrypoint (and the
 * start function): SIMD and reference-type operators, multi-value functions and blocks. (Floats are
 * activation failures wherever they are: linkViolations.)
 */
function lintReachable(m: WasmModule, noMultiValue: boolean, label: (f: number) => string): Violation[] {
  const imported = importedFuncCount(m);
  const roots: number[] = [];
  const entry = m.exports.find((e) => e.name === 'user_entrypoint' && e.kind === 'func');
  if (entry) roots.push(entry.index);
  if (m.start !== null) roots.push(m.start);
  const tableFuncs = m.elements.flatMap((e) => e.funcs ?? []);
  const reachable = new Set<number>();
  let indirectAdded = false;
  const stack = [...roots];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (reachable.has(f)) continue;
    reachable.add(f);
    const code = m.codes[f - imported];
    if (!code) continue;
    for (const ins of code.body) {
      if ((ins.op === 0x10 || ins.op === 0x12 || ins.op === 0xd2) && ins.idx !== undefined) stack.push(ins.idx);
      if ((ins.op === 0x11 || ins.op === 0x13) && !indirectAdded) {
        indirectAdded = true; // any table entry may be called
        stack.push(...tableFuncs);
      }
    }
  }
  const out: Violation[] = [];
  for (const f of [...reachable].sort((a, b) => a - b)) {
    const code = m.codes[f - imported];
    if (!code) continue;
    const t = m.types[m.functions[f - imported]];
    if (!noMultiValue && t && t.results.length > 1) {
      out.push({ rule: 'multi-value', detail: `${label(f)} returns ${t.results.length} values (rejected from Stylus v3)`, func: f });
    }
    const kinds = new Map<string, string[]>();
    const note = (rule: string, name: string) => {
      const list = kinds.get(rule) ?? [];
      list.push(name);
      kinds.set(rule, list);
    };
    for (const ins of code.body) {
      const info = OPS.get(ins.op)!;
      if (info.feature === 'simd' || info.feature === 'relaxed-simd') note('simd-op', info.name);
      else if (info.feature === 'reference-types') note('reference-type-op', info.name);
      if (!noMultiValue && ins.block?.kind === 'func') note('multi-value', `${info.name} with a type-index block type`);
    }
    for (const [rule, names] of kinds) {
      const distinct = [...new Set(names)];
      const shown = distinct.slice(0, 4).join(', ') + (distinct.length > 4 ? ', ...' : '');
      const what = rule.replace(/-/g, ' ') + 's';
      out.push({ rule, detail: `${label(f)}: ${names.length} ${what}: ${shown}`, func: f });
    }
  }
  return out;
}

// WebAssembly binary decoder: every section, with function bodies decoded to instruction lists.
// Structural errors throw WasmDecodeError whose `rule` names the cause (malformed input, or the
// proposal an unsupported construct belongs to). Type checking is not done here (see validate.ts).
// Spec: https://webassembly.github.io/spec/core/binary/modules.html

import { ByteReader, WasmDecodeError } from './bytes';
import { OPS } from './opcodes';
import type {
  BlockType,
  CustomSection,
  DataSegment,
  ElementSegment,
  Export,
  ExportKind,
  FuncType,
  FunctionBody,
  Global,
  GlobalType,
  Import,
  Instr,
  Limits,
  LocalGroup,
  NameInfo,
  TableType,
  TryCatch,
  ValType,
  WasmModule,
} from './types';

/** Binary order of the standard sections (the tag section sits between memory and global). */
const SECTION_RANK: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
const MAX_LOCALS = 50000; // wasmparser's limit on locals per function

export interface DecodeOptions {
  /** skip decoding function bodies into instructions (faster; `body` stays empty, `raw` is kept) */
  skipBodies?: boolean;
}

export function decodeModule(bytes: Uint8Array, opts: DecodeOptions = {}): WasmModule {
  const r = new ByteReader(bytes);
  if (bytes.length < 8) r.fail('not a WebAssembly module: too short');
  const magic = r.take(4);
  if (magic[0] !== 0 || magic[1] !== 0x61 || magic[2] !== 0x73 || magic[3] !== 0x6d) {
    r.fail('not a WebAssembly module: bad magic number', 'malformed', 0);
  }
  const v = r.take(4);
  const version = v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24);
  if (version !== 1) r.fail(`wasm format version not supported ${version}`, 'wasm-version', 4);

  const m: WasmModule = {
    version,
    types: [],
    imports: [],
    functions: [],
    tables: [],
    memories: [],
    globals: [],
    exports: [],
    start: null,
    elements: [],
    dataCount: null,
    codes: [],
    datas: [],
    tags: [],
    customs: [],
    names: { functions: new Map() },
    sectionOrder: [],
    byteLength: bytes.length,
  };

  let lastRank = 0;
  let lastId = 0;
  let sawFunctionSection = false;
  while (!r.eof()) {
    const sectionStart = r.pos;
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) r.fail(`section ${id} extends past the end of the module`, 'malformed', sectionStart);
    const s = new ByteReader(bytes, start, end);
    if (id === 0) {
      const name = s.name();
      const data = bytes.subarray(s.pos, end);
      const custom: CustomSection = { name, data, after: lastId };
      m.customs.push(custom);
      if (name === 'name') m.names = decodeNames(bytes, s.pos, end);
      r.pos = end;
      continue;
    }
    const rank = SECTION_RANK[id];
    if (rank === undefined) r.fail(`unsupported unknown section type ${id}`, 'unknown-section', sectionStart);
    if (rank <= lastRank) r.fail(`section ${id} out of order or duplicated`, 'malformed', sectionStart);
    lastRank = rank;
    lastId = id;
    m.sectionOrder.push(id);
    switch (id) {
      case 1:
        vec(s, () => m.types.push(readFuncType(s)));
        break;
      case 2:
        vec(s, () => m.imports.push(readImport(s)));
        break;
      case 3:
        sawFunctionSection = true;
        vec(s, () => m.functions.push(s.u32()));
        break;
      case 4:
        vec(s, () => m.tables.push(readTableEntry(s)));
        break;
      case 5:
        vec(s, () => m.memories.push(readLimits(s)));
        break;
      case 13:
        vec(s, () => {
          if (s.u8() !== 0) s.fail('bad tag attribute', 'exceptions');
          m.tags.push(s.u32());
        });
        break;
      case 6:
        vec(s, () => m.globals.push(readGlobal(s)));
        break;
      case 7:
        vec(s, () => m.exports.push(readExport(s)));
        break;
      case 8:
        m.start = s.u32();
        break;
      case 9:
        vec(s, () => m.elements.push(readElement(s)));
        break;
      case 12:
        m.dataCount = s.u32();
        break;
      case 10:
        vec(s, () => m.codes.push(readBody(s, opts)));
        break;
      case 11:
        vec(s, () => m.datas.push(readData(s)));
        break;
    }
    if (s.pos !== end) s.fail(`section ${id} size mismatch`, 'malformed', s.pos);
    r.pos = end;
  }
  if (m.functions.length !== m.codes.length && (sawFunctionSection || m.codes.length > 0)) {
    r.fail(`function and code section have inconsistent lengths (${m.functions.length} vs ${m.codes.length})`);
  }
  if (m.dataCount !== null && m.dataCount !== m.datas.length) {
    r.fail(`data count section (${m.dataCount}) and data section (${m.datas.length}) disagree`);
  }
  return m;
}

function vec(r: ByteReader, item: () => void): void {
  const n = r.u32();
  for (let i = 0; i < n; i++) item();
}

export function readValType(r: ByteReader): ValType {
  const at = r.pos;
  const b = r.u8();
  switch (b) {
    case 0x7f:
    case 0x7e:
    case 0x7d:
    case 0x7c:
      return b;
    case 0x7b:
      return b; // v128: decodable; the validator reports it as SIMD
    case 0x70:
    case 0x6f:
    case 0x69:
      return b;
    case 0x63:
    case 0x64:
      return r.fail('typed reference value types are not supported', 'function-references', at);
    default:
      return r.fail(`invalid value type 0x${b.toString(16)}`, 'malformed', at);
  }
}

function readFuncType(r: ByteReader): FuncType {
  const at = r.pos;
  const form = r.u8();
  if (form === 0x4e || form === 0x50 || form === 0x4f || form === 0x5f || form === 0x5e) {
    r.fail('GC composite/recursive types are not supported', 'gc', at);
  }
  if (form !== 0x60) r.fail(`invalid function type form 0x${form.toString(16)}`, 'malformed', at);
  const params: ValType[] = [];
  const results: ValType[] = [];
  vec(r, () => params.push(readValType(r)));
  vec(r, () => results.push(readValType(r)));
  return { params, results };
}

export function readLimits(r: ByteReader): Limits {
  const at = r.pos;
  const flags = r.u8();
  if (flags > 7) r.fail(`invalid limits flags 0x${flags.toString(16)}`, 'malformed', at);
  const memory64 = (flags & 4) !== 0;
  const read = () => {
    if (!memory64) return r.u32();
    const v = r.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail('64-bit limit too large');
    return Number(v);
  };
  const min = read();
  const max = flags & 1 ? read() : null;
  return { min, max, shared: (flags & 2) !== 0, memory64 };
}

function readTableType(r: ByteReader): TableType {
  const elemType = readValType(r);
  return { elemType, limits: readLimits(r) };
}

function readTableEntry(r: ByteReader): TableType {
  if (r.peek() === 0x40) r.fail('tables with initializer expressions are not supported', 'function-references');
  return readTableType(r);
}

function readGlobalType(r: ByteReader): GlobalType {
  const type = readValType(r);
  const at = r.pos;
  const mut = r.u8();
  if (mut > 1) r.fail('invalid global mutability', 'malformed', at);
  return { type, mutable: mut === 1 };
}

function readImport(r: ByteReader): Import {
  const module = r.name();
  const name = r.name();
  const at = r.pos;
  const kind = r.u8();
  switch (kind) {
    case 0:
      return { module, name, desc: { kind: 'func', type: r.u32() } };
    case 1:
      return { module, name, desc: { kind: 'table', table: readTableType(r) } };
    case 2:
      return { module, name, desc: { kind: 'memory', limits: readLimits(r) } };
    case 3:
      return { module, name, desc: { kind: 'global', global: readGlobalType(r) } };
    case 4: {
      if (r.u8() !== 0) r.fail('bad tag attribute', 'exceptions');
      return { module, name, desc: { kind: 'tag', type: r.u32() } };
    }
    default:
      return r.fail(`invalid import kind ${kind}`, 'malformed', at);
  }
}

const EXPORT_KINDS: ExportKind[] = ['func', 'table', 'memory', 'global', 'tag'];

function readExport(r: ByteReader): Export {
  const name = r.name();
  const at = r.pos;
  const kind = EXPORT_KINDS[r.u8()];
  if (!kind) r.fail('invalid export kind', 'malformed', at);
  return { name, kind, index: r.u32() };
}

function readGlobal(r: ByteReader): Global {
  const type = readGlobalType(r);
  return { type, init: readConstExpr(r) };
}

/** Reads instructions up to and including the `end` that closes the expression. */
export function readConstExpr(r: ByteReader): Instr[] {
  const out: Instr[] = [];
  let depth = 0;
  for (;;) {
    const ins = readInstr(r);
    out.push(ins);
    const op = ins.op;
    if (op === 0x02 || op === 0x03 || op === 0x04 || op === 0x06 || op === 0x1f) depth++;
    else if (op === 0x0b) {
      if (depth === 0) return out;
      depth--;
    }
  }
}

function readElement(r: ByteReader): ElementSegment {
  const start = r.pos;
  const flags = r.u32();
  if (flags > 7) r.fail('invalid flags byte in element segment', 'malformed', start);
  let mode: ElementSegment['mode'];
  if (flags & 1) {
    mode = flags & 2 ? { kind: 'declared' } : { kind: 'passive' };
  } else {
    const table = flags & 2 ? r.u32() : 0;
    mode = { kind: 'active', table, offset: readConstExpr(r) };
  }
  const exprs = (flags & 4) !== 0;
  let elemType: ValType = 0x70;
  if (flags & 3) {
    if (exprs) elemType = readValType(r);
    else {
      const at = r.pos;
      if (r.u8() !== 0) r.fail('only the function external type is supported in elem segment', 'malformed', at);
    }
  }
  const seg: ElementSegment = { flags, mode, elemType };
  if (exprs) {
    seg.exprs = [];
    vec(r, () => seg.exprs!.push(readConstExpr(r)));
  } else {
    seg.funcs = [];
    vec(r, () => seg.funcs!.push(r.u32()));
  }
  seg.range = [start, r.pos];
  return seg;
}

function readData(r: ByteReader): DataSegment {
  const start = r.pos;
  const flags = r.u32();
  let mode: DataSegment['mode'];
  if (flags === 1) mode = { kind: 'passive' };
  else if (flags === 0) mode = { kind: 'active', memory: 0, offset: readConstExpr(r) };
  else if (flags === 2) {
    const memory = r.u32();
    mode = { kind: 'active', memory, offset: readConstExpr(r) };
  } else return r.fail('invalid flags byte in data segment', 'malformed', start);
  const len = r.u32();
  const data = r.take(len);
  return { flags, mode, data, range: [start, r.pos] };
}

function readBody(r: ByteReader, opts: DecodeOptions): FunctionBody {
  const start = r.pos;
  const size = r.u32();
  const end = r.pos + size;
  if (end > r.end) r.fail('function body extends past the code section', 'malformed', start);
  const b = new ByteReader(r.bytes, r.pos, end);
  const locals: LocalGroup[] = [];
  let total = 0;
  vec(b, () => {
    const count = b.u32();
    total += count;
    if (total > MAX_LOCALS) b.fail(`too many locals (more than ${MAX_LOCALS})`);
    locals.push({ count, type: readValType(b) });
  });
  const body: Instr[] = [];
  if (!opts.skipBodies) {
    let depth = 0;
    for (;;) {
      if (b.eof()) b.fail('function body ended without `end`');
      const ins = readInstr(b);
      body.push(ins);
      const op = ins.op;
      if (op === 0x02 || op === 0x03 || op === 0x04 || op === 0x06 || op === 0x1f) depth++;
      else if (op === 0x0b) {
        if (depth === 0) break;
        depth--;
      }
    }
    if (b.pos !== end) b.fail('operators remaining after end of function');
  }
  r.pos = end;
  return { locals, body, raw: r.bytes.subarray(start, end), offset: start };
}

function readBlockType(r: ByteReader): BlockType {
  const b = r.peek();
  if (b === 0x40) {
    r.pos++;
    return { kind: 'empty' };
  }
  if (b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f || b === 0x69) {
    r.pos++;
    return { kind: 'value', type: b };
  }
  if (b === 0x63 || b === 0x64) return r.fail('typed reference block types are not supported', 'function-references');
  const at = r.pos;
  const index = r.s33();
  if (index < 0) r.fail('invalid block type', 'malformed', at);
  return { kind: 'func', index };
}

function readMemarg(r: ByteReader, ins: Instr): void {
  let align = r.u32();
  if (align & 0x40) {
    align &= ~0x40;
    ins.mem = r.u32();
  }
  ins.align = align;
  const off = r.u64();
  if (off > BigInt(Number.MAX_SAFE_INTEGER)) r.fail('memory offset too large');
  ins.offset = Number(off);
}

/** Decodes one instruction at the reader's position. */
export function readInstr(r: ByteReader): Instr {
  const start = r.pos;
  let op = r.u8();
  if (op === 0xfc || op === 0xfd || op === 0xfe) {
    op = (op << 16) | r.u32();
  } else if (op === 0xfb) {
    r.fail(`GC instruction 0xfb ${r.u32()} is not supported`, 'gc', start);
  }
  const info = OPS.get(op);
  if (!info) {
    const code = op > 0xff ? `0x${(op >> 16).toString(16)} ${op & 0xffff}` : `0x${op.toString(16)}`;
    r.fail(`unknown opcode ${code}`, 'malformed', start);
  }
  const ins: Instr = { op };
  switch (info.imm) {
    case 'none':
      break;
    case 'block':
      ins.block = readBlockType(r);
      break;
    case 'label':
    case 'func':
    case 'local':
    case 'global':
    case 'table':
    case 'mem':
    case 'data':
    case 'elem':
    case 'tag':
    case 'type':
      ins.idx = r.u32();
      break;
    case 'br_table': {
      const n = r.u32();
      const targets: number[] = [];
      for (let i = 0; i < n; i++) targets.push(r.u32());
      ins.targets = targets;
      ins.idx = r.u32();
      break;
    }
    case 'call_indirect':
    case 'memory_init':
    case 'table_init':
    case 'memory_copy':
    case 'table_copy':
      ins.idx = r.u32();
      ins.idx2 = r.u32();
      break;
    case 'memarg':
      readMemarg(r, ins);
      break;
    case 'memarg_lane':
      readMemarg(r, ins);
      ins.lane = r.u8();
      break;
    case 'lane':
      ins.lane = r.u8();
      break;
    case 'i32':
      ins.i32 = r.s32();
      break;
    case 'i64':
      ins.i64 = r.s64();
      break;
    case 'f32':
      ins.bytes = r.take(4);
      break;
    case 'f64':
      ins.bytes = r.take(8);
      break;
    case 'v128':
    case 'shuffle':
      ins.bytes = r.take(16);
      break;
    case 'select_t': {
      const n = r.u32();
      ins.valTypes = [];
      for (let i = 0; i < n; i++) ins.valTypes.push(readValType(r));
      break;
    }
    case 'heaptype':
      ins.heapType = r.s33();
      break;
    case 'fence':
      if (r.u8() !== 0) r.fail('atomic.fence expects a zero byte');
      break;
    case 'try_table': {
      ins.block = readBlockType(r);
      const n = r.u32();
      const catches: TryCatch[] = [];
      for (let i = 0; i < n; i++) {
        const kind = r.u8();
        if (kind > 3) r.fail('invalid try_table catch kind');
        const c: TryCatch = { kind, label: 0 };
        if (kind < 2) c.tag = r.u32();
        c.label = r.u32();
        catches.push(c);
      }
      ins.catches = catches;
      break;
    }
  }
  ins.raw = r.bytes.subarray(start, r.pos);
  return ins;
}

function decodeNames(bytes: Uint8Array, start: number, end: number): NameInfo {
  const info: NameInfo = { functions: new Map() };
  try {
    const r = new ByteReader(bytes, start, end);
    while (!r.eof()) {
      const id = r.u8();
      const size = r.u32();
      const subEnd = r.pos + size;
      if (subEnd > end) throw new WasmDecodeError('name subsection too long', r.pos);
      const s = new ByteReader(bytes, r.pos, subEnd);
      if (id === 0) info.module = s.name();
      else if (id === 1) {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const idx = s.u32();
          info.functions.set(idx, s.name());
        }
      }
      r.pos = subEnd;
    }
  } catch (e) {
    info.error = e instanceof Error ? e.message : String(e);
  }
  return info;
}

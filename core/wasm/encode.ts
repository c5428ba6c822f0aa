// WebAssembly binary encoder: the inverse of decode.ts. Sections are written in binary order; custom
// sections go back where they were. A function body or instruction that still carries its original
// bytes (`raw`) is copied verbatim, so decode → encode reproduces the input byte for byte (except for
// non-canonical LEB128 widths in section headers or non-code items). Code that rewrites a body must
// build a new FunctionBody without `raw`, and new instructions without `raw`.

import { ByteWriter } from './bytes';
import { OPS } from './opcodes';
import type {
  BlockType,
  DataSegment,
  ElementSegment,
  FunctionBody,
  Import,
  Instr,
  Limits,
  TableType,
  WasmModule,
} from './types';

const ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

export function encodeModule(m: WasmModule): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter(Math.max(1024, m.byteLength + 4096));
  w.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const present = new Set(m.sectionOrder);
  const customsAfter = (id: number) => {
    for (const c of m.customs) {
      if (c.after !== id) continue;
      const s = new ByteWriter(c.data.length + 16);
      s.name(c.name).bytes(c.data);
      w.u8(0).sized(s);
    }
  };
  customsAfter(0);
  for (const id of ORDER) {
    const content = sectionContent(m, id, present.has(id));
    if (content) w.u8(id).sized(content);
    customsAfter(id);
  }
  return w.finish();
}

function sectionContent(m: WasmModule, id: number, wasPresent: boolean): ByteWriter | null {
  const s = new ByteWriter();
  const list = <T>(items: T[], each: (item: T) => void): ByteWriter | null => {
    if (items.length === 0 && !wasPresent) return null;
    s.u32(items.length);
    items.forEach(each);
    return s;
  };
  switch (id) {
    case 1:
      return list(m.types, (t) => {
        s.u8(0x60).u32(t.params.length);
        for (const p of t.params) s.u8(p);
        s.u32(t.results.length);
        for (const r of t.results) s.u8(r);
      });
    case 2:
      return list(m.imports, (imp) => writeImport(s, imp));
    case 3:
      return list(m.functions, (f) => s.u32(f));
    case 4:
      return list(m.tables, (t) => writeTableType(s, t));
    case 5:
      return list(m.memories, (l) => writeLimits(s, l));
    case 13:
      return list(m.tags, (t) => s.u8(0).u32(t));
    case 6:
      return list(m.globals, (g) => {
        s.u8(g.type.type).u8(g.type.mutable ? 1 : 0);
        writeInstrs(s, g.init);
      });
    case 7:
      return list(m.exports, (e) => {
        s.name(e.name).u8(['func', 'table', 'memory', 'global', 'tag'].indexOf(e.kind)).u32(e.index);
      });
    case 8:
      if (m.start === null) return null;
      return s.u32(m.start);
    case 9:
      return list(m.elements, (e) => writeElement(s, e));
    case 12:
      if (m.dataCount === null) return null;
      return s.u32(m.dataCount);
    case 10:
      return list(m.codes, (c) => writeBody(s, c));
    case 11:
      return list(m.datas, (d) => writeData(s, d));
    default:
      return null;
  }
}

function writeLimits(w: ByteWriter, l: Limits): void {
  w.u8((l.max !== null ? 1 : 0) | (l.shared ? 2 : 0) | (l.memory64 ? 4 : 0));
  const put = (v: number) => (l.memory64 ? w.u64(BigInt(v)) : w.u32(v));
  put(l.min);
  if (l.max !== null) put(l.max);
}

function writeTableType(w: ByteWriter, t: TableType): void {
  w.u8(t.elemType);
  writeLimits(w, t.limits);
}

function writeImport(w: ByteWriter, imp: Import): void {
  w.name(imp.module).name(imp.name);
  const d = imp.desc;
  switch (d.kind) {
    case 'func':
      w.u8(0).u32(d.type);
      break;
    case 'table':
      w.u8(1);
      writeTableType(w, d.table);
      break;
    case 'memory':
      w.u8(2);
      writeLimits(w, d.limits);
      break;
    case 'global':
      w.u8(3).u8(d.global.type).u8(d.global.mutable ? 1 : 0);
      break;
    case 'tag':
      w.u8(4).u8(0).u32(d.type);
      break;
  }
}

function writeElement(w: ByteWriter, e: ElementSegment): void {
  const flags = e.flags;
  w.u32(flags);
  if (e.mode.kind === 'active') {
    if (flags & 2) w.u32(e.mode.table);
    writeInstrs(w, e.mode.offset);
  }
  const exprs = (flags & 4) !== 0;
  if (flags & 3) {
    if (exprs) w.u8(e.elemType);
    else w.u8(0);
  }
  if (exprs) {
    const items = e.exprs ?? [];
    w.u32(items.length);
    for (const x of items) writeInstrs(w, x);
  } else {
    const items = e.funcs ?? [];
    w.u32(items.length);
    for (const f of items) w.u32(f);
  }
}

function writeData(w: ByteWriter, d: DataSegment): void {
  w.u32(d.flags);
  if (d.mode.kind === 'active') {
    if (d.flags === 2) w.u32(d.mode.memory);
    writeInstrs(w, d.mode.offset);
  }
  w.u32(d.data.length).bytes(d.data);
}

function writeBody(w: ByteWriter, c: FunctionBody): void {
  if (c.raw) {
    w.bytes(c.raw);
    return;
  }
  const b = new ByteWriter(c.body.length * 3 + 16);
  b.u32(c.locals.length);
  for (const l of c.locals) b.u32(l.count).u8(l.type);
  writeInstrs(b, c.body);
  w.sized(b);
}

export function writeInstrs(w: ByteWriter, list: Instr[]): void {
  for (const ins of list) writeInstr(w, ins);
}

function writeBlockType(w: ByteWriter, bt: BlockType | undefined): void {
  if (!bt || bt.kind === 'empty') w.u8(0x40);
  else if (bt.kind === 'value') w.u8(bt.type);
  else w.s33(bt.index);
}

function writeMemarg(w: ByteWriter, ins: Instr): void {
  const align = ins.align ?? 0;
  if (ins.mem !== undefined) w.u32(align | 0x40).u32(ins.mem);
  else w.u32(align);
  w.u64(BigInt(ins.offset ?? 0));
}

export function writeInstr(w: ByteWriter, ins: Instr): void {
  if (ins.raw) {
    w.bytes(ins.raw);
    return;
  }
  const op = ins.op;
  const info = OPS.get(op);
  if (!info) throw new Error(`cannot encode unknown opcode 0x${op.toString(16)}`);
  if (op > 0xff) w.u8(op >>> 16).u32(op & 0xffff);
  else w.u8(op);
  const need = (v: number | undefined, what: string): number => {
    if (v === undefined) throw new Error(`${info.name} needs ${what}`);
    return v;
  };
  switch (info.imm) {
    case 'none':
      break;
    case 'block':
      writeBlockType(w, ins.block);
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
      w.u32(info.imm === 'mem' ? (ins.idx ?? 0) : need(ins.idx, 'an index'));
      break;
    case 'br_table': {
      const t = ins.targets ?? [];
      w.u32(t.length);
      for (const x of t) w.u32(x);
      w.u32(need(ins.idx, 'a default label'));
      break;
    }
    case 'call_indirect':
    case 'memory_init':
    case 'table_init':
      w.u32(need(ins.idx, 'an index')).u32(ins.idx2 ?? 0);
      break;
    case 'memory_copy':
    case 'table_copy':
      w.u32(ins.idx ?? 0).u32(ins.idx2 ?? 0);
      break;
    case 'memarg':
      writeMemarg(w, ins);
      break;
    case 'memarg_lane':
      writeMemarg(w, ins);
      w.u8(need(ins.lane, 'a lane'));
      break;
    case 'lane':
      w.u8(need(ins.lane, 'a lane'));
      break;
    case 'i32':
      w.s32(need(ins.i32, 'a value'));
      break;
    case 'i64':
      if (ins.i64 === undefined) throw new Error('i64.const needs a value');
      w.s64(ins.i64);
      break;
    case 'f32':
    case 'f64':
    case 'v128':
    case 'shuffle': {
      const n = info.imm === 'f32' ? 4 : info.imm === 'f64' ? 8 : 16;
      if (!ins.bytes || ins.bytes.length !== n) throw new Error(`${info.name} needs ${n} bytes`);
      w.bytes(ins.bytes);
      break;
    }
    case 'select_t': {
      const t = ins.valTypes ?? [];
      w.u32(t.length);
      for (const x of t) w.u8(x);
      break;
    }
    case 'heaptype':
      w.s33(ins.heapType ?? -16);
      break;
    case 'fence':
      w.u8(0);
      break;
    case 'try_table': {
      writeBlockType(w, ins.block);
      const cs = ins.catches ?? [];
      w.u32(cs.length);
      for (const c of cs) {
        w.u8(c.kind);
        if (c.kind < 2) w.u32(c.tag ?? 0);
        w.u32(c.label);
      }
      break;
    }
  }
}

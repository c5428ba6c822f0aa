// The in-memory form of a WebAssembly module produced by decode.ts and consumed by encode.ts.
// Items keep the byte ranges they were decoded from: nitro measures data/element segments by their
// encoded byte span (wasmparser `range`), and the encoder reuses original bytes where nothing changed.

/** Value type codes as in the binary format. */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
  funcref: 0x70,
  externref: 0x6f,
  exnref: 0x69,
} as const;
export type ValType = number;

export function valTypeName(t: ValType): string {
  switch (t) {
    case 0x7f:
      return 'i32';
    case 0x7e:
      return 'i64';
    case 0x7d:
      return 'f32';
    case 0x7c:
      return 'f64';
    case 0x7b:
      return 'v128';
    case 0x70:
      return 'funcref';
    case 0x6f:
      return 'externref';
    case 0x69:
      return 'exnref';
    default:
      return `type(0x${t.toString(16)})`;
  }
}

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export function funcTypeText(t: FuncType): string {
  const list = (v: ValType[]) => v.map(valTypeName).join(', ');
  return `(${list(t.params)}) -> (${list(t.results)})`;
}

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) &&
    a.results.every((r, i) => r === b.results[i])
  );
}

export interface Limits {
  min: number;
  max: number | null;
  shared: boolean;
  memory64: boolean;
}

export interface TableType {
  elemType: ValType;
  limits: Limits;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export type ImportDesc =
  | { kind: 'func'; type: number }
  | { kind: 'table'; table: TableType }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; global: GlobalType }
  | { kind: 'tag'; type: number };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export type ExportKind = 'func' | 'table' | 'memory' | 'global' | 'tag';

export interface Export {
  name: string;
  kind: ExportKind;
  index: number;
}

export type BlockType = { kind: 'empty' } | { kind: 'value'; type: ValType } | { kind: 'func'; index: number };

export interface TryCatch {
  kind: number; // 0 catch, 1 catch_ref, 2 catch_all, 3 catch_all_ref
  tag?: number;
  label: number;
}

/** One instruction. Only the immediates of its shape are set (see opcodes.ts `Imm`). */
export interface Instr {
  op: number;
  /** label, function, local, global, table, type, tag, data or element index; memory index of memory.size/grow/fill */
  idx?: number;
  /** second index: table of call_indirect, source memory/table of copies, table of table.init, memory of memory.init */
  idx2?: number;
  /** br_table targets (the default label is `idx`) */
  targets?: number[];
  block?: BlockType;
  align?: number;
  offset?: number;
  /** memory index of a memarg */
  mem?: number;
  lane?: number;
  i32?: number;
  i64?: bigint;
  /** little-endian bytes of f32/f64/v128 constants and shuffle lanes */
  bytes?: Uint8Array;
  valTypes?: ValType[];
  heapType?: number;
  catches?: TryCatch[];
  /** the instruction's original encoding; the encoder reuses it verbatim */
  raw?: Uint8Array;
}

export interface LocalGroup {
  count: number;
  type: ValType;
}

export interface FunctionBody {
  locals: LocalGroup[];
  /** all instructions including the final `end` */
  body: Instr[];
  /** original encoding including the size prefix; reused by the encoder when present */
  raw?: Uint8Array;
  /** byte offset of the body in the original binary */
  offset?: number;
}

export interface Global {
  type: GlobalType;
  init: Instr[];
}

export type ElementMode =
  | { kind: 'active'; table: number; offset: Instr[] }
  | { kind: 'passive' }
  | { kind: 'declared' };

export interface ElementSegment {
  /** the flags field as encoded (0..7), kept so that the segment re-encodes in the same form */
  flags: number;
  mode: ElementMode;
  elemType: ValType;
  /** function indices (flags without bit 2) */
  funcs?: number[];
  /** constant expressions (flags with bit 2) */
  exprs?: Instr[][];
  /** [start, end) byte span of the whole segment in the original binary */
  range?: [number, number];
}

export type DataMode = { kind: 'active'; memory: number; offset: Instr[] } | { kind: 'passive' };

export interface DataSegment {
  flags: number;
  mode: DataMode;
  data: Uint8Array;
  range?: [number, number];
}

export interface CustomSection {
  name: string;
  data: Uint8Array;
  /** id of the standard section it followed (0 = before all) */
  after: number;
}

export interface NameInfo {
  module?: string;
  functions: Map<number, string>;
  /** set when the section could not be parsed (nitro fails activation on a malformed name section) */
  error?: string;
}

export interface WasmModule {
  version: number;
  types: FuncType[];
  imports: Import[];
  /** type index of each locally defined function */
  functions: number[];
  tables: TableType[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start: number | null;
  elements: ElementSegment[];
  dataCount: number | null;
  codes: FunctionBody[];
  datas: DataSegment[];
  tags: number[];
  customs: CustomSection[];
  /** parsed `name` custom section, if any */
  names: NameInfo;
  /** ids of the standard sections present, in binary order (used to re-emit empty sections faithfully) */
  sectionOrder: number[];
  /** length of the binary this was decoded from */
  byteLength: number;
}

export function importedFuncCount(m: WasmModule): number {
  let n = 0;
  for (const imp of m.imports) if (imp.desc.kind === 'func') n++;
  return n;
}

export function importedGlobalCount(m: WasmModule): number {
  let n = 0;
  for (const imp of m.imports) if (imp.desc.kind === 'global') n++;
  return n;
}

/** Type of any function index (imports first, then local functions). */
export function funcTypeOf(m: WasmModule, index: number): FuncType | undefined {
  let i = 0;
  for (const imp of m.imports) {
    if (imp.desc.kind !== 'func') continue;
    if (i === index) return m.types[imp.desc.type];
    i++;
  }
  const local = m.functions[index - i];
  return local === undefined ? undefined : m.types[local];
}

export function funcName(m: WasmModule, index: number): string | undefined {
  return m.names.functions.get(index);
}

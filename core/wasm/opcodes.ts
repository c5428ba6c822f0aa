// The WebAssembly instruction set: every opcode this toolkit decodes, its text name, the shape of its
// immediates and the proposal ("feature") it belongs to. Prefixed opcodes are keyed as
// (prefix << 16) | subopcode, e.g. memory.copy = 0xFC000A.
// Sources: core spec §5.4 (binary instructions), the SIMD, relaxed-SIMD, threads, exception-handling,
// tail-call and function-references proposals.

export type Imm =
  | 'none'
  | 'block' // block type
  | 'label'
  | 'br_table'
  | 'func'
  | 'call_indirect' // type index + table index
  | 'local'
  | 'global'
  | 'table'
  | 'memarg'
  | 'mem' // a memory index (memory.size/grow/fill)
  | 'i32'
  | 'i64'
  | 'f32'
  | 'f64'
  | 'select_t'
  | 'heaptype'
  | 'data'
  | 'elem'
  | 'memory_init' // data index + memory index
  | 'memory_copy' // two memory indices
  | 'table_init' // element index + table index
  | 'table_copy' // two table indices
  | 'v128'
  | 'shuffle'
  | 'lane'
  | 'memarg_lane'
  | 'tag'
  | 'try_table'
  | 'type' // a type index (call_ref)
  | 'fence'; // a reserved zero byte

export type Feature =
  | 'core'
  | 'sign-extension'
  | 'saturating-float-to-int'
  | 'bulk-memory'
  | 'reference-types'
  | 'simd'
  | 'relaxed-simd'
  | 'threads'
  | 'exceptions'
  | 'tail-call'
  | 'function-references'
  | 'gc'
  | 'memory-control';

export interface OpInfo {
  code: number;
  name: string;
  imm: Imm;
  feature: Feature;
  /** touches f32/f64 values (arithmetic, comparisons, conversions, loads/stores, constants) */
  float: boolean;
}

export const OPS = new Map<number, OpInfo>();

function def(code: number, name: string, imm: Imm = 'none', feature: Feature = 'core', float?: boolean): void {
  OPS.set(code, { code, name, imm, feature, float: float ?? /f32|f64/.test(name) });
}

// control
def(0x00, 'unreachable');
def(0x01, 'nop');
def(0x02, 'block', 'block');
def(0x03, 'loop', 'block');
def(0x04, 'if', 'block');
def(0x05, 'else');
def(0x06, 'try', 'block', 'exceptions');
def(0x07, 'catch', 'tag', 'exceptions');
def(0x08, 'throw', 'tag', 'exceptions');
def(0x09, 'rethrow', 'label', 'exceptions');
def(0x0a, 'throw_ref', 'none', 'exceptions');
def(0x0b, 'end');
def(0x0c, 'br', 'label');
def(0x0d, 'br_if', 'label');
def(0x0e, 'br_table', 'br_table');
def(0x0f, 'return');
def(0x10, 'call', 'func');
def(0x11, 'call_indirect', 'call_indirect');
def(0x12, 'return_call', 'func', 'tail-call');
def(0x13, 'return_call_indirect', 'call_indirect', 'tail-call');
def(0x14, 'call_ref', 'type', 'function-references');
def(0x15, 'return_call_ref', 'type', 'function-references');
def(0x18, 'delegate', 'label', 'exceptions');
def(0x19, 'catch_all', 'none', 'exceptions');
def(0x1a, 'drop');
def(0x1b, 'select');
def(0x1c, 'select', 'select_t', 'reference-types');
def(0x1f, 'try_table', 'try_table', 'exceptions');
// variables
def(0x20, 'local.get', 'local');
def(0x21, 'local.set', 'local');
def(0x22, 'local.tee', 'local');
def(0x23, 'global.get', 'global');
def(0x24, 'global.set', 'global');
def(0x25, 'table.get', 'table', 'reference-types');
def(0x26, 'table.set', 'table', 'reference-types');
// memory
const loads = ['i32.load', 'i64.load', 'f32.load', 'f64.load', 'i32.load8_s', 'i32.load8_u', 'i32.load16_s',
  'i32.load16_u', 'i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u',
  'i32.store', 'i64.store', 'f32.store', 'f64.store', 'i32.store8', 'i32.store16', 'i64.store8', 'i64.store16',
  'i64.store32'];
loads.forEach((name, i) => def(0x28 + i, name, 'memarg'));
def(0x3f, 'memory.size', 'mem');
def(0x40, 'memory.grow', 'mem');
def(0x41, 'i32.const', 'i32');
def(0x42, 'i64.const', 'i64');
def(0x43, 'f32.const', 'f32');
def(0x44, 'f64.const', 'f64');
// numeric
const cmp = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'];
def(0x45, 'i32.eqz');
cmp.forEach((n, i) => def(0x46 + i, `i32.${n}`));
def(0x50, 'i64.eqz');
cmp.forEach((n, i) => def(0x51 + i, `i64.${n}`));
const fcmp = ['eq', 'ne', 'lt', 'gt', 'le', 'ge'];
fcmp.forEach((n, i) => def(0x5b + i, `f32.${n}`));
fcmp.forEach((n, i) => def(0x61 + i, `f64.${n}`));
const iops = ['clz', 'ctz', 'popcnt', 'add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor',
  'shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
iops.forEach((n, i) => def(0x67 + i, `i32.${n}`));
iops.forEach((n, i) => def(0x79 + i, `i64.${n}`));
const fops = ['abs', 'neg', 'ceil', 'floor', 'trunc', 'nearest', 'sqrt', 'add', 'sub', 'mul', 'div', 'min', 'max',
  'copysign'];
fops.forEach((n, i) => def(0x8b + i, `f32.${n}`));
fops.forEach((n, i) => def(0x99 + i, `f64.${n}`));
const conv = ['i32.wrap_i64', 'i32.trunc_f32_s', 'i32.trunc_f32_u', 'i32.trunc_f64_s', 'i32.trunc_f64_u',
  'i64.extend_i32_s', 'i64.extend_i32_u', 'i64.trunc_f32_s', 'i64.trunc_f32_u', 'i64.trunc_f64_s', 'i64.trunc_f64_u',
  'f32.convert_i32_s', 'f32.convert_i32_u', 'f32.convert_i64_s', 'f32.convert_i64_u', 'f32.demote_f64',
  'f64.convert_i32_s', 'f64.convert_i32_u', 'f64.convert_i64_s', 'f64.convert_i64_u', 'f64.promote_f32',
  'i32.reinterpret_f32', 'i64.reinterpret_f64', 'f32.reinterpret_i32', 'f64.reinterpret_i64'];
conv.forEach((n, i) => def(0xa7 + i, n));
['i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s'].forEach((n, i) =>
  def(0xc0 + i, n, 'none', 'sign-extension'),
);
// references
def(0xd0, 'ref.null', 'heaptype', 'reference-types');
def(0xd1, 'ref.is_null', 'none', 'reference-types');
def(0xd2, 'ref.func', 'func', 'reference-types');
def(0xd3, 'ref.eq', 'none', 'gc');
def(0xd4, 'ref.as_non_null', 'none', 'function-references');
def(0xd5, 'br_on_null', 'label', 'function-references');
def(0xd6, 'br_on_non_null', 'label', 'function-references');

// 0xFC prefix: saturating truncations, bulk memory, tables
const FC = 0xfc << 16;
['i32.trunc_sat_f32_s', 'i32.trunc_sat_f32_u', 'i32.trunc_sat_f64_s', 'i32.trunc_sat_f64_u', 'i64.trunc_sat_f32_s',
  'i64.trunc_sat_f32_u', 'i64.trunc_sat_f64_s', 'i64.trunc_sat_f64_u'].forEach((n, i) =>
  def(FC | i, n, 'none', 'saturating-float-to-int', true),
);
def(FC | 8, 'memory.init', 'memory_init', 'bulk-memory');
def(FC | 9, 'data.drop', 'data', 'bulk-memory');
def(FC | 10, 'memory.copy', 'memory_copy', 'bulk-memory');
def(FC | 11, 'memory.fill', 'mem', 'bulk-memory');
def(FC | 12, 'table.init', 'table_init', 'bulk-memory');
def(FC | 13, 'elem.drop', 'elem', 'bulk-memory');
def(FC | 14, 'table.copy', 'table_copy', 'bulk-memory');
def(FC | 15, 'table.grow', 'table', 'reference-types');
def(FC | 16, 'table.size', 'table', 'reference-types');
def(FC | 17, 'table.fill', 'table', 'reference-types');
def(FC | 18, 'memory.discard', 'mem', 'memory-control');

// 0xFD prefix: SIMD (names only matter for reporting; nitro rejects all of them)
const FD = 0xfd << 16;
const simd: [number, string, Imm?][] = [
  [0, 'v128.load', 'memarg'], [1, 'v128.load8x8_s', 'memarg'], [2, 'v128.load8x8_u', 'memarg'],
  [3, 'v128.load16x4_s', 'memarg'], [4, 'v128.load16x4_u', 'memarg'], [5, 'v128.load32x2_s', 'memarg'],
  [6, 'v128.load32x2_u', 'memarg'], [7, 'v128.load8_splat', 'memarg'], [8, 'v128.load16_splat', 'memarg'],
  [9, 'v128.load32_splat', 'memarg'], [10, 'v128.load64_splat', 'memarg'], [11, 'v128.store', 'memarg'],
  [12, 'v128.const', 'v128'], [13, 'i8x16.shuffle', 'shuffle'], [14, 'i8x16.swizzle'], [15, 'i8x16.splat'],
  [16, 'i16x8.splat'], [17, 'i32x4.splat'], [18, 'i64x2.splat'], [19, 'f32x4.splat'], [20, 'f64x2.splat'],
  [21, 'i8x16.extract_lane_s', 'lane'], [22, 'i8x16.extract_lane_u', 'lane'], [23, 'i8x16.replace_lane', 'lane'],
  [24, 'i16x8.extract_lane_s', 'lane'], [25, 'i16x8.extract_lane_u', 'lane'], [26, 'i16x8.replace_lane', 'lane'],
  [27, 'i32x4.extract_lane', 'lane'], [28, 'i32x4.replace_lane', 'lane'], [29, 'i64x2.extract_lane', 'lane'],
  [30, 'i64x2.replace_lane', 'lane'], [31, 'f32x4.extract_lane', 'lane'], [32, 'f32x4.replace_lane', 'lane'],
  [33, 'f64x2.extract_lane', 'lane'], [34, 'f64x2.replace_lane', 'lane'],
  [77, 'v128.not'], [78, 'v128.and'], [79, 'v128.andnot'], [80, 'v128.or'], [81, 'v128.xor'],
  [82, 'v128.bitselect'], [83, 'v128.any_true'],
  [84, 'v128.load8_lane', 'memarg_lane'], [85, 'v128.load16_lane', 'memarg_lane'],
  [86, 'v128.load32_lane', 'memarg_lane'], [87, 'v128.load64_lane', 'memarg_lane'],
  [88, 'v128.store8_lane', 'memarg_lane'], [89, 'v128.store16_lane', 'memarg_lane'],
  [90, 'v128.store32_lane', 'memarg_lane'], [91, 'v128.store64_lane', 'memarg_lane'],
  [92, 'v128.load32_zero', 'memarg'], [93, 'v128.load64_zero', 'memarg'],
  [94, 'f32x4.demote_f64x2_zero'], [95, 'f64x2.promote_low_f32x4'],
  [96, 'i8x16.abs'], [97, 'i8x16.neg'], [98, 'i8x16.popcnt'], [99, 'i8x16.all_true'], [100, 'i8x16.bitmask'],
  [101, 'i8x16.narrow_i16x8_s'], [102, 'i8x16.narrow_i16x8_u'], [103, 'f32x4.ceil'], [104, 'f32x4.floor'],
  [105, 'f32x4.trunc'], [106, 'f32x4.nearest'], [107, 'i8x16.shl'], [108, 'i8x16.shr_s'], [109, 'i8x16.shr_u'],
  [110, 'i8x16.add'], [111, 'i8x16.add_sat_s'], [112, 'i8x16.add_sat_u'], [113, 'i8x16.sub'],
  [114, 'i8x16.sub_sat_s'], [115, 'i8x16.sub_sat_u'], [116, 'f64x2.ceil'], [117, 'f64x2.floor'],
  [118, 'i8x16.min_s'], [119, 'i8x16.min_u'], [120, 'i8x16.max_s'], [121, 'i8x16.max_u'], [122, 'f64x2.trunc'],
  [123, 'i8x16.avgr_u'], [124, 'i16x8.extadd_pairwise_i8x16_s'], [125, 'i16x8.extadd_pairwise_i8x16_u'],
  [126, 'i32x4.extadd_pairwise_i16x8_s'], [127, 'i32x4.extadd_pairwise_i16x8_u'],
  [128, 'i16x8.abs'], [129, 'i16x8.neg'], [130, 'i16x8.q15mulr_sat_s'], [131, 'i16x8.all_true'],
  [132, 'i16x8.bitmask'], [133, 'i16x8.narrow_i32x4_s'], [134, 'i16x8.narrow_i32x4_u'],
  [135, 'i16x8.extend_low_i8x16_s'], [136, 'i16x8.extend_high_i8x16_s'], [137, 'i16x8.extend_low_i8x16_u'],
  [138, 'i16x8.extend_high_i8x16_u'], [139, 'i16x8.shl'], [140, 'i16x8.shr_s'], [141, 'i16x8.shr_u'],
  [142, 'i16x8.add'], [143, 'i16x8.add_sat_s'], [144, 'i16x8.add_sat_u'], [145, 'i16x8.sub'],
  [146, 'i16x8.sub_sat_s'], [147, 'i16x8.sub_sat_u'], [148, 'f64x2.nearest'], [149, 'i16x8.mul'],
  [150, 'i16x8.min_s'], [151, 'i16x8.min_u'], [152, 'i16x8.max_s'], [153, 'i16x8.max_u'], [155, 'i16x8.avgr_u'],
  [156, 'i16x8.extmul_low_i8x16_s'], [157, 'i16x8.extmul_high_i8x16_s'], [158, 'i16x8.extmul_low_i8x16_u'],
  [159, 'i16x8.extmul_high_i8x16_u'],
  [160, 'i32x4.abs'], [161, 'i32x4.neg'], [163, 'i32x4.all_true'], [164, 'i32x4.bitmask'],
  [167, 'i32x4.extend_low_i16x8_s'], [168, 'i32x4.extend_high_i16x8_s'], [169, 'i32x4.extend_low_i16x8_u'],
  [170, 'i32x4.extend_high_i16x8_u'], [171, 'i32x4.shl'], [172, 'i32x4.shr_s'], [173, 'i32x4.shr_u'],
  [174, 'i32x4.add'], [177, 'i32x4.sub'], [181, 'i32x4.mul'], [182, 'i32x4.min_s'], [183, 'i32x4.min_u'],
  [184, 'i32x4.max_s'], [185, 'i32x4.max_u'], [186, 'i32x4.dot_i16x8_s'], [188, 'i32x4.extmul_low_i16x8_s'],
  [189, 'i32x4.extmul_high_i16x8_s'], [190, 'i32x4.extmul_low_i16x8_u'], [191, 'i32x4.extmul_high_i16x8_u'],
  [192, 'i64x2.abs'], [193, 'i64x2.neg'], [195, 'i64x2.all_true'], [196, 'i64x2.bitmask'],
  [199, 'i64x2.extend_low_i32x4_s'], [200, 'i64x2.extend_high_i32x4_s'], [201, 'i64x2.extend_low_i32x4_u'],
  [202, 'i64x2.extend_high_i32x4_u'], [203, 'i64x2.shl'], [204, 'i64x2.shr_s'], [205, 'i64x2.shr_u'],
  [206, 'i64x2.add'], [209, 'i64x2.sub'], [213, 'i64x2.mul'], [214, 'i64x2.eq'], [215, 'i64x2.ne'],
  [216, 'i64x2.lt_s'], [217, 'i64x2.gt_s'], [218, 'i64x2.le_s'], [219, 'i64x2.ge_s'],
  [220, 'i64x2.extmul_low_i32x4_s'], [221, 'i64x2.extmul_high_i32x4_s'], [222, 'i64x2.extmul_low_i32x4_u'],
  [223, 'i64x2.extmul_high_i32x4_u'],
  [224, 'f32x4.abs'], [225, 'f32x4.neg'], [227, 'f32x4.sqrt'], [228, 'f32x4.add'], [229, 'f32x4.sub'],
  [230, 'f32x4.mul'], [231, 'f32x4.div'], [232, 'f32x4.min'], [233, 'f32x4.max'], [234, 'f32x4.pmin'],
  [235, 'f32x4.pmax'], [236, 'f64x2.abs'], [237, 'f64x2.neg'], [239, 'f64x2.sqrt'], [240, 'f64x2.add'],
  [241, 'f64x2.sub'], [242, 'f64x2.mul'], [243, 'f64x2.div'], [244, 'f64x2.min'], [245, 'f64x2.max'],
  [246, 'f64x2.pmin'], [247, 'f64x2.pmax'], [248, 'i32x4.trunc_sat_f32x4_s'], [249, 'i32x4.trunc_sat_f32x4_u'],
  [250, 'f32x4.convert_i32x4_s'], [251, 'f32x4.convert_i32x4_u'], [252, 'i32x4.trunc_sat_f64x2_s_zero'],
  [253, 'i32x4.trunc_sat_f64x2_u_zero'], [254, 'f64x2.convert_low_i32x4_s'], [255, 'f64x2.convert_low_i32x4_u'],
];
for (const [sub, name, imm] of simd) def(FD | sub, name, imm ?? 'none', 'simd');
cmp.forEach((n, i) => def(FD | (35 + i), `i8x16.${n}`, 'none', 'simd'));
cmp.forEach((n, i) => def(FD | (45 + i), `i16x8.${n}`, 'none', 'simd'));
cmp.forEach((n, i) => def(FD | (55 + i), `i32x4.${n}`, 'none', 'simd'));
fcmp.forEach((n, i) => def(FD | (65 + i), `f32x4.${n}`, 'none', 'simd'));
fcmp.forEach((n, i) => def(FD | (71 + i), `f64x2.${n}`, 'none', 'simd'));
['i8x16.relaxed_swizzle', 'i32x4.relaxed_trunc_f32x4_s', 'i32x4.relaxed_trunc_f32x4_u',
  'i32x4.relaxed_trunc_f64x2_s_zero', 'i32x4.relaxed_trunc_f64x2_u_zero', 'f32x4.relaxed_madd',
  'f32x4.relaxed_nmadd', 'f64x2.relaxed_madd', 'f64x2.relaxed_nmadd', 'i8x16.relaxed_laneselect',
  'i16x8.relaxed_laneselect', 'i32x4.relaxed_laneselect', 'i64x2.relaxed_laneselect', 'f32x4.relaxed_min',
  'f32x4.relaxed_max', 'f64x2.relaxed_min', 'f64x2.relaxed_max', 'i16x8.relaxed_q15mulr_s',
  'i16x8.relaxed_dot_i8x16_i7x16_s', 'i32x4.relaxed_dot_i8x16_i7x16_add_s'].forEach((n, i) =>
  def(FD | (0x100 + i), n, 'none', 'relaxed-simd'),
);

// 0xFE prefix: threads / atomics
const FE = 0xfe << 16;
def(FE | 0x00, 'memory.atomic.notify', 'memarg', 'threads');
def(FE | 0x01, 'memory.atomic.wait32', 'memarg', 'threads');
def(FE | 0x02, 'memory.atomic.wait64', 'memarg', 'threads');
def(FE | 0x03, 'atomic.fence', 'fence', 'threads');
['i32.atomic.load', 'i64.atomic.load', 'i32.atomic.load8_u', 'i32.atomic.load16_u', 'i64.atomic.load8_u',
  'i64.atomic.load16_u', 'i64.atomic.load32_u', 'i32.atomic.store', 'i64.atomic.store', 'i32.atomic.store8',
  'i32.atomic.store16', 'i64.atomic.store8', 'i64.atomic.store16', 'i64.atomic.store32'].forEach((n, i) =>
  def(FE | (0x10 + i), n, 'memarg', 'threads'),
);
['add', 'sub', 'and', 'or', 'xor', 'xchg', 'cmpxchg'].forEach((rmw, k) =>
  ['i32.atomic.rmw', 'i64.atomic.rmw', 'i32.atomic.rmw8', 'i32.atomic.rmw16', 'i64.atomic.rmw8',
    'i64.atomic.rmw16', 'i64.atomic.rmw32'].forEach((base, i) =>
    def(FE | (0x1e + k * 7 + i), `${base}.${rmw}${i >= 2 ? '_u' : ''}`, 'memarg', 'threads'),
  ),
);

/** Frequently used opcodes. */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  brTable: 0x0e,
  return: 0x0f,
  call: 0x10,
  callIndirect: 0x11,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  globalGet: 0x23,
  globalSet: 0x24,
  memorySize: 0x3f,
  memoryGrow: 0x40,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i64LtU: 0x54,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i64Sub: 0x7d,
  i64Mul: 0x7e,
  i64ExtendI32U: 0xad,
  memoryInit: FC | 8,
  dataDrop: FC | 9,
  memoryCopy: FC | 10,
  memoryFill: FC | 11,
  tableInit: FC | 12,
  elemDrop: FC | 13,
  tableCopy: FC | 14,
  tableGrow: FC | 15,
  tableSize: FC | 16,
  tableFill: FC | 17,
} as const;

export function opName(code: number): string {
  return OPS.get(code)?.name ?? `0x${code.toString(16)}`;
}

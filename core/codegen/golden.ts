// Golden vectors: quantised inputs and the simulator's outputs, written into the crate so its native
// `cargo test` holds the Rust core to the simulator bit for bit. The set always has the corners and
// edges of the declared box (where overflow would show first) and, for trees, inputs on either side of
// every snapped threshold (where a wrong comparison would show first).
import { sizeOf } from '../ir/graph';
import type { Plan } from '../quant/types';
import { runFixed } from '../quant/simulate';
import type { ContractAbi } from './abi';
import { prng } from '../io/prng';

export interface GoldenVector {
  /** flat quantised inputs, all inputs in order */
  input: number[];
  /** flat outputs, all outputs in order */
  output: number[];
  /** predictLabel's answer, when the contract has one */
  label: number | null;
  kind: 'corner' | 'edge' | 'threshold' | 'random';
}


/** Golden vector count that keeps golden.txt under ~4 MB for wide inputs (never below 64). */
export function defaultVectorCount(abi: ContractAbi): number {
  const perVector = (abi.inputCount + abi.outputCount) * 7;
  return Math.max(64, Math.min(1024, Math.floor(4_000_000 / perVector)));
}

export function labelOf(abi: ContractAbi, output: number[]): number | null {
  const rule = abi.label;
  if (!rule) return null;
  let at = 0;
  for (let k = 0; k < rule.output; k++) at += abi.outputs[k].size;
  if (rule.kind === 'output') return output[at];
  let best = 0;
  for (let a = 1; a < rule.classes; a++) if (output[at + a] > output[at + best]) best = a;
  return best;
}

export function goldenVectors(plan: Plan, abi: ContractAbi, count: number, seed = 7): GoldenVector[] {
  const rnd = prng(seed);
  const inputs = plan.graph.inputs.map((i) => plan.tensors.get(i.id)!);
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const cases: { q: Float64Array[]; kind: GoldenVector['kind'] }[] = [];
  const make = (pick: (t: (typeof inputs)[number], i: number) => number, kind: GoldenVector['kind']) =>
    cases.push({ q: inputs.map((t) => Float64Array.from({ length: sizeOf(t.shape) }, (_, i) => pick(t, i))), kind });

  make((t, i) => t.qlo[i], 'corner');
  make((t, i) => t.qhi[i], 'corner');
  const corners = Math.min(126, Math.floor(count / 8));
  for (let k = 0; k < corners; k++) {
    if (k % 2 === 0) make((t, i) => (rnd() < 0.5 ? t.qlo[i] : t.qhi[i]), 'corner');
    else {
      // an edge: every coordinate at a bound but one
      const free = inputs.map((t) => Math.floor(rnd() * sizeOf(t.shape)));
      make((t, i) => (i === free[inputs.indexOf(t)] ? between(t.qlo[i], t.qhi[i]) : rnd() < 0.5 ? t.qlo[i] : t.qhi[i]), 'edge');
    }
  }
  // trees: both sides of thresholds the trees test
  const thresholds: { input: number; index: number; le: number }[] = [];
  for (const qn of plan.nodes) {
    if (qn.params.op !== 'trees' || qn.node.op.op !== 'trees') continue;
    const k = inputs.findIndex((t) => t.id === qn.node.inputs[0]);
    if (k < 0) continue;
    for (const tree of qn.params.trees) for (const n of tree.nodes) if (n.le !== undefined) thresholds.push({ input: k, index: n.feature, le: n.le });
  }
  const tCount = Math.min(thresholds.length * 2, Math.floor(count / 8));
  for (let k = 0; k < tCount; k++) {
    const th = thresholds[Math.floor(rnd() * thresholds.length)];
    const v = th.le + (k % 2);
    make((t, i) => {
      const own = inputs.indexOf(t) === th.input && i === th.index;
      return own ? Math.min(t.qhi[i], Math.max(t.qlo[i], v)) : between(t.qlo[i], t.qhi[i]);
    }, 'threshold');
  }
  while (cases.length < count) make((t, i) => between(t.qlo[i], t.qhi[i]), 'random');

  return cases.map(({ q, kind }) => {
    const values = runFixed(plan, new Map(plan.graph.inputs.map((inp, k) => [inp.id, q[k]])));
    const output = plan.graph.outputs.flatMap((o) => Array.from(values.get(o.id)!));
    return { input: q.flatMap((a) => Array.from(a)), output, label: labelOf(abi, output), kind };
  });
}

/** golden.txt: `inputs | outputs | label` per line, with a header comment. */
export function goldenText(vectors: GoldenVector[], header: string[]): string {
  const lines = header.map((h) => `# ${h}`);
  for (const v of vectors) lines.push(`${v.input.join(' ')} | ${v.output.join(' ')} | ${v.label ?? '-'}`);
  return lines.join('\n') + '\n';
}

/** tests/golden.rs: the native test over golden.txt, through `infer` and through `abi::dispatch`. */
export function goldenRs(coreLib: string, abi: ContractAbi, minVectors: number, policy: 'revert' | 'clamp'): string {
  const widths = abi.outputs.flatMap((o) => new Array<number>(o.size).fill(o.bits / 8));
  const inWidths = abi.inputs.flatMap((o) => new Array<number>(o.size).fill(o.bits / 8));
  const L: string[] = [];
  L.push('//! Golden vectors written by stylus-ml from its bit-exact simulator: the Rust core must reproduce');
  L.push('//! every output bit for bit, through `model::infer` and through the contract ABI (`abi::dispatch`).');
  L.push('//! The vectors include the corners and edges of the declared input box.');
  L.push('');
  L.push(`use ${coreLib}::{abi, model};`);
  L.push('');
  L.push('const VECTORS: &str = include_str!("golden.txt");');
  L.push('/// `formats()` return data as solc / viem encode it.');
  L.push(`const FORMATS_HEX: &str = "${Buffer.from(abi.formatsEncoded).toString('hex')}";`);
  L.push(`const MIN_VECTORS: usize = ${minVectors};`);
  L.push('#[rustfmt::skip]');
  L.push(`const INPUT_WIDTHS: [usize; ${inWidths.length}] = [${inWidths.join(', ')}];`);
  L.push('#[rustfmt::skip]');
  L.push(`const OUTPUT_WIDTHS: [usize; ${widths.length}] = [${widths.join(', ')}];`);
  L.push('');
  L.push('struct Vector {');
  L.push('    line: usize,');
  L.push('    input: Vec<i64>,');
  L.push('    output: Vec<i64>,');
  L.push('    label: Option<i64>,');
  L.push('}');
  L.push('');
  L.push('fn ints(s: &str) -> Vec<i64> {');
  L.push('    s.split_whitespace().map(|v| v.parse().unwrap()).collect()');
  L.push('}');
  L.push('');
  L.push('fn vectors() -> Vec<Vector> {');
  L.push('    let mut out = Vec::new();');
  L.push('    for (i, line) in VECTORS.lines().enumerate() {');
  L.push("        if line.is_empty() || line.starts_with('#') {");
  L.push('            continue;');
  L.push('        }');
  L.push("        let parts: Vec<&str> = line.split('|').collect();");
  L.push('        let label = parts[2].trim().parse().ok();');
  L.push('        out.push(Vector {');
  L.push('            line: i + 1,');
  L.push('            input: ints(parts[0]),');
  L.push('            output: ints(parts[1]),');
  L.push('            label,');
  L.push('        });');
  L.push('    }');
  L.push('    out');
  L.push('}');
  L.push('');
  L.push('fn hex(b: &[u8]) -> String {');
  L.push('    b.iter().map(|x| format!("{:02x}", x)).collect()');
  L.push('}');
  L.push('');
  L.push('fn word(v: i64) -> [u8; 32] {');
  L.push('    let mut w = [if v < 0 { 0xff } else { 0 }; 32];');
  L.push('    w[24..].copy_from_slice(&v.to_be_bytes());');
  L.push('    w');
  L.push('}');
  L.push('');
  L.push('fn call(selector: u32, words: &[i64], tail: &[u8]) -> Result<Vec<u8>, Vec<u8>> {');
  L.push('    let mut data = selector.to_be_bytes().to_vec();');
  L.push('    for &w in words {');
  L.push('        data.extend_from_slice(&word(w));');
  L.push('    }');
  L.push('    data.extend_from_slice(tail);');
  L.push('    let mut out = [0u8; abi::MAX_RETURN];');
  L.push('    match abi::dispatch(&data, &mut out, &mut workspace()) {');
  L.push('        Ok(n) => Ok(out[..n].to_vec()),');
  L.push('        Err(n) => Err(out[..n].to_vec()),');
  L.push('    }');
  L.push('}');
  L.push('');
  L.push('fn predict_words(input: &[i64]) -> Vec<i64> {');
  L.push('    let mut w = vec![32, input.len() as i64];');
  L.push('    w.extend_from_slice(input);');
  L.push('    w');
  L.push('}');
  L.push('');
  L.push('fn packed(values: &[i64], widths: &[usize]) -> Vec<u8> {');
  L.push('    let mut b = Vec::new();');
  L.push('    for (v, w) in values.iter().zip(widths) {');
  L.push('        b.extend_from_slice(&v.to_le_bytes()[..*w]);');
  L.push('    }');
  L.push('    b');
  L.push('}');
  L.push('');
  L.push('/// A zeroed workspace on the heap (it may be larger than a test thread\'s stack).');
  L.push('fn workspace() -> Box<model::Workspace> {');
  L.push('    let layout = std::alloc::Layout::new::<model::Workspace>();');
  L.push('    // SAFETY: the workspace is integer arrays, for which all-zero bytes are a value (Workspace::ZERO),');
  L.push('    // and its layout is never zero-sized (a model has inputs).');
  L.push('    unsafe { Box::from_raw(std::alloc::alloc_zeroed(layout) as *mut model::Workspace) }');
  L.push('}');
  L.push('');
  L.push('fn infer(input: &[i64]) -> Result<Vec<i64>, abi::Revert> {');
  L.push('    let values: Vec<i32> = input.iter().map(|&v| v as i32).collect();');
  L.push('    let mut w = workspace();');
  L.push('    abi::admit_values(&values, &mut w.x)?;');
  L.push('    abi::run(&mut w)?;');
  L.push('    Ok(abi::output_values(&w.y).iter().map(|&v| v as i64).collect())');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push('fn golden_vectors_match_the_simulator_bit_for_bit() {');
  L.push('    let all = vectors();');
  L.push('    let n = all.len();');
  L.push('    assert!(n >= MIN_VECTORS, "golden.txt has {} vectors", n);');
  L.push('    for v in &all {');
  L.push('        let got = infer(&v.input);');
  L.push('        assert_eq!(got, Ok(v.output.clone()), "golden.txt line {}", v.line);');
  L.push('    }');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push('fn predict_through_the_abi_matches_the_golden_outputs() {');
  L.push('    for v in vectors().iter().take(64) {');
  L.push('        let words = predict_words(&v.input);');
  L.push('        let ret = call(abi::SEL_PREDICT, &words, &[]);');
  L.push('        let mut want = vec![32, v.output.len() as i64];');
  L.push('        want.extend_from_slice(&v.output);');
  L.push('        let want: Vec<u8> = want.iter().flat_map(|&w| word(w)).collect();');
  L.push('        assert_eq!(ret, Ok(want), "predict, line {}", v.line);');
  if (abi.label) {
    L.push('        let ret = call(abi::SEL_PREDICT_LABEL, &words, &[]);');
    L.push('        let want = word(v.label.unwrap()).to_vec();');
    L.push('        assert_eq!(ret, Ok(want), "predictLabel, line {}", v.line);');
  }
  L.push('        let bytes = packed(&v.input, &INPUT_WIDTHS);');
  L.push('        let mut tail = bytes.clone();');
  L.push('        tail.resize((bytes.len() + 31) / 32 * 32, 0);');
  L.push('        let head = [32, bytes.len() as i64];');
  L.push('        let ret = call(abi::SEL_PREDICT_PACKED, &head, &tail).unwrap();');
  L.push('        let out = packed(&v.output, &OUTPUT_WIDTHS);');
  L.push('        let n = out.len();');
  L.push('        assert_eq!(ret[64..64 + n], out[..], "packed, line {}", v.line);');
  L.push('        assert_eq!(ret[32..64], word(n as i64));');
  L.push('    }');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push('fn predict_batch_equals_each_case_and_refuses_over_the_maximum() {');
  L.push('    let all = vectors();');
  L.push('    let take = all.len().min(abi::MAX_BATCH);');
  L.push('    let mut bytes = Vec::new();');
  L.push('    let mut want = Vec::new();');
  L.push('    for v in &all[..take] {');
  L.push('        bytes.extend(packed(&v.input, &INPUT_WIDTHS));');
  L.push('        want.extend(packed(&v.output, &OUTPUT_WIDTHS));');
  L.push('    }');
  L.push('    let batch = |bytes: &Vec<u8>| {');
  L.push('        let mut tail = bytes.clone();');
  L.push('        tail.resize((bytes.len() + 31) / 32 * 32, 0);');
  L.push('        call(abi::SEL_PREDICT_BATCH, &[32, bytes.len() as i64], &tail)');
  L.push('    };');
  L.push('    let ret = batch(&bytes).unwrap();');
  L.push('    let n = want.len();');
  L.push('    assert_eq!(ret[32..64], word(n as i64));');
  L.push('    assert_eq!(ret[64..64 + n], want[..], "{} cases in one call", take);');
  L.push('    // one case over the maximum: BatchTooLarge(maximum, got)');
  L.push('    let one = packed(&all[0].input, &INPUT_WIDTHS);');
  L.push('    let mut over = Vec::new();');
  L.push('    for _ in 0..abi::MAX_BATCH + 1 {');
  L.push('        over.extend(one.iter().copied());');
  L.push('    }');
  L.push('    let err = batch(&over).unwrap_err();');
  L.push('    assert_eq!(err[..4], abi::ERR_BATCH_TOO_LARGE.to_be_bytes());');
  L.push('    assert_eq!(err[4..36], word(abi::MAX_BATCH as i64));');
  L.push('    assert_eq!(err[36..68], word(abi::MAX_BATCH as i64 + 1));');
  L.push('    // the minimal template refuses calldata too long for its buffer the same way');
  L.push('    let len = 68 + (over.len() + 31) / 32 * 32;');
  L.push('    assert!(len > abi::MAX_CALLDATA);');
  L.push('    let too_many = abi::Revert::BatchTooLarge(abi::MAX_BATCH, abi::MAX_BATCH + 1);');
  L.push('    assert_eq!(abi::oversized(len), too_many);');
  L.push('    // not a whole number of cases, or none: InvalidInputLength');
  L.push('    let err = batch(&one[..one.len() - 1].to_vec()).unwrap_err();');
  L.push('    assert_eq!(err[..4], abi::ERR_INVALID_INPUT_LENGTH.to_be_bytes());');
  L.push('    assert!(batch(&Vec::new()).is_err());');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push('fn model_hash_and_formats_are_returned() {');
  L.push('    let hash = call(abi::SEL_MODEL_HASH, &[], &[]);');
  L.push('    assert_eq!(hash, Ok(abi::MODEL_HASH.to_vec()));');
  L.push('    let formats = call(abi::SEL_FORMATS, &[], &[]).unwrap();');
  L.push('    assert_eq!(hex(&formats), FORMATS_HEX);');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push('fn malformed_calls_revert() {');
  L.push('    let all = vectors();');
  L.push('    let n = all[0].input.len();');
  L.push('    // one value short: the named error with both lengths');
  L.push('    let short = predict_words(&all[0].input[..n - 1]);');
  L.push('    let err = call(abi::SEL_PREDICT, &short, &[]).unwrap_err();');
  L.push('    let sel = abi::ERR_INVALID_INPUT_LENGTH.to_be_bytes();');
  L.push('    assert_eq!(err[..4], sel);');
  L.push('    assert_eq!(err[4..36], word(abi::INPUT_COUNT as i64));');
  L.push('    assert_eq!(err[36..68], word(n as i64 - 1));');
  L.push('    // an unknown selector and a truncated call revert without data');
  L.push('    assert_eq!(call(0xdeadbeef, &[], &[]), Err(vec![]));');
  L.push('    let mut out = [0u8; abi::MAX_RETURN];');
  L.push('    assert_eq!(abi::dispatch(&[1, 2], &mut out, &mut workspace()), Err(0));');
  L.push('}');
  L.push('');
  L.push('#[test]');
  L.push(`fn inputs_outside_the_box_${policy === 'clamp' ? 'are_clamped' : 'revert_with_input_out_of_range'}() {`);
  L.push('    let all = vectors();');
  L.push('    // the all-low corner is the first vector: one step below it is outside the box');
  L.push('    let low = &all[0];');
  L.push('    let mut below = low.input.clone();');
  L.push('    below[0] -= 1;');
  L.push('    let r = infer(&below);');
  if (policy === 'clamp') {
    L.push('    assert_eq!(r, Ok(low.output.clone()), "clamped to the corner");');
  } else {
    L.push('    assert_eq!(r, Err(abi::Revert::InputOutOfRange(0, below[0])));');
    L.push('    let words = predict_words(&below);');
    L.push('    let err = call(abi::SEL_PREDICT, &words, &[]).unwrap_err();');
    L.push('    let sel = abi::ERR_INPUT_OUT_OF_RANGE.to_be_bytes();');
    L.push('    assert_eq!(err[..4], sel);');
    L.push('    assert_eq!(err[36..68], word(below[0]));');
  }
  L.push('}');
  return L.join('\n') + '\n';
}

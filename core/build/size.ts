// Where a program's bytes go, and what to do when it does not fit: weights by layer (from the manifest)
// against code, each with its share of the compressed size, and concrete ways to get under the limits.
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { brotliCompress } from './deploy-bytes';
import { sectionBytes } from './wasm-sections';
import type { Manifest } from '../manifest/schema';

/** EF F0 00 + dictionary byte in front of the brotli stream. */
export const PREFIX_BYTES = 4;

export interface SizeContributor {
  what: string;
  kind: 'weights' | 'code' | 'other';
  bytes: number;
  /** this part's share of the compressed program (weights: pro rata of the data section) */
  compressedBytes: number;
}

const WIDTH: Record<string, number> = { i8: 1, i16: 2, i32: 4 };

export function sizeContributors(wasm: Uint8Array, manifest: Manifest | null): SizeContributor[] {
  const { code, data, other } = sectionBytes(wasm);
  const dataZ = data.length ? brotliCompress(data).length : 0;
  const codeZ = code.length ? brotliCompress(code).length : 0;
  const out: SizeContributor[] = [];
  const layers = (manifest?.layers ?? []).filter((l) => l.weightFormat && l.params > 0);
  const est = layers.map((l) => l.params * WIDTH[l.weightFormat!.storage]);
  const estTotal = est.reduce((a, b) => a + b, 0);
  // weights live in the data section unless the lowering put them in code
  const inData = estTotal > 0 && estTotal <= data.length * 1.05;
  layers.forEach((l, i) => {
    const share = inData ? est[i] / Math.max(data.length, 1) : est[i] / Math.max(code.length, 1);
    out.push({ what: `${l.fn} (${l.op}, ${l.params} params, ${l.weightFormat!.storage})`, kind: 'weights', bytes: est[i], compressedBytes: Math.round(share * (inData ? dataZ : codeZ)) });
  });
  const restData = inData ? data.length - estTotal : data.length;
  if (restData > 0) out.push({ what: 'other data (tables, constants)', kind: 'other', bytes: restData, compressedBytes: Math.round((restData / Math.max(data.length, 1)) * dataZ) });
  const codeOnly = inData ? code.length : Math.max(0, code.length - estTotal);
  out.push({ what: 'code', kind: 'code', bytes: codeOnly, compressedBytes: Math.round((codeOnly / Math.max(code.length, 1)) * codeZ) });
  out.push({ what: 'module structure (types, imports, exports, ...)', kind: 'other', bytes: other, compressedBytes: 0 });
  return out.sort((a, b) => b.compressedBytes - a.compressedBytes);
}

/** What to do about a program over the limits. */
export function sizeAdvice(opts: { compressedBytes: number; wasmBytes: number; maxWasmSize: number; contributors: SizeContributor[]; manifest: Manifest | null }): string[] {
  const advice: string[] = [];
  const { compressedBytes, wasmBytes, maxWasmSize, contributors, manifest } = opts;
  const over = compressedBytes - MAX_CODE_SIZE;
  const weightsZ = contributors.filter((c) => c.kind === 'weights').reduce((a, c) => a + c.compressedBytes, 0);
  const codeZ = contributors.filter((c) => c.kind === 'code').reduce((a, c) => a + c.compressedBytes, 0);
  const params = contributors.filter((c) => c.kind === 'weights').reduce((a, c) => a + c.bytes, 0);
  if (over > 0) {
    advice.push(`the program is ${over.toLocaleString('en-US')} bytes over the ${MAX_CODE_SIZE.toLocaleString('en-US')}-byte code limit (${compressedBytes.toLocaleString('en-US')} bytes compressed, ${Math.round((100 * weightsZ) / compressedBytes)}% weights, ${Math.round((100 * codeZ) / compressedBytes)}% code)`);
    const wide = (manifest?.layers ?? []).some((l) => l.weightFormat && l.weightFormat.storage !== 'i8');
    if (wide) advice.push(`regenerate with --weights i8: weights stored in 8 bits take about ${manifest?.options.weights === 'i32' ? 'a quarter' : 'half'} the bytes (check the accuracy with stylus-ml simulate)`);
    const ratio = params > 0 ? weightsZ / params : 1;
    const optimize = (manifest as { options?: { optimize?: string } } | null)?.options?.optimize;
    if (optimize === 'gas') advice.push('regenerate without --optimize gas (or with --optimize size): weights as immediates take several times the bytes of weights in a data segment');
    else if (codeZ > 2000) advice.push(`regenerate with --optimize size (rolled loops, tree tables): the code is ${codeZ.toLocaleString('en-US')} bytes compressed`);
    const fit = Math.floor((MAX_CODE_SIZE - PREFIX_BYTES - Math.min(Math.max(codeZ, 1500), 4000)) / Math.max(ratio, 0.5));
    advice.push(`reduce the model: at ${ratio.toFixed(2)} compressed bytes per weight byte, about ${fit.toLocaleString('en-US')} weight bytes fit next to the code`);
    const layout = manifest?.layout?.kind;
    if (layout !== 'data') advice.push('or regenerate with --layout data: the dense layers\' weights go to data contracts read at call time (any size; see `stylus-ml estimate`), or --layout fragments for a root program and fragments (ArbOS 60 and later)');
  }
  if (wasmBytes > maxWasmSize) advice.push(`the module is ${wasmBytes.toLocaleString('en-US')} bytes uncompressed, over nitro's ${maxWasmSize.toLocaleString('en-US')}-byte MaxWasmSize (256 KiB from ArbOS 60)`);
  return advice;
}

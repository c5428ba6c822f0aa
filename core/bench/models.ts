// The fixed model set of the feasibility report (stylus-ml bench) and of the gas-estimate test: trees of
// growing size, linear models, MLPs of growing width, CNNs — synthetic (seeded) plus the bundled samples.
import fs from 'node:fs';
import path from 'node:path';
import { cnn, forest, mlp } from '../onnx/builder';

export interface BenchModel {
  name: string;
  bytes: () => Uint8Array;
  /** the declared input box */
  range: string;
}

/** samples/ beside the sources (tsx) or the bundle (dist/). */
function sample(file: string): Uint8Array {
  for (const dir of [path.join(__dirname, '..', '..', 'samples'), path.join(__dirname, '..', 'samples')]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return fs.readFileSync(p);
  }
  throw new Error(`bundled sample ${file} is missing`);
}

export const BENCH_MODELS: BenchModel[] = [
  { name: 'forest 10 trees depth 4', bytes: () => forest({ trees: 10, depth: 4 }), range: '-6:6' },
  { name: 'forest 20 trees depth 5', bytes: () => forest({ trees: 20, depth: 5, seed: 5 }), range: '-6:6' },
  { name: 'iris forest (skl2onnx)', bytes: () => sample('iris-forest.onnx'), range: '0:8' },
  { name: 'iris logreg (skl2onnx)', bytes: () => sample('iris-logreg.onnx'), range: '0:8' },
  { name: 'linear 64-10', bytes: () => mlp([64, 10], { batch: 1 }), range: '0:16' },
  { name: 'mlp 64-16-10', bytes: () => mlp([64, 16, 10], { batch: 1 }), range: '0:16' },
  { name: 'mlp 64-32-10 (8x8 digits)', bytes: () => mlp([64, 32, 10], { batch: 1 }), range: '0:16' },
  { name: 'mlp 64-64-10', bytes: () => mlp([64, 64, 10], { batch: 1 }), range: '0:16' },
  { name: 'mlp 64-128-10', bytes: () => mlp([64, 128, 10], { batch: 1 }), range: '0:16' },
  { name: 'cnn 8x8 4 filters', bytes: () => cnn(), range: '0:1' },
  { name: 'cnn 16x16 8 filters', bytes: () => cnn({ size: 16, filters: 8 }), range: '0:1' },
];

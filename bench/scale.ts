// Issue 13 benchmark: the real-size models (mnist-8, a 28×28 CNN, 100k and 1M-parameter i8 MLPs) built,
// deployed part by part and called on the embedded devnode — parameters, compressed bytes, parts,
// deployment and predict gas, ink per multiply-accumulate, the estimate's error, the EVM baseline — and,
// from the estimator, the largest MLP each layout fits in one transaction under the 32M cap.
import { runScale } from '../core/bench/scale';
import type { BenchResult } from './types';

export async function benchScale(): Promise<BenchResult[]> {
  const r = await runScale({ log: (l) => process.stderr.write(`  ${l}\n`) });
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  return [
    {
      title: 'Real-size models on the devnode (predictPacked on handwriting-like 28×28 inputs, i8 weights)',
      columns: ['model', 'params', 'MACs', 'layout', 'parts', 'compressed B', 'deploy gas', 'activation gas', 'predict gas', 'ink/MAC', 'estimate err', 'deploy est err', 'EVM baseline'],
      rows: r.rows.map((x) => ({
        model: x.model,
        params: x.params,
        MACs: x.macs,
        layout: x.layout,
        parts: x.parts,
        'compressed B': x.compressedBytes,
        'deploy gas': x.deployGas,
        'activation gas': x.activationGas,
        'predict gas': Math.round(x.predictGas),
        'ink/MAC': Math.round(x.inkPerMac),
        'estimate err': pct(x.estimate.error),
        'deploy est err': pct(x.estimate.deployError),
        'EVM baseline': 'totalTxGas' in x.evm ? Math.round(x.evm.totalTxGas) : x.evm.reason,
      })),
      notes: [
        'deploy gas: every deployment transaction (data contracts, fragments and the program); predict gas: the transaction\'s receipt',
        'ink/MAC: the dense and convolution layers\' ink (hostios excluded) over their multiply-accumulates, from the per-function profile',
      ],
    },
    {
      title: 'Largest 784→H→10 i8 MLP per layout in one transaction (estimator, 32M gas cap)',
      columns: ['layout', 'H', 'params', 'execution gas', 'what stops a larger one'],
      rows: r.largest.map((l) => ({ layout: l.layout, H: l.hidden, params: l.params, 'execution gas': l.executionGas, 'what stops a larger one': l.limit })),
    },
  ];
}

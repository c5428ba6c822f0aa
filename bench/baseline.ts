// Issue 5 benchmark, EVM side: the Solidity baseline of each model in a fixed set (trees of growing size,
// linear, MLPs of growing width, CNNs) deployed to the embedded devnode and measured like the Stylus
// program — eth_estimateGas of `predict` on inputs inside the box, split into intrinsic + calldata gas and
// execution gas. The Stylus figures for the same models come from the Stylus bench; this table is the
// EVM column of that comparison. Figures, not assertions.
import { connect } from '../core/chain/index';
import { startEmbeddedDevnode } from '../devnode/index';
import { loadGraph } from '../core/onnx/import';
import { prepareModel } from '../core/pipeline';
import type { Plan } from '../core/quant/types';
import { modelSize } from '../core/bench/feasibility';
import { buildBaseline, deployBaseline, predictGas } from '../core/baseline';
import { prng } from '../test/fixtures/onnx-builder';
import { BASELINE_MODELS } from '../test/fixtures/bench-models';

export { BASELINE_MODELS };
import type { BenchResult } from './types';

const INPUTS = 5;



function boxInputs(plan: Plan, n: number): number[][] {
  const rnd = prng(42);
  const lo: number[] = [];
  const hi: number[] = [];
  for (const inp of plan.graph.inputs) {
    const t = plan.tensors.get(inp.id)!;
    lo.push(...t.qlo);
    hi.push(...t.qhi);
  }
  return Array.from({ length: n }, () => lo.map((l, i) => l + Math.floor(rnd() * (hi[i] - l + 1))));
}

export async function benchBaseline(): Promise<BenchResult> {
  const client = await connect({ mode: 'embedded', port: 0, inProcess: startEmbeddedDevnode });
  const rows: BenchResult['rows'] = [];
  const notes: string[] = [];
  try {
    for (const m of BASELINE_MODELS) {
      const bytes = m.bytes();
      const plan = prepareModel(m.name, { inputRange: m.range }, { bytes, graph: loadGraph(bytes, { file: m.name }) }).plan;
      const { params, macs } = modelSize(plan);
      let built;
      try {
        built = buildBaseline(plan);
      } catch (e) {
        rows.push({ model: m.name, params, MACs: macs, 'code bytes': 'n/a', 'deploy gas': 'n/a', 'tx gas': 'n/a', 'exec gas': 'n/a', 'exec gas/MAC': 'n/a' });
        notes.push(`${m.name}: ${(e as Error).message.split('\n')[0]}`);
        continue;
      }
      if (built.immediateBudget === 0) notes.push(`${m.name}: immediates would exceed EIP-170, every layer packed`);
      const { address, deployGas } = await deployBaseline(client, built);
      let tx = 0;
      let exec = 0;
      for (const flat of boxInputs(plan, INPUTS)) {
        const g = await predictGas(client, address, built.abi, flat);
        tx += g.totalGas;
        exec += g.executionGas;
      }
      tx /= INPUTS;
      exec /= INPUTS;
      rows.push({
        model: m.name,
        params,
        MACs: macs,
        'code bytes': built.deployedBytes,
        'deploy gas': Number(deployGas),
        'tx gas': Math.round(tx),
        'exec gas': Math.round(exec),
        'exec gas/MAC': macs ? exec / macs : 'n/a',
      });
    }
  } finally {
    await client.close();
  }
  notes.push(`eth_estimateGas of predict(int32[]) on the embedded devnode, mean of ${INPUTS} inputs inside the box; exec gas = tx gas − 21,000 − calldata gas`);
  notes.push('solc (npm) optimizer 200 runs, cancun; dense layers ≤ 1,024 weights unrolled with immediates, larger ones packed in loops; trees as tables');
  return { title: 'EVM baseline: predict gas per model (Solidity, same integer semantics as the Stylus program)', columns: ['model', 'params', 'MACs', 'code bytes', 'deploy gas', 'tx gas', 'exec gas', 'exec gas/MAC'], rows, notes };
}

// stylus-ml inspect MODEL.onnx
import { UnsupportedModelError } from '../errors';
import { importModel } from '../onnx/import';
import { readModelFile } from '../pipeline';
import { inspectReport } from '../report/inspect';
import type { Command } from './command';
import { InspectJsonSchema } from '../contracts/cli';
import { num, shape, table } from './format';

export const inspectCommand: Command<typeof InspectJsonSchema> = {
  spec: {
    name: 'inspect',
    summary: 'Graph summary: inputs and outputs, every node with its op, shapes, parameters and MACs, and whether it is supported. Exit 2 when any node is unsupported.',
    usage: 'stylus-ml inspect MODEL.onnx [--json]',
    flags: {},
    positionals: ['model'],
  },
  output: InspectJsonSchema,
  async run(args) {
    const file = args.positionals[0];
    const r = importModel(readModelFile(file), { file });
    const report = inspectReport(file, r);
    const lines = [
      `model    ${file}${report.producer ? `  (${report.producer})` : ''}`,
      `opsets   ${Object.entries(report.opsets).map(([d, v]) => `${d} ${v}`).join(', ')}`,
      `inputs   ${report.inputs.map((i) => `${i.name} ${i.dtype} ${shape(i.shape)}`).join('; ')}`,
      `outputs  ${report.outputs.map((o) => `${o.name} ${o.dtype} ${shape(o.shape)}`).join('; ')}`,
      '',
      table(
        ['#', 'node', 'op', 'supported', 'params', 'MACs', 'output shape'],
        report.nodes.map((n, i) => [i, n.name, n.domain === 'ai.onnx' ? n.op : `${n.domain}::${n.op}`, n.supported ? (n.reason ? 'blocked' : 'yes') : 'NO', num(n.params), num(n.macs), n.outputShapes.map(shape).join(' ')]),
        [true, false, false, false, true, true, false],
      ),
      '',
      `totals   ${num(report.totals.params)} parameters, ${num(report.totals.macs)} multiply-accumulates, ${report.totals.nodes} nodes`,
    ];
    for (const n of report.nodes) if (n.reason) lines.push(`  ${n.name}: ${n.reason}`);
    for (const note of report.notes) lines.push(`note     ${note}`);
    lines.push(report.unsupported.length ? `status   ${report.unsupported.length} unsupported node(s)` : 'status   every node is supported');
    return {
      json: report,
      text: lines.join('\n'),
      error: report.unsupported.length ? new UnsupportedModelError(file, r.unsupported) : undefined,
    };
  },
};

// stylus-ml demo: the pipeline end to end on the bundled sample model, narrated.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { Command, CommandResult } from './command';
import { inspectCommand } from './inspect';
import { simulateCommand } from './simulate';

/** samples/ next to the package (dist/../samples when bundled, core/cli/../../samples from sources). */
export function samplesDir(): string {
  for (const c of [path.join(__dirname, '..', 'samples'), path.join(__dirname, '..', '..', 'samples')]) if (fs.existsSync(path.join(c, 'iris-forest.onnx'))) return c;
  throw new UserError('the bundled samples/ folder is missing from this installation');
}

export const demoCommand: Command = {
  spec: {
    name: 'demo',
    summary: 'Runs the pipeline end to end on the bundled iris random forest: inspect, then float vs fixed-point simulation.',
    usage: 'stylus-ml demo [--json]',
    flags: {},
    positionals: [],
  },
  async run(args) {
    const dir = samplesDir();
    const model = path.join(dir, 'iris-forest.onnx');
    const inputs = path.join(dir, 'iris-inputs.json');
    const steps: { step: string; result: CommandResult }[] = [];
    const inspect = await inspectCommand.run({ positionals: [model], flags: {} });
    steps.push({ step: 'inspect', result: inspect });
    const sim = await simulateCommand.run({ positionals: [model], flags: { input: inputs, 'input-range': '0:8' } });
    steps.push({ step: 'simulate', result: sim });
    const text = steps.map((s, i) => `=== step ${i + 1}: stylus-ml ${s.step} ===\n${s.result.text}`).join('\n\n');
    void args;
    return { json: Object.fromEntries(steps.map((s) => [s.step, s.result.json])), text, error: steps.find((s) => s.result.error)?.result.error };
  },
};

// stylus-ml demo: the whole pipeline on the bundled iris random forest, narrated — inspect, simulate,
// generate a crate, build it to wasm, start the embedded devnode, deploy, activate and call predict,
// and check the on-chain answer against the simulator.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { startEmbeddedDevnode } from '../../devnode/index';
import type { Command, CommandResult } from './command';
import { DemoJsonSchema } from '../contracts/cli';
import { inspectCommand } from './inspect';
import { simulateCommand } from './simulate';
import { newCommand } from './new';
import { buildCommand } from './build';
import { deployCommand } from './deploy';
import { callCommand } from './call';

/** samples/ next to the package (dist/../samples when bundled, core/cli/../../samples from sources). */
export function samplesDir(): string {
  for (const c of [path.join(__dirname, '..', 'samples'), path.join(__dirname, '..', '..', 'samples')]) if (fs.existsSync(path.join(c, 'iris-forest.onnx'))) return c;
  throw new UserError('the bundled samples/ folder is missing from this installation');
}

export const demoCommand: Command<typeof DemoJsonSchema> = {
  spec: {
    name: 'demo',
    summary: 'Runs the whole pipeline on the bundled iris random forest: inspect, simulate, new, build, deploy to the embedded devnode, call predict and compare with the simulator.',
    usage: 'stylus-ml demo [--out DIR] [--json]',
    flags: { out: { kind: 'string', help: 'where to generate the crate (default: a new temporary folder)' } },
    positionals: [],
  },
  output: DemoJsonSchema,
  async run(args) {
    const dir = samplesDir();
    const model = path.join(dir, 'iris-forest.onnx');
    const inputs = path.join(dir, 'iris-inputs.json');
    const crate = (args.flags.out as string | undefined) ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-demo-')), 'iris-forest');
    const steps: { step: string; result: CommandResult }[] = [];
    const step = async (name: string, run: () => Promise<CommandResult>) => {
      const result = await run();
      steps.push({ step: name, result });
      if (result.error) throw result.error;
    };
    let failure: UserError | undefined;
    try {
      await step('inspect', () => inspectCommand.run({ positionals: [model], flags: {} }));
      await step('simulate', () => simulateCommand.run({ positionals: [model], flags: { input: inputs, 'input-range': '0:8' } }));
      await step('new', () => newCommand.run({ positionals: [model], flags: { out: crate, template: 'minimal', 'input-range': '0:8' } }));
      await step('build', () => buildCommand.run({ positionals: [crate], flags: {} }));
      const node = await startEmbeddedDevnode({ port: 0 });
      try {
        await step('deploy', () => deployCommand.run({ positionals: [crate], flags: { rpc: node.url } }));
        await step('call', () => callCommand.run({ positionals: [crate], flags: { input: inputs, rpc: node.url } }));
      } finally {
        await node.stop();
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      failure = e;
    }
    const text = [
      ...steps.map((s, i) => `=== step ${i + 1}: stylus-ml ${s.step} ===\n${s.result.text}`),
      failure ? `\nthe demo stopped at step ${steps.length + (steps.at(-1)?.result.error ? 0 : 1)}: ${failure.message}` : `\nthe crate is in ${crate}`,
    ].join('\n\n');
    return { json: { crate, ...Object.fromEntries(steps.map((s) => [s.step, s.result.json])) }, text, error: failure };
  },
};

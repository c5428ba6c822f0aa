// stylus-ml bench [--report OUT.md]: the feasibility report — a fixed model set as Stylus programs and
// as EVM baselines on the embedded devnode, measured alike, with the break-even and two SVG charts.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { runFeasibility } from '../bench/feasibility';
import { runScale, SCALE_MODELS } from '../bench/scale';
import { BENCH_MODELS } from '../bench/models';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { feasibilityCharts, feasibilityMarkdown } from '../report/feasibility';
import type { Command } from './command';
import { BenchJsonSchema } from '../contracts/cli';

/** Writes the report and its charts into the report's folder, each through a temp file and a rename. */
function writeReport(file: string, files: Record<string, string>): string[] {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const target = path.join(dir, name);
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
    written.push(target);
  }
  return written;
}

export const benchCommand: Command<typeof BenchJsonSchema> = {
  spec: {
    name: 'bench',
    summary: 'Builds a fixed set of models (trees, linear, MLPs, CNNs) as Stylus programs and as EVM baselines, measures predict on the embedded devnode and reports gas, ratios, sizes, estimate error and the break-even; --report writes markdown with SVG charts.',
    usage: 'stylus-ml bench [--report OUT.md] [--only NAME] [--inputs N] [--no-scale] [--json]',
    flags: {
      'no-scale': { kind: 'boolean', help: 'leave out the real-size models (mnist-8, a 28×28 CNN, 100k and 1M-parameter MLPs: a few minutes)' },
      report: { kind: 'string', help: 'write the report (markdown) here, with gas-vs-params.svg and exec-vs-macs.svg beside it' },
      only: { kind: 'string', help: 'only the models whose name contains this text' },
      inputs: { kind: 'number', help: 'inputs of the box measured per model (default 5)' },
    },
    positionals: [],
  },
  output: BenchJsonSchema,
  async run(args) {
    const inputs = args.flags.inputs as number | undefined;
    if (inputs !== undefined && (!Number.isInteger(inputs) || inputs < 1)) throw new UserError('--inputs must be a positive integer');
    const report = args.flags.report as string | undefined;
    if (report && !report.endsWith('.md')) throw new UserError(`--report: give a markdown file name ending in .md, got '${report}'`);
    const only = args.flags.only as string | undefined;
    const log = (l: string) => process.stderr.write(`${l}\n`);
    const scaleWanted = !args.flags['no-scale'] && (!only || SCALE_MODELS.some((m) => m.name.toLowerCase().includes(only.toLowerCase())));
    let res;
    try {
      const small = !only || BENCH_MODELS.some((m) => m.name.toLowerCase().includes(only.toLowerCase()));
      res = small ? await runFeasibility({ only, inputs, log }) : { rows: [], lowerings: [], inputs: inputs ?? 5, arbosVersion: DEFAULT_ARBOS_VERSION };
      if (!small && !scaleWanted) throw new Error(`no bench model matches '${only}'; the models are: ${[...BENCH_MODELS, ...SCALE_MODELS].map((m) => m.name).join(', ')}`);
    } catch (e) {
      if ((e as Error).message.startsWith('no bench model')) throw new UserError((e as Error).message);
      throw e;
    }
    if (scaleWanted) res.scale = await runScale({ only, log });
    const charts = feasibilityCharts(res);
    const md = feasibilityMarkdown(res, charts);
    const written = report ? writeReport(report, { [path.basename(report)]: md, 'gas-vs-params.svg': charts.gasVsParams, 'exec-vs-macs.svg': charts.execVsMacs }) : [];
    return { json: { ...res, written }, text: report ? `${md}\nwritten: ${written.join(', ')}` : md };
  },
};

// stylus-ml bench [--report OUT.md]: the feasibility report — a fixed model set as Stylus programs and
// as EVM baselines on the embedded devnode, measured alike, with the break-even and two SVG charts.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { runFeasibility } from '../bench/feasibility';
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
    usage: 'stylus-ml bench [--report OUT.md] [--only NAME] [--inputs N] [--json]',
    flags: {
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
    let res;
    try {
      res = await runFeasibility({ only: args.flags.only as string | undefined, inputs, log: (l) => process.stderr.write(`${l}\n`) });
    } catch (e) {
      if ((e as Error).message.startsWith('no bench model')) throw new UserError((e as Error).message);
      throw e;
    }
    const charts = feasibilityCharts(res);
    const md = feasibilityMarkdown(res, charts);
    const written = report ? writeReport(report, { [path.basename(report)]: md, 'gas-vs-params.svg': charts.gasVsParams, 'exec-vs-macs.svg': charts.execVsMacs }) : [];
    return { json: { ...res, written }, text: report ? `${md}\nwritten: ${written.join(', ')}` : md };
  },
};

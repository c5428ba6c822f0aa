// `stylus-ml simulate DIR --random N`: the accuracy of a generated crate against the float model on inputs
// of its declared box (what the preview's accuracy section shows), and the refusals around it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../fixtures/cli';

const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE = path.join(ROOT, 'samples', 'iris-logreg.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-simulate-crate-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a crate is simulated with its own box and formats on N inputs drawn from the box', async () => {
  const dir = path.join(tmp, 'iris');
  assert.equal((await runCli(['new', SAMPLE, '--out', dir, '--template', 'minimal', '--input-range', '0:8', '--weights', 'i8', '--vectors', '4'])).code, 0);
  const r = await runCli(['simulate', dir, '--random', '50', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { summary: { cases: number; maxAbsError: number; argmaxAgreement: number; outputs: Record<string, { storage: string; errorBound: number | null }> } };
  assert.equal(j.summary.cases, 50);
  assert.ok(j.summary.argmaxAgreement >= 0.95, `agreement ${j.summary.argmaxAgreement}`);
  const prob = j.summary.outputs.output_probability;
  assert.ok(prob.errorBound !== null && j.summary.maxAbsError <= prob.errorBound, 'the observed error is inside the proven bound');
  // the crate's formats, not the defaults: its i8 weights give a different plan from the .onnx with defaults
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'stylus-ml.json'), 'utf8')) as { options: { weights: string } };
  assert.equal(manifest.options.weights, 'i8');
  // deterministic: the same inputs every run
  const again = JSON.parse((await runCli(['simulate', dir, '--random', '50', '--json'])).stdout) as typeof j;
  assert.equal(again.summary.maxAbsError, j.summary.maxAbsError);
});

test('a reader slower than the CLI still gets the whole --json (well over a pipe\'s 64 KiB)', async () => {
  const dir = path.join(tmp, 'iris');
  const r = await runCli(['simulate', dir, '--random', '1000', '--json'], { slowReaderMs: 1500 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.length > 500_000, `${r.stdout.length} bytes`);
  const j = JSON.parse(r.stdout) as { cases: unknown[]; summary: { cases: number } };
  assert.equal(j.cases.length, 1000);
  assert.equal(j.summary.cases, 1000);
});

test('simulate refuses what it cannot do, saying what to give instead', async () => {
  const dir = path.join(tmp, 'iris');
  const cases: [string[], RegExp][] = [
    [['simulate', SAMPLE], /--input IN.json, --validation DATA.json \(held-out rows\), or --random N/],
    [['simulate', SAMPLE, '--random', '5', '--input-range', '0:8', '--labels', 'labels.json'], /--labels goes with --validation/],
    [['simulate', SAMPLE, '--random', '5', '--input-range', '0:8', '--box', 'per-value'], /--box and --box-margin shape the box derived from --calibration/],
    [['simulate', SAMPLE, '--random', '5', '--input-range', '0:8', '--box', 'square'], /--box must be auto, per-value or per-tensor/],
    [['simulate', SAMPLE, '--random', '5'], /declare the input box|--input-range/],
    [['simulate', SAMPLE, '--random', '0', '--input-range', '0:8'], /--random must be an integer from 1/],
    [['simulate', dir, '--random', '5', '--input-range', '0:1'], /the box and formats are the crate's/],
    [['simulate', tmp, '--random', '5'], /has no stylus-ml.json/],
  ];
  for (const [args, why] of cases) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, why, args.join(' '));
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
});

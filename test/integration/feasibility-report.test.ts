// Issue 5, acceptance 3–4: `stylus-ml bench --report` measures real Stylus programs and their EVM
// baselines on the embedded devnode and writes a markdown report whose SVG charts render: one is
// converted to PNG in Chromium and its plotted series are found in the pixels.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { chromium } from 'playwright-core';
import { runCli } from '../fixtures/cli';
import { wasmToolchain } from '../fixtures/rust';
import { CHROMIUM } from '../e2e/harness';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-report-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const skip = wasmToolchain() === null ? 'no wasm32 toolchain' : false;

test('bench --report: two MLPs measured on both targets, a break-even, charts that render', { skip }, async () => {
  const report = path.join(tmp, 'out', 'feasibility.md');
  const r = await runCli(['bench', '--only', 'mlp 64-1', '--inputs', '2', '--report', report, '--json'], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.rows.map((x: { model: string }) => x.model), ['mlp 64-16-10', 'mlp 64-128-10']);
  for (const row of j.rows) {
    assert.ok(row.evm.executionGas > row.stylus.executionGas, `${row.model}: the EVM baseline costs more`);
    assert.ok(Math.abs(row.estimate.error) <= 0.05, `${row.model}: estimate error ${row.estimate.error}`);
    assert.ok(row.stylus.totalTxGas > 21_000 && row.stylus.packedTxGas < row.stylus.totalTxGas, 'packed calldata is cheaper');
    assert.equal(row.stylus.batch.cases, 100, 'the bench batch: 100 cases (within the maximum of these MLPs)');
    assert.ok(row.stylus.batch.txGasPerCase < row.stylus.packedTxGas / 5, `${row.model}: a batch case costs a fraction of one call (${row.stylus.batch.txGasPerCase} vs ${row.stylus.packedTxGas})`);
  }
  const md = fs.readFileSync(report, 'utf8');
  assert.match(md, /\| mlp 64-128-10 \| 9,610 \| 9,472 \|/);
  assert.match(md, /Break-even .*Stylus is cheaper from/);
  assert.match(md, /\| batch tx gas \/ case \|/);
  for (const svg of ['gas-vs-params.svg', 'exec-vs-macs.svg']) {
    const text = fs.readFileSync(path.join(tmp, 'out', svg), 'utf8');
    assert.match(text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(text, /<script/);
  }
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'out')).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');

  if (!existsSync(CHROMIUM)) return;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 720, height: 420 } });
    await page.goto(`file://${path.join(tmp, 'out', 'gas-vs-params.svg')}`);
    const png = await page.screenshot({ path: path.join(tmp, 'out', 'gas-vs-params.png') });
    assert.ok(png.length > 5_000, 'a real picture, not an empty page');
    // read the pixels back through a canvas (in an HTML page): both series' colours are drawn
    await page.goto('about:blank');
    const colours = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<string>();
      for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
      return [...seen];
    }, png.toString('base64'));
    assert.ok(colours.includes('31,119,180'), 'the Stylus series (#1f77b4) is drawn');
    assert.ok(colours.includes('214,39,40'), 'the EVM series (#d62728) is drawn');
  } finally {
    await browser.close();
  }
});

// The runtime library's example contract (stylus-templates/runtime/examples/scorer: a hand-written 4-3-2
// network on stylus-ml-runtime, a path dependency) builds to wasm here with Debian's rustc — the runtime as
// an rlib, then the contract linked against it, with the Stylus flags core/build uses — passes nitro's
// activation checks, deploys and activates on the embedded devnode, and answers `score(int16[4])` with what
// the network computes by hand; an input outside its box reverts. `stylus-ml check` has nothing to report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeAbiParameters, encodeAbiParameters, toFunctionSelector, type Hex } from 'viem';
import { checkPaths } from '../../core/analysis/check';
import { processProgram } from '../../core/build/build';
import { findToolchain } from '../../core/build/toolchain';
import { connect, deployProgram, type ChainClient } from '../../core/chain/index';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { rpc } from './devnode-helpers';

const RUNTIME = path.resolve(__dirname, '../../stylus-templates/runtime');
const EXAMPLE = path.join(RUNTIME, 'examples', 'scorer');
const tmp = mkdtempSync(path.join(tmpdir(), 'runtime-example-'));

function rustc(tc: { rustc?: string; env: NodeJS.ProcessEnv }, args: string[]): void {
  const r = spawnSync(tc.rustc!, args, { env: tc.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('stylus-ml-runtime example contract on the devnode', () => {
  let node: EmbeddedDevnode;
  let client: ChainClient;
  let wasm: Uint8Array;
  before(async () => {
    const tc = findToolchain({ dir: EXAMPLE, template: 'minimal', prefer: 'debian' });
    const common = ['--edition', '2021', '--target', 'wasm32-unknown-unknown', '-C', 'opt-level=s', '-C', 'panic=abort', '-C', 'codegen-units=1', '-C', 'target-feature=-reference-types,+bulk-memory'];
    const rlib = path.join(tmp, 'libstylus_ml_runtime.rlib');
    rustc(tc, [...common, '--crate-type', 'rlib', '--crate-name', 'stylus_ml_runtime', path.join(RUNTIME, 'src', 'lib.rs'), '-o', rlib]);
    const out = path.join(tmp, 'scorer.wasm');
    rustc(tc, [...common, '--crate-type', 'cdylib', '--crate-name', 'scorer_example', '-C', 'lto', '-C', `linker=${tc.linker}`, '-C', 'link-arg=-zstack-size=32768', '--extern', `stylus_ml_runtime=${rlib}`, '-L', tmp, path.join(EXAMPLE, 'src', 'lib.rs'), '-o', out]);
    wasm = new Uint8Array(readFileSync(out));
    node = await startEmbeddedDevnode({ port: 0 });
    client = await connect({ mode: 'rpc', rpcUrl: node.url });
  });
  after(async () => {
    await client?.close();
    await node?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("builds with the runtime as a path dependency, passes nitro's checks, deploys, activates and answers", async () => {
    const p = processProgram(wasm);
    assert.deepEqual(p.violations, [], 'activation rules');
    assert.ok(p.fits, `${p.compressedBytes} bytes compressed`);
    const { address } = await deployProgram(client, p.deploy.initCode);
    const call = async (x: number[]) => rpc(node.url, 'eth_call', [{ to: address, data: (toFunctionSelector('score(int16[4])') + encodeAbiParameters([{ type: 'int16[4]' }], [x as [number, number, number, number]]).slice(2)) as Hex }]);
    const r = await call([256, 128, -256, 512]); // 1, 0.5, -1, 2 in Q8.8
    assert.ok(!r.error, JSON.stringify(r.error));
    const [y] = decodeAbiParameters([{ type: 'int16[2]' }], r.result as Hex);
    assert.deepEqual([...y], [688, 88], 'the network by hand: 2.6875 and 0.34375 in Q8.8');
    const neg = await call([-1024, 1024, 1024, -1024]);
    const [z] = decodeAbiParameters([{ type: 'int16[2]' }], neg.result as Hex);
    assert.equal(z.length, 2);
    const out = await call([2000, 0, 0, 0]); // 7.8: outside the box the contract declares
    assert.ok(out.error, 'an input outside [-4, 4] reverts');
  });

  it('is clean under stylus-ml check (the runtime is found through the path dependency)', async () => {
    const r = await checkPaths([EXAMPLE]);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity !== 'information'), []);
  });
});

// One Stylus parameter table (nitro/params.ts) for the chain and for the estimate: at every ArbOS version
// the devnode emulates, a chain created at that version runs on the table's parameters and its ArbWasm
// views answer them; the estimator prices with the same table, so the init gas it predicts for a program
// is what the chain's ArbWasm.programInitGas reports once the program is deployed; and the build refuses
// a module over MaxWasmSize exactly where the devnode's activation does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseAbi, type Hex } from 'viem';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { processProgram } from '../../core/build/build';
import { connect, deployProgram, ARB_WASM, ARB_WASM_ABI, type ChainClient } from '../../core/chain/index';
import { DEFAULT_LOWERING } from '../../core/codegen/lowering';
import { callCost, spread } from '../../core/gas/call';
import { estimateProgram } from '../../core/gas/estimate';
import { shapeOfWasm } from '../../core/gas/shape';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { programWasm } from '../../nitro/program-code';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { GETH_ARBOS, SUPPORTED_ARBOS_VERSIONS } from '../../nitro/arbos';
import { COST_SCALAR_PERCENT, decodeStylusParams, encodeStylusParams, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, PAGE_RAMP, stylusParamsFor, upgradeStylusParamsTo } from '../../nitro/params';
import { ECHO_WAT, wat } from '../integration/devnode-helpers';
import { mlp } from '../fixtures/onnx-builder';

const VIEWS = parseAbi([
  'function stylusVersion() view returns (uint16)',
  'function inkPrice() view returns (uint32)',
  'function maxStackDepth() view returns (uint32)',
  'function freePages() view returns (uint16)',
  'function pageGas() view returns (uint16)',
  'function pageRamp() view returns (uint64)',
  'function pageLimit() view returns (uint16)',
  'function minInitGas() view returns (uint64 gas, uint64 cached)',
  'function initCostScalar() view returns (uint64)',
  'function expiryDays() view returns (uint16)',
  'function keepaliveDays() view returns (uint16)',
  'function blockCacheSize() view returns (uint16)',
  'function activationGas() view returns (uint64)',
]);

test("the table has nitro v3.10.0's values along the upgrade path (params.go, arbosstate.go)", () => {
  const at = (v: number) => stylusParamsFor(v, false);
  assert.deepEqual(
    [30, 31, 40, 50, 59, 60, 61].map((v) => [at(v).stylusVersion, at(v).minInitGas, at(v).maxStackDepth, at(v).maxWasmSize, at(v).maxFragmentCount]),
    [
      [1, 72, 262144, 131072, 0], // initStylusParams at ArbOS 30
      [2, 69, 262144, 131072, 0], // UpgradeToVersion(2): v2MinInitGas
      [2, 69, 262144, 131072, 0], // MaxWasmSize stored from 40, still initialMaxWasmSize
      [2, 69, 22000, 131072, 0], // arbOS50MaxStackDepth
      [3, 69, 22000, 131072, 0], // UpgradeToVersion(3)
      [3, 69, 22000, 262144, 4], // ArbosVersion_StylusContractLimit: arbOS60MaxWasmSize, initialMaxFragmentCount
      [3, 69, 22000, 262144, 4], // 61: 60's Stylus rules (no step of its own)
    ],
  );
  const p = at(40);
  assert.deepEqual(
    [p.inkPrice, p.freePages, p.pageGas, p.pageLimit, p.minCachedInitGas, p.initCostScalar, p.cachedCostScalar, p.expiryDays, p.keepaliveDays, p.blockCacheSize, p.activationGas],
    [10000, 2, 1000, 128, 11, 50, 50, 365, 31, 32, 0],
  );
  assert.equal(PAGE_RAMP, 620674314n);
});

test("ArbOS stores the parameters in nitro's packed layout (params.go Save/Params): one word, owner changes survive", () => {
  for (const arbos of SUPPORTED_ARBOS_VERSIONS) {
    const p = stylusParamsFor(arbos, false);
    const words = encodeStylusParams(p);
    assert.equal(words.length, 1, '25 bytes, 29 from ArbOS 40, 30 from 60');
    // version (2 bytes) then ink price (3 bytes), big-endian, from the first byte
    assert.deepEqual([...words[0].subarray(0, 5)], [0, p.stylusVersion, 0x00, 0x27, 0x10]);
    assert.deepEqual(decodeStylusParams(words, arbos, { activationGas: 0, debugMode: false }), p);
  }
  // an owner's ink price survives the upgrade from 50 to 61; the upgrade's own values are installed
  const owned = { ...stylusParamsFor(50, false), inkPrice: 12345, maxWasmSize: 1000 };
  const up = upgradeStylusParamsTo(owned, 61);
  assert.deepEqual([up.inkPrice, up.stylusVersion, up.maxWasmSize, up.maxFragmentCount, up.arbosVersion], [12345, 3, 262144, 4, 61]);
});

describe('devnode and estimator read the one table', () => {
  const bytes = mlp([4, 3], { seed: 1 });
  const plan = prepareModel('m.onnx', { inputRange: '0:1' }, { bytes, graph: loadGraph(bytes, { file: 'm.onnx' }) }).plan;

  for (const arbos of SUPPORTED_ARBOS_VERSIONS) {
    describe(`ArbOS ${arbos}`, () => {
      let node: EmbeddedDevnode;
      let client: ChainClient;
      before(async () => {
        node = await startEmbeddedDevnode({ port: 0, arbos });
        client = await connect({ mode: 'rpc', rpcUrl: node.url });
      });
      after(async () => {
        await client?.close();
        await node?.stop();
      });

      test('the chain runs on the table and its ArbWasm views answer it', async () => {
        const table = stylusParamsFor(arbos, false); // the embedded devnode is not a debug chain unless asked
        assert.deepEqual(await node.chain.bridge.params(), table);
        const read = (functionName: (typeof VIEWS)[number]['name']) =>
          client.publicClient.readContract({ address: ARB_WASM, abi: VIEWS, functionName }) as Promise<unknown>;
        assert.equal(await read('stylusVersion'), table.stylusVersion);
        assert.equal(await read('inkPrice'), table.inkPrice);
        assert.equal(await read('maxStackDepth'), table.maxStackDepth);
        assert.equal(await read('freePages'), table.freePages);
        assert.equal(await read('pageGas'), table.pageGas);
        assert.equal(await read('pageRamp'), PAGE_RAMP);
        assert.equal(await read('pageLimit'), table.pageLimit);
        assert.equal(await read('initCostScalar'), BigInt(table.initCostScalar) * COST_SCALAR_PERCENT);
        assert.equal(await read('expiryDays'), table.expiryDays);
        assert.equal(await read('keepaliveDays'), table.keepaliveDays);
        assert.equal(await read('blockCacheSize'), table.blockCacheSize);
        if (arbos >= GETH_ARBOS.stylusChargingFixes) {
          assert.deepEqual(await read('minInitGas'), [BigInt(table.minInitGas) * MIN_INIT_GAS_UNITS, BigInt(table.minCachedInitGas) * MIN_CACHED_GAS_UNITS]);
        } else {
          await assert.rejects(read('minInitGas'), 'the view exists from ArbOS 32');
        }
        if (arbos >= GETH_ARBOS.stylusV3) assert.equal(await read('activationGas'), BigInt(table.activationGas));
      });

      test("the estimator prices with the table: its init gas is the chain's ArbWasm.programInitGas", async () => {
        const estimate = estimateProgram(plan, DEFAULT_LOWERING, { arbosVersion: arbos });
        assert.deepEqual(estimate.params, stylusParamsFor(arbos, false));

        const wasm = await wat(ECHO_WAT);
        const deployed = await deployProgram(client, stylusDeployBytes(wasm).initCode);
        const [gas, gasWhenCached] = await client.publicClient.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programInitGas', args: [deployed.address] });
        const shape = shapeOfWasm(wasm, arbos);
        const charge = (cached: boolean) =>
          callCost({ shape, params: estimate.params, calldata: spread(0), calldataBytes: 0, resultBytes: 0, codeInk: spread(0), cached }).breakdown.init;
        assert.equal(BigInt(charge(false)), gas);
        assert.equal(BigInt(charge(true)), gasWhenCached);
      });

      test('build and activation refuse a module over MaxWasmSize at the same size', async () => {
        const { maxWasmSize } = stylusParamsFor(arbos, false);
        // the echo program padded with uncalled functions of `nop`s (one byte each, within the 65,536
        // operators a body may have, and cheap in init and cached cost, unlike a data segment)
        const padded = (nops: number) => {
          const funcs: string[] = [];
          for (let left = nops; left > 0; left -= 60000) funcs.push(`(func${' nop'.repeat(Math.min(left, 60000))})`);
          return wat(ECHO_WAT.replace(/\)$/, ` ${funcs.join(' ')})`));
        };
        // the largest padding that fits and one more nop (LEB128 lengths make sizes step unevenly)
        let n = maxWasmSize - (await padded(0)).length - 8;
        while ((await padded(n + 1)).length <= maxWasmSize) n++;
        while ((await padded(n)).length > maxWasmSize) n--;
        const under = await padded(n);
        const over = await padded(n + 1);
        assert.ok(over.length > maxWasmSize && under.length <= maxWasmSize, `${over.length} / ${under.length} around ${maxWasmSize}`);

        const refused = processProgram(over, { arbosVersion: arbos });
        assert.ok(refused.violations.some((v) => v.rule === 'wasm-size' && v.detail.includes(`MaxWasmSize ${maxWasmSize}`)), JSON.stringify(refused.violations));
        assert.equal(processProgram(under, { arbosVersion: arbos }).maxWasmSize, maxWasmSize);
        assert.ok(!processProgram(under, { arbosVersion: arbos }).violations.some((v) => v.rule === 'wasm-size'));

        // ArbWasm reverts without data; the reason is the decompression cap at the chain's MaxWasmSize
        await assert.rejects(deployProgram(client, stylusDeployBytes(over).initCode), /activation would fail: execution reverted/);
        const chainParams = await node.chain.bridge.params();
        await assert.rejects(
          programWasm(stylusDeployBytes(over).runtimeCode, chainParams, { activating: true, read: () => new Uint8Array(0) }),
          { message: `failed decompression: wasm larger than MaxWasmSize ${maxWasmSize}` },
        );
        const ok = await deployProgram(client, stylusDeployBytes(under).initCode);
        const version = await client.publicClient.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programVersion', args: [ok.address as Hex] });
        assert.equal(version, stylusParamsFor(arbos, false).stylusVersion);
      });
    });
  }
});

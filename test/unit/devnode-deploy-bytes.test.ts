// Deployment bytes of a Stylus program: prefix, brotli stream, the 43-byte prelude, and what the
// prelude deploys when a real EVM runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliDecompressSync } from 'node:zlib';
import { Address } from '@ethereumjs/util';
import { createFeeMarket1559Tx } from '@ethereumjs/tx';
import { hexToBytes } from '@ethereumjs/util';
import {
  PRELUDE_LENGTH,
  initCodePrelude,
  isStylusProgram,
  runtimeFromInitCode,
  stylusDeployBytes,
} from '../../core/build/deploy-bytes';
import { Chain } from '../../devnode/chain';
import { DEV_ACCOUNT } from '../../devnode/accounts';
import { minimalStylusWasm } from '../integration/devnode-helpers';

test('the prelude is PUSH32 len, DUP1, PUSH1 43, PUSH1 0, CODECOPY, PUSH1 0, RETURN, version 0', () => {
  const p = initCodePrelude(0x1234);
  assert.equal(p.length, PRELUDE_LENGTH);
  assert.equal(p[0], 0x7f);
  assert.deepEqual([...p.subarray(1, 31)], new Array(30).fill(0));
  assert.deepEqual([p[31], p[32]], [0x12, 0x34]);
  assert.equal(Buffer.from(p.subarray(33)).toString('hex'), '80602b6000396000f300');
});

test('stylusDeployBytes: EF F0 00 00 + brotli stream that decompresses to the wasm', async () => {
  const wasm = await minimalStylusWasm();
  const d = stylusDeployBytes(wasm);
  assert.deepEqual([...d.runtimeCode.subarray(0, 4)], [0xef, 0xf0, 0x00, 0x00]);
  assert.equal(d.compressedBytes, d.runtimeCode.length - 4);
  assert.deepEqual(new Uint8Array(brotliDecompressSync(d.runtimeCode.subarray(4))), wasm);
  assert.equal(d.initCode.length, PRELUDE_LENGTH + d.runtimeCode.length);
  assert.deepEqual(runtimeFromInitCode(d.initCode), d.runtimeCode);
  assert.ok(isStylusProgram(d.runtimeCode));
  assert.equal(runtimeFromInitCode(d.runtimeCode), null, 'runtime code is not mistaken for init code');
});

test('stylusDeployBytes refuses bytes that are not wasm', () => {
  assert.throws(() => stylusDeployBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), /not a wasm module/);
});

test('the init code deploys exactly the runtime code on the EVM (EIP-3541 exempts the Stylus prefix)', async () => {
  const chain = await Chain.create({ runtime: null });
  const wasm = await minimalStylusWasm();
  const d = stylusDeployBytes(wasm);
  const tx = createFeeMarket1559Tx(
    { chainId: 412346n, nonce: 0n, gasLimit: 3_000_000n, maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 0n, data: d.initCode },
    { common: chain.common },
  ).sign(hexToBytes(DEV_ACCOUNT.privateKey));
  await chain.submit(tx);
  const receipt = chain.head.txs[0].receipt;
  assert.equal(receipt.status, 1);
  const code = await chain.sm.getCode(receipt.contractAddress as Address);
  assert.deepEqual(code, d.runtimeCode);
  chain.close();
});

// ArbSys 0x…64 (nitro precompiles/ArbSys.go): the views clients and tools read.
import { bigIntToBytes, setLengthLeft } from '@ethereumjs/util';
import type { ArbContext } from '../evm/arb-context';
import { PrecompileRevert, type PrecompileDef } from './framework';
import { hex, precompileAddress } from './common';

export const ARB_SYS_ADDRESS = precompileAddress('64');

export const arbSys: PrecompileDef<ArbContext> = {
  name: 'ArbSys',
  address: ARB_SYS_ADDRESS,
  methods: [
    { signature: 'arbBlockNumber()', purity: 'view', outputs: 'uint256', run: (ctx) => [ctx.blockNumber()] },
    {
      signature: 'arbBlockHash(uint256)',
      purity: 'view',
      outputs: 'bytes32',
      run(ctx, _env, [n]) {
        const want = n as bigint;
        const current = ctx.blockNumber();
        // only the 256 blocks before the current one, as nitro
        if (want >= current || want + 256n < current) throw new PrecompileRevert('invalid block number for ArbBlockHAsh');
        const h = ctx.blockHash(want) ?? new Uint8Array(32);
        return [hex(h)];
      },
    },
    { signature: 'arbChainID()', purity: 'view', outputs: 'uint256', run: (ctx) => [ctx.chainId] },
    {
      signature: 'arbOSVersion()',
      purity: 'view',
      outputs: 'uint256',
      // nitro reports 55 + the ArbOS version (ArbSys.go ArbOSVersion)
      run: async (ctx) => [55n + BigInt(await ctx.arbos.arbosVersion())],
    },
    { signature: 'getStorageGasAvailable()', purity: 'view', outputs: 'uint256', run: () => [0n] },
    { signature: 'isTopLevelCall()', purity: 'view', outputs: 'bool', run: (ctx) => [ctx.depth() <= 2] },
    { signature: 'wasMyCallersAddressAliased()', purity: 'view', outputs: 'bool', run: () => [false] },
    {
      signature: 'myCallersAddressWithoutAliasing()',
      purity: 'view',
      outputs: 'address',
      run: () => [hex(setLengthLeft(bigIntToBytes(0n), 20))],
    },
  ],
};

// ArbGasInfo 0x…6c (nitro precompiles/ArbGasInfo.go): the price views wallets and SDKs call. The
// embedded node has a fixed L2 base fee (0.1 gwei) and charges no L1 data fee; the L1 price per unit
// is the value ArbOwner.setL1PricePerUnit last stored (0 at genesis, as nitro-devnode after setup).
import { BASE_FEE } from '../config';
import type { ArbContext } from '../evm/arb-context';
import type { PrecompileDef } from './framework';
import { precompileAddress } from './common';

export const ARB_GAS_INFO_ADDRESS = precompileAddress('6c');
const TX_DATA_NON_ZERO_GAS = 16n;
const ASSUMED_SIMPLE_TX_SIZE = 140n;
const STORAGE_WRITE_COST = 20000n;

export const arbGasInfo: PrecompileDef<ArbContext> = {
  name: 'ArbGasInfo',
  address: ARB_GAS_INFO_ADDRESS,
  methods: [
    {
      signature: 'getPricesInWei()',
      purity: 'view',
      outputs: 'uint256,uint256,uint256,uint256,uint256,uint256',
      async run(ctx) {
        const l1 = await ctx.arbos.getU64('l1PricePerUnit');
        const perByte = l1 * TX_DATA_NON_ZERO_GAS;
        return [perByte * ASSUMED_SIMPLE_TX_SIZE, perByte, BASE_FEE * STORAGE_WRITE_COST, BASE_FEE, 0n, BASE_FEE];
      },
    },
    { signature: 'getL1BaseFeeEstimate()', purity: 'view', outputs: 'uint256', run: async (ctx) => [await ctx.arbos.getU64('l1PricePerUnit')] },
    { signature: 'getL1GasPriceEstimate()', purity: 'view', outputs: 'uint256', run: async (ctx) => [await ctx.arbos.getU64('l1PricePerUnit')] },
    { signature: 'getMinimumGasPrice()', purity: 'view', outputs: 'uint256', run: () => [BASE_FEE] },
    { signature: 'getCurrentTxL1GasFees()', purity: 'view', outputs: 'uint256', run: () => [0n] },
    {
      signature: 'getGasAccountingParams()',
      purity: 'view',
      outputs: 'uint256,uint256,uint256',
      run: () => [7_000_000n, 32_000_000n, 32_000_000n],
    },
  ],
};

// The embedded devnode's chain-wide settings. The chain's Stylus rules (ArbOS versions, the parameter
// table, prices, limits) are nitro's and live in nitro/.

export const CHAIN_ID = 412346n;
export const DEFAULT_PORT = 8547;
/** Arbitrum's L2 base fee floor (0.1 gwei), fixed here: the devnode has no congestion pricing. */
export const BASE_FEE = 100_000_000n;
export const BLOCK_GAS_LIMIT = 1_125_899_906_842_624n; // nitro's L2 block gas limit (2^50)
/** Per-tx gas cap for eth_call / eth_estimateGas, as nitro's rpc gascap default (50M). */
export const RPC_GAS_CAP = 50_000_000n;
export const CLIENT_VERSION = 'stylus-ml-devnode/0.1.0';

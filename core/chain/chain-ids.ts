// Chain ids without viem, so the extension's bundle can name them without pulling in viem's chain list.

/** nitro-devnode's and the embedded devnode's chain id ("arb-dev-test"). */
export const DEVNODE_CHAIN_ID = 412346;

// Funded accounts of the embedded devnode.
// - the nitro-devnode dev account (well-known key, nitro-devnode README; also chain owner), and
// - the first four accounts of the well-known development mnemonic
//   "test test test test test test test test test test test junk" (BIP-44 m/44'/60'/0'/0/i), the same
//   accounts Hardhat and Anvil fund. The keys are written out for a fast start; a unit test derives
//   them from the mnemonic and checks they match.
export interface DevAccount {
  address: `0x${string}`;
  privateKey: `0x${string}`;
  /** initial balance in wei */
  balance: bigint;
}

const ETH = 10n ** 18n;

export const DEV_ACCOUNT: DevAccount = {
  address: '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E',
  privateKey: '0xb6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659',
  balance: 1000n * ETH,
};

export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';

export const TEST_ACCOUNTS: DevAccount[] = [
  {
    address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    balance: 1000n * ETH,
  },
  {
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
    balance: 1000n * ETH,
  },
  {
    address: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    privateKey: '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
    balance: 1000n * ETH,
  },
  {
    address: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    privateKey: '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
    balance: 1000n * ETH,
  },
];

export const ALL_DEV_ACCOUNTS: DevAccount[] = [DEV_ACCOUNT, ...TEST_ACCOUNTS];

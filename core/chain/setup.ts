// nitro-devnode's setup steps (run-dev-node.sh), run against a fresh dev chain: become chain owner,
// zero the L1 price, publish the CREATE2 factory, deploy and register a CacheManager, and deploy the
// StylusDeployer through the factory. The plan is a pure list so tests can hold it against the script.
import type { Address, Hex, PublicClient, WalletClient } from 'viem';
import { concatHex, encodeFunctionData, getContractAddress, parseAbi, parseEther } from 'viem';

/** Arachnid's deterministic-deployment proxy: presigned pre-EIP-155 transaction and its addresses. */
export const CREATE2_FACTORY = '0x4e59b44847b379578588920ca78fbf26c0b4956c' as const;
export const CREATE2_FACTORY_DEPLOYER = '0x3fab184622dc19b6109349b94811493bf2a45362' as const;
export const CREATE2_FACTORY_TX =
  '0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222' as const;
/** The CacheManager creation code the script sends with `cast send --create`. */
export const CACHE_MANAGER_INIT_CODE = '0x60a06040523060805234801561001457600080fd5b50608051611d1c61003060003960006105260152611d1c6000f3fe' as const;
export const ZERO_SALT = `0x${'00'.repeat(32)}` as const;
export const ARB_DEBUG = '0x00000000000000000000000000000000000000ff' as const;
export const ARB_OWNER = '0x0000000000000000000000000000000000000070' as const;

const abi = parseAbi([
  'function becomeChainOwner()',
  'function setL1PricePerUnit(uint256)',
  'function addWasmCacheManager(address)',
]);

export type SetupStep =
  | { name: string; kind: 'call'; to: Address; data: Hex; value: bigint }
  | { name: string; kind: 'raw'; raw: Hex; skipIfCodeAt: Address }
  | { name: string; kind: 'create'; data: Hex; registersCacheManager: true }
  | { name: string; kind: 'create2'; initCode: Hex; salt: Hex; expectAt: Address };

export interface SetupPlanOptions {
  /** StylusDeployer creation code (nitro-devnode's stylus-deployer-bytecode.txt); the step is left out without it */
  stylusDeployerInitCode?: Hex;
}

export function devnodeSetupPlan(opts: SetupPlanOptions = {}): SetupStep[] {
  const steps: SetupStep[] = [
    { name: 'becomeChainOwner', kind: 'call', to: ARB_DEBUG, data: encodeFunctionData({ abi, functionName: 'becomeChainOwner' }), value: 0n },
    { name: 'setL1PricePerUnit(0)', kind: 'call', to: ARB_OWNER, data: encodeFunctionData({ abi, functionName: 'setL1PricePerUnit', args: [0n] }), value: 0n },
    { name: 'fund CREATE2 factory deployer', kind: 'call', to: CREATE2_FACTORY_DEPLOYER, data: '0x', value: parseEther('1') },
    { name: 'publish CREATE2 factory', kind: 'raw', raw: CREATE2_FACTORY_TX, skipIfCodeAt: CREATE2_FACTORY },
    { name: 'deploy CacheManager', kind: 'create', data: CACHE_MANAGER_INIT_CODE, registersCacheManager: true },
  ];
  if (opts.stylusDeployerInitCode !== undefined) {
    steps.push({
      name: 'deploy StylusDeployer',
      kind: 'create2',
      initCode: opts.stylusDeployerInitCode,
      salt: ZERO_SALT,
      expectAt: getContractAddress({ opcode: 'CREATE2', from: CREATE2_FACTORY, salt: ZERO_SALT, bytecode: opts.stylusDeployerInitCode }),
    });
  }
  return steps;
}

export interface SetupResult {
  steps: { name: string; hash?: Hex; skipped?: string }[];
  cacheManager?: Address;
  stylusDeployer?: Address;
}

/** Runs the plan with the dev account; every transaction must succeed. */
export async function runDevnodeSetup(pub: PublicClient, wallet: WalletClient, plan: SetupStep[]): Promise<SetupResult> {
  const account = wallet.account;
  if (account === undefined) throw new Error('setup needs a wallet with an account');
  const out: SetupResult = { steps: [] };
  const wait = async (name: string, hash: Hex) => {
    const r = await pub.waitForTransactionReceipt({ hash });
    if (r.status !== 'success') throw new Error(`setup step "${name}" reverted (tx ${hash})`);
    return r;
  };
  for (const step of plan) {
    if (step.kind === 'call') {
      const hash = await wallet.sendTransaction({ account, chain: wallet.chain, to: step.to, data: step.data, value: step.value });
      await wait(step.name, hash);
      out.steps.push({ name: step.name, hash });
    } else if (step.kind === 'raw') {
      const code = await pub.getCode({ address: step.skipIfCodeAt });
      if (code !== undefined && code !== '0x') {
        out.steps.push({ name: step.name, skipped: `code already at ${step.skipIfCodeAt}` });
        continue;
      }
      const hash = await pub.sendRawTransaction({ serializedTransaction: step.raw });
      await wait(step.name, hash);
      const after = await pub.getCode({ address: step.skipIfCodeAt });
      if (after === undefined || after === '0x') throw new Error(`Failed to deploy CREATE2 factory (no code at ${step.skipIfCodeAt})`);
      out.steps.push({ name: step.name, hash });
    } else if (step.kind === 'create') {
      const hash = await wallet.sendTransaction({ account, chain: wallet.chain, data: step.data });
      const r = await wait(step.name, hash);
      if (!r.contractAddress) throw new Error('Failed to extract contract address of the CacheManager');
      out.cacheManager = r.contractAddress;
      out.steps.push({ name: step.name, hash });
      const data = encodeFunctionData({ abi, functionName: 'addWasmCacheManager', args: [r.contractAddress] });
      const reg = await wallet.sendTransaction({ account, chain: wallet.chain, to: ARB_OWNER, data });
      await wait('addWasmCacheManager', reg);
      out.steps.push({ name: 'addWasmCacheManager', hash: reg });
    } else {
      const hash = await wallet.sendTransaction({ account, chain: wallet.chain, to: CREATE2_FACTORY, data: concatHex([step.salt, step.initCode]) });
      await wait(step.name, hash);
      const code = await pub.getCode({ address: step.expectAt });
      if (code === undefined || code === '0x') throw new Error(`Failed to deploy StylusDeployer (no code at ${step.expectAt})`);
      out.stylusDeployer = step.expectAt;
      out.steps.push({ name: step.name, hash });
    }
  }
  return out;
}

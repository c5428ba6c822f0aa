// Deterministic deployment of a model's parts (data contracts, fragments, the program of a multi-part
// layout) through the deterministic-deployment proxy that Ethereum tooling shares (Arachnid's
// deterministic-deployment-proxy, the CREATE2 factory foundry and hardhat-deploy use; on Arbitrum One,
// Nova and Sepolia): calldata `salt ‖ initCode`, CREATE2, the new address returned. The address commits
// to the content — keccak256(0xff ‖ proxy ‖ salt ‖ keccak256(initCode)) — so a program can name its data
// contracts at build time, and a deployment can be resumed by looking for code at those addresses.
import { concatHex, getContractAddress, keccak256, toHex, type Hex } from 'viem';
import { CREATE2_FACTORY as CREATE2_PROXY, CREATE2_FACTORY_DEPLOYER as CREATE2_PROXY_SIGNER, CREATE2_FACTORY_TX as CREATE2_PROXY_DEPLOYMENT, ZERO_SALT } from '../chain/setup';

export { CREATE2_PROXY, CREATE2_PROXY_SIGNER, CREATE2_PROXY_DEPLOYMENT };

/** What the proxy's one-time signer must hold to send its deployment (100,000 gas at 100 gwei). */
export const CREATE2_PROXY_FUNDING = 10n ** 16n;
/** Every part is deployed with salt 0: equal content, equal address (content addressing). */
export const PART_SALT: Hex = ZERO_SALT;

/**
 * Init code returning `runtime` as the new contract's code: PUSH2 len, DUP1, PUSH1 12, PUSH1 0, CODECOPY,
 * PUSH1 0, RETURN — 12 bytes before the code.
 */
export function returnCodeInit(runtime: Uint8Array): Uint8Array {
  if (runtime.length > 0xffff) throw new Error(`internal: ${runtime.length} bytes of code do not fit PUSH2`);
  const head = Uint8Array.of(0x61, runtime.length >> 8, runtime.length & 0xff, 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3);
  const out = new Uint8Array(head.length + runtime.length);
  out.set(head, 0);
  out.set(runtime, head.length);
  return out;
}

/** The address CREATE2 through the proxy gives init code `initCode` (salt 0). */
export function create2Address(initCode: Uint8Array, salt: Hex = PART_SALT): Hex {
  return getContractAddress({ opcode: 'CREATE2', from: CREATE2_PROXY, salt, bytecodeHash: keccak256(initCode) }).toLowerCase() as Hex;
}

/** The proxy's calldata for deploying `initCode`: salt ‖ init code. */
export function proxyCalldata(initCode: Uint8Array, salt: Hex = PART_SALT): Hex {
  return concatHex([salt, toHex(initCode)]);
}

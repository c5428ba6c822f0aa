// core/chain: the client side of deploy / call over the embedded devnode, nitro-devnode in Docker, or any RPC.
export { connect, type ChainClient } from './connect';
export { deployProgram, activateProgram, callContract, sendContract, normaliseDeployBytes, ARB_WASM, ARB_WASM_ABI, type DeployResult } from './deploy';
export { startEmbedded } from './embedded';
export { dockerRunArgs, checkDockerEngine, nitroImage, CONTAINER_NAME } from './docker';
export { devnodeSetupPlan } from './setup';
export { waitForRpc } from './readiness';
export { chainFor } from './chains';

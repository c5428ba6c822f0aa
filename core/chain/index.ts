// core/chain: the client side of deploy / call over the embedded devnode, nitro-devnode in Docker, or any RPC.
export { connect, setupDevnode, type ChainClient, type ChainMode, type ConnectOptions } from './connect';
export { deployProgram, estimateActivation, callContract, sendContract, normaliseDeployBytes, describeChainError, ARB_WASM, ARB_WASM_ABI, type DeployResult } from './deploy';
export { startEmbedded, devnodeArgs, devnodeCommand, type EmbeddedOptions, type InProcessDevnode, type RunningNode } from './embedded';
export { dockerRunArgs, checkDockerEngine, startDocker, nitroImage, DEFAULT_NITRO_NODE_VERSION, CONTAINER_NAME, type DockerOptions } from './docker';
export { devnodeSetupPlan, runDevnodeSetup, type SetupStep, type SetupResult } from './setup';
export { waitForRpc, probeNetVersion } from './readiness';
export { DEV_PRIVATE_KEY, DEV_ADDRESS, readKeyFile, parsePrivateKey } from './keys';
export { devnodeChain, chainFor, DEVNODE_CHAIN_ID } from './chains';
export { MODEL_ABI, encodeModelCall, packInputs, decodePredict, decodePredictPacked, decodePredictLabel, fixedValues, checkSelectors, type ModelFunction, type RawOutputs } from './predict';
export { callModel, describeRevert, type CallOutcome } from './model-call';
export { readChainParams, type ChainParams } from './chain-params';

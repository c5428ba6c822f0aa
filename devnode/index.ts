// The embedded devnode as a library: start a chain and its JSON-RPC server in this process.
import { Chain, type ChainOptions } from './chain';
import { DEFAULT_ARBOS_VERSION } from '../nitro/arbos';
import { DEFAULT_PORT } from './config';
import { startRpcServer } from './rpc';
import type { NodeHandle } from './rpc-methods';
import type { StylusRuntime } from './stylus/api';
import { loadDefaultRuntime } from './runtime-loader';

export { loadDefaultRuntime };

export { ALL_DEV_ACCOUNTS, DEV_ACCOUNT, TEST_ACCOUNTS } from './accounts';
export { CHAIN_ID, DEFAULT_PORT } from './config';
export { DEFAULT_ARBOS_VERSION, SUPPORTED_ARBOS_VERSIONS } from '../nitro/arbos';

export interface EmbeddedDevnodeOptions {
  /** TCP port; 0 picks a free one. Default 8547. */
  port?: number;
  /** address to listen on; default 127.0.0.1 */
  host?: string;
  /** extra names accepted in the Host header (loopback names and `host` always are) */
  allowHosts?: readonly string[];
  arbos?: number;
  /** debug mode (start functions, `console` imports, extra exports); off by default, as on Arbitrum One */
  debug?: boolean;
  /** interval mining in ms (default: automine one block per transaction) */
  blockTimeMs?: number;
  bodyLimit?: number;
  /** the Stylus runtime; default: devnode/stylus/runtime.ts when it exists, else none */
  runtime?: StylusRuntime | null;
  onInternalError?: (e: unknown) => void;
}

export interface EmbeddedDevnode {
  url: string;
  port: number;
  /** the live chain (replaced by a reset) */
  readonly chain: Chain;
  stop(): Promise<void>;
}

export async function startEmbeddedDevnode(opts: EmbeddedDevnodeOptions = {}): Promise<EmbeddedDevnode> {
  const runtime = opts.runtime === undefined ? await loadDefaultRuntime() : opts.runtime;
  const chainOpts: ChainOptions = { arbosVersion: opts.arbos ?? DEFAULT_ARBOS_VERSION, debug: opts.debug ?? false, runtime, blockTimeMs: opts.blockTimeMs };
  let chain = await Chain.create(chainOpts);
  const handle: NodeHandle = {
    get chain() {
      return chain;
    },
    async reset() {
      const fresh = await Chain.create(chainOpts);
      const old = chain;
      await old.lock.run(async () => {
        old.close();
        chain = fresh;
      });
    },
  };
  const rpc = await startRpcServer(() => handle, { port: opts.port ?? DEFAULT_PORT, host: opts.host, allowHosts: opts.allowHosts, bodyLimit: opts.bodyLimit, onInternalError: opts.onInternalError });
  return {
    url: rpc.url,
    port: rpc.port,
    get chain() {
      return chain;
    },
    async stop() {
      chain.close();
      await rpc.close();
      await runtime?.close();
    },
  };
}

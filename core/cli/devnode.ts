// stylus-ml devnode [--port N] [--arbos V] [--debug]: the embedded devnode in the foreground, in this process.
// Prints `listening on http://127.0.0.1:<port>` on its own line once it accepts requests (the line
// core/chain/embedded.ts and the extension wait for); stops cleanly on SIGINT / SIGTERM.
import { UserError } from '../errors';
import type { Command } from './command';
import { DevnodeJsonSchema } from '../contracts/cli';

export const devnodeCommand: Command<typeof DevnodeJsonSchema> = {
  spec: {
    name: 'devnode',
    summary: 'Runs the embedded Stylus devnode (chain id 412346, dev account funded) in the foreground until Ctrl-C.',
    usage: 'stylus-ml devnode [--port 8547] [--arbos 61] [--debug] [--block-time MS] [--host 127.0.0.1] [--allow-host NAME,...]',
    flags: {
      port: { kind: 'number', help: 'TCP port (default 8547; 0 = any free port)' },
      host: { kind: 'string', help: 'address to listen on (default 127.0.0.1; anything else exposes the dev keys to that network)' },
      'allow-host': { kind: 'string', help: 'extra names accepted in the HTTP Host header, comma-separated (loopback names always are)' },
      arbos: { kind: 'number', help: 'emulated ArbOS version (default 61, what Arbitrum One runs)' },
      debug: { kind: 'boolean', help: 'debug chain: start functions, console imports and extra exports activate (off, as on Arbitrum One)' },
      'block-time': { kind: 'number', help: 'interval mining in ms (default: one block per transaction)' },
    },
    positionals: [],
  },
  output: DevnodeJsonSchema,
  async run(args) {
    const { startEmbeddedDevnode, DEFAULT_PORT, SUPPORTED_ARBOS_VERSIONS, DEFAULT_ARBOS_VERSION } = await import('../../devnode/index');
    const port = (args.flags.port as number | undefined) ?? DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`devnode: --port must be an integer 0..65535, got ${port}`);
    const arbos = (args.flags.arbos as number | undefined) ?? DEFAULT_ARBOS_VERSION;
    if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(arbos)) throw new UserError(`devnode: unsupported ArbOS version ${arbos}; supported are ${SUPPORTED_ARBOS_VERSIONS.join(', ')}`);
    const blockTime = args.flags['block-time'] as number | undefined;
    if (blockTime !== undefined && (!Number.isInteger(blockTime) || blockTime < 1)) throw new UserError(`devnode: --block-time must be a positive integer (ms), got ${blockTime}`);
    const host = (args.flags.host as string | undefined) ?? '127.0.0.1';
    const allowHosts = ((args.flags['allow-host'] as string | undefined) ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    for (const h of allowHosts) if (!/^[A-Za-z0-9.\-_:[\]]+$/.test(h)) throw new UserError(`devnode: --allow-host: '${h}' is not a host name`);
    let node;
    try {
      node = await startEmbeddedDevnode({
        port,
        host,
        allowHosts,
        arbos,
        debug: !!args.flags.debug,
        blockTimeMs: blockTime,
        onInternalError: (e) => process.stderr.write(`devnode internal error: ${(e as Error)?.stack ?? String(e)}\n`),
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EADDRINUSE') throw new UserError(`devnode: port ${port} is already in use (another devnode? pass --port N)`);
      if (err.code === 'EACCES') throw new UserError(`devnode: no permission to listen on port ${port}`);
      if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new UserError(`devnode: --host ${host} is not an address of this machine`);
      throw e;
    }
    const started = new Date().toISOString();
    process.stdout.write(`listening on ${node.url}\n`);
    if (!args.flags.json) process.stderr.write(`devnode: chain 412346, ArbOS ${arbos}${args.flags.debug ? ' (debug mode)' : ''}, dev account 0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E; Ctrl-C stops it\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const on = (s: NodeJS.Signals) => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
        resolve(s);
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
    });
    await node.stop();
    return { json: { url: node.url, arbos, debug: !!args.flags.debug, started, stopped: new Date().toISOString(), signal }, text: `devnode stopped (${signal})` };
  },
};

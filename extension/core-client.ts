// The extension's way into the engine: the `stylus-ml` CLI bundle (dist/cli.js) run as an owned child
// process with `--json` (the one exception: the preview's first paint of a small model calls core's pure
// importer in the host, extension/local-inspect.ts, and answers with this same InspectJson). The JSON shapes below are the contracts fixed in the pipeline, crate, devnode and
// gas issues; keys may be added there, never renamed. Running the CLI out of process keeps the extension
// host responsive during heavy work (quantisation, cargo, simulation) and the extension free of engine code.
// No `vscode` import.
import { existsSync } from 'node:fs';
import type { ProcessRegistry } from './process-registry';
import { parseContract, type v } from '../core/contracts/check';
import {
  ActivateJsonSchema,
  BuildJsonSchema,
  CacheJsonSchema,
  StatusJsonSchema,
  type ActivateJson,
  type CacheJson,
  type StatusJson,
  CallJsonSchema,
  DeployJsonSchema,
  DeployProgressSchema,
  DoctorJsonSchema,
  EstimateJsonSchema,
  InspectJsonSchema,
  NewJsonSchema,
  SimulateJsonSchema,
  type BuildJson,
  type CallJson,
  type DeployJson,
  type DeployProgress,
  type DoctorJson,
  type EstimateJson,
  type InspectJson,
  type NewJson,
  type SimulateJson,
} from '../core/contracts/cli';

// ---- CLI JSON contracts ----------------------------------------------------------------------------
// One schema per subcommand in core/contracts/cli.ts: the CLI checks what it prints against it, and this
// client parses what it reads with it, so a changed output fails loudly here instead of rendering wrong.

export type { ActivateJson, BuildJson, CacheJson, CallJson, DeployJson, DoctorJson, EstimateJson, InspectJson, NewJson, SimulateJson, StatusJson };

// ---- errors -----------------------------------------------------------------------------------------

/** The engine does not offer this yet (missing bundle or subcommand). Shown as "not available yet". */
export class CoreUnavailableError extends Error {
  constructor(readonly feature: string, readonly detail?: string) {
    super(`${feature} is not available yet${detail ? ` (${detail})` : ''}`);
    this.name = 'CoreUnavailableError';
  }
}

/** The engine ran and failed; `message` is its one-line reason. */
export class CoreCommandError extends Error {
  constructor(readonly stage: string, message: string, readonly exitCode: number | null, readonly stderr: string) {
    super(message);
    this.name = 'CoreCommandError';
  }
}

// ---- client -----------------------------------------------------------------------------------------

export interface CoreClientOptions {
  /** dist/cli.js of this extension */
  cliPath: string;
  /** the Node that runs it: the extension host's own (process.execPath) */
  nodePath: string;
  registry: ProcessRegistry;
  /** extra environment, e.g. ELECTRON_RUN_AS_NODE=1 when nodePath is VS Code's Electron */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface EstimateOptions {
  format?: 'auto' | 'i8' | 'i16' | 'i32';
  optimize?: 'as generated' | 'gas' | 'size';
  /** a bare model's box flags (extension/model-settings.ts boxArgs); none: the engine's stated default */
  box?: string[];
  signal?: AbortSignal;
}

export interface NewCrateOptions {
  /** the declared input box, `lo:hi` or `lo:hi,lo:hi,...`, or `box`: the box flags (`stylus-ml new` requires one) */
  inputRange?: string;
  box?: string[];
  template: 'sdk' | 'minimal';
  inputPolicy: 'revert' | 'clamp';
  weights?: 'i8' | 'i16' | 'i32';
  optimize?: 'gas' | 'size';
  force?: boolean;
}

/** How the CLI says that a subcommand or option does not exist (yet). */
export const UNAVAILABLE = /unknown (sub)?command|unknown option|not (yet )?implemented|not available yet/i;

export class CoreClient {
  constructor(private readonly o: CoreClientOptions) {}

  /** The argv (after the Node binary) that runs a CLI subcommand; used for tasks and the devnode too. */
  cliArgs(args: readonly string[]): string[] {
    return [this.o.cliPath, ...args];
  }

  get nodePath(): string {
    return this.o.nodePath;
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.o.env };
  }

  available(): boolean {
    return existsSync(this.o.cliPath);
  }

  /** Runs `stylus-ml <args> --json` and parses stdout with the subcommand's contract. Non-zero exits with
   *  JSON on stdout (inspect's exit 2 for unsupported ops) still return the JSON when `acceptExit` lists the code. */
  async json<S extends v.GenericSchema>(
    schema: S,
    feature: string,
    args: readonly string[],
    opts: { acceptExit?: number[]; input?: string; signal?: AbortSignal; onStderr?: (line: string) => void } = {},
  ): Promise<v.InferOutput<S>> {
    if (!this.available()) throw new CoreUnavailableError(feature, 'the stylus-ml CLI bundle is missing');
    const argv = this.cliArgs([...args, '--json']);
    this.o.log?.(`$ stylus-ml ${[...args, '--json'].join(' ')}`);
    const r = await this.o.registry.run(`stylus-ml ${args[0]}`, this.o.nodePath, argv, {
      env: this.env,
      input: opts.input,
      timeoutMs: this.o.timeoutMs ?? 10 * 60_000,
      signal: opts.signal,
      onLine: (l, stream) => {
        if (stream !== 'stderr' || !l.trim()) return;
        if (opts.onStderr) opts.onStderr(l);
        else this.o.log?.(l);
      },
    });
    const reason = failureReason(r.stderr) || (r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`);
    if (r.code !== 0 && !(r.code !== null && opts.acceptExit?.includes(r.code))) {
      if (UNAVAILABLE.test(r.stderr)) throw new CoreUnavailableError(feature, reason);
      throw new CoreCommandError(args[0], reason, r.code, r.stderr);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.stdout);
    } catch {
      throw new CoreCommandError(args[0], `stylus-ml ${args[0]} printed no JSON (${reason})`, r.code, r.stderr);
    }
    try {
      return parseContract(schema, parsed, `stylus-ml ${args[0]} --json`);
    } catch (e) {
      // the CLI bundle and this extension disagree on the contract: say which field, never render it
      throw new CoreCommandError(args[0], `${(e as Error).message} (the stylus-ml CLI and the extension disagree; reinstall the extension)`, r.code, r.stderr);
    }
  }

  inspect(modelPath: string): Promise<InspectJson> {
    return this.json(InspectJsonSchema, 'Model inspection', ['inspect', modelPath], { acceptExit: [2] });
  }

  /** The simulator against the float model on `cases` inputs drawn from a crate's declared box, with each layer's error. */
  accuracy(crateDir: string, cases: number, signal?: AbortSignal): Promise<SimulateJson> {
    return this.json(SimulateJsonSchema, 'Accuracy against the float model', ['simulate', crateDir, '--random', String(cases), '--per-layer'], { signal });
  }

  /** The simulator against the float model on `cases` inputs drawn from a bare model's box (given by its flags). */
  accuracyOfModel(modelPath: string, cases: number, flags: string[], signal?: AbortSignal): Promise<SimulateJson> {
    return this.json(SimulateJsonSchema, 'Accuracy against the float model', ['simulate', modelPath, '--random', String(cases), '--per-layer', ...flags], { signal });
  }

  estimate(target: string, opts: EstimateOptions = {}): Promise<EstimateJson> {
    const args = ['estimate', target, ...(opts.box ?? [])];
    // Defaults are not passed, so the estimate works before the CLI grows these options.
    // `--weights` is the pipeline's quantisation flag (core/cli/simulate.ts quantFlags).
    if (opts.format && opts.format !== 'auto') args.push('--weights', opts.format);
    if (opts.optimize && opts.optimize !== 'as generated') args.push('--optimize', opts.optimize);
    return this.json(EstimateJsonSchema, 'Gas estimation', args, { signal: opts.signal });
  }

  newCrate(modelPath: string, outDir: string, opts: NewCrateOptions): Promise<NewJson> {
    const box = opts.box ?? (opts.inputRange ? ['--input-range', opts.inputRange] : []);
    const args = ['new', modelPath, '--out', outDir, '--template', opts.template, '--input-policy', opts.inputPolicy, ...box];
    if (opts.weights) args.push('--weights', opts.weights);
    if (opts.optimize) args.push('--optimize', opts.optimize);
    if (opts.force) args.push('--force');
    return this.json(NewJsonSchema, 'Crate generation', args);
  }

  /** `stylus-ml doctor`: exit 1 (not ready) still prints the report */
  doctor(): Promise<DoctorJson> {
    return this.json(DoctorJsonSchema, 'The prerequisite check', ['doctor'], { acceptExit: [1] });
  }

  build(crateDir: string): Promise<BuildJson> {
    return this.json(BuildJsonSchema, 'Build', ['build', crateDir]);
  }

  /** `onProgress` hears each part of a multi-part deployment; `signal` stops it between parts (it resumes next time). */
  deploy(crateDir: string, rpcUrl: string, keyFile?: string, opts: { onProgress?: (p: DeployProgress) => void; signal?: AbortSignal } = {}): Promise<DeployJson> {
    const args = ['deploy', crateDir, '--rpc', rpcUrl, '--progress'];
    if (keyFile) args.push('--key-file', keyFile);
    const onStderr = (line: string) => {
      let p: DeployProgress | null = null;
      try {
        p = parseContract(DeployProgressSchema, JSON.parse(line), 'stylus-ml deploy --progress').progress;
      } catch {
        /* not a progress line: the log */
      }
      if (p) opts.onProgress?.(p);
      else this.o.log?.(line);
    };
    return this.json(DeployJsonSchema, 'Deployment', args, { signal: opts.signal, onStderr });
  }

  /** A deployment's state on its chain (ArbWasm / ArbWasmCache views). */
  status(crateDir: string, rpcUrl: string, address: string): Promise<StatusJson> {
    return this.json(StatusJsonSchema, 'Deployment status', ['status', crateDir, '--rpc', rpcUrl, '--address', address]);
  }

  /** Re-activation or keepalive, whichever is due; `dryRun` prices it without sending. */
  activate(crateDir: string, rpcUrl: string, address: string, opts: { dryRun: boolean; keyFile?: string }): Promise<ActivateJson> {
    const args = ['activate', crateDir, '--rpc', rpcUrl, '--address', address];
    if (opts.dryRun) args.push('--dry-run');
    if (opts.keyFile) args.push('--key-file', opts.keyFile);
    return this.json(ActivateJsonSchema, 'Activation', args);
  }

  /** A CacheManager bid (the least accepted now); `dryRun` prices it without sending. */
  cache(crateDir: string, rpcUrl: string, address: string, opts: { dryRun: boolean; keyFile?: string }): Promise<CacheJson> {
    const args = ['cache', crateDir, '--rpc', rpcUrl, '--address', address];
    if (opts.dryRun) args.push('--dry-run');
    if (opts.keyFile) args.push('--key-file', opts.keyFile);
    return this.json(CacheJsonSchema, 'Caching', args);
  }

  /** `batch`: every case in one predictBatch call (`call --batch`) */
  call(crateDir: string, inputFile: string, rpcUrl: string, send: boolean, batch = false): Promise<CallJson> {
    const args = ['call', crateDir, '--input', inputFile, '--rpc', rpcUrl];
    if (send) args.push('--send');
    if (batch) args.push('--batch');
    return this.json(CallJsonSchema, 'Calling predict', args);
  }
}

/** The CLI's one-line reason: its first `stylus-ml: …` line on stderr, else the last line. */
export function failureReason(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const own = lines.find((l) => l.startsWith('stylus-ml: '));
  return own ? own.slice('stylus-ml: '.length) : (lines.at(-1) ?? '');
}

// The contract between the Stylus ML language server and its clients (the VS Code extension, tests):
// typed message constants (rust-analyzer's lsp_ext.ts pattern) and valibot schemas for the arguments of
// the client commands the server's lenses and fixes carry. Importable without pulling in the server.
import { NotificationType } from 'vscode-languageserver-protocol';

/**
 * Node options the server process runs with (the extension forks it with them, and so do the protocol
 * tests and the bench): a 1 MiB young generation instead of V8's 16 MiB semi-spaces (the analysis makes
 * many short-lived values; collected sooner, they keep the server ~30 MiB smaller), and V8 tuned for size
 * (RSS 263 → 192–196 MiB on the bench ls-latency run, for p95 still within its targets: 93–120 ms on
 * 784-64-10, 124–238 ms on 784-128-64-10, measured beside a CI run).
 */
export const SERVER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size'];

/** Diagnostics carry this `source`; rust-analyzer's stay distinct. */
export const DIAGNOSTIC_SOURCE = 'stylus-ml';

export interface ValidatedParams {
  uri: string;
  /** the document version that was analysed */
  version: number;
  /** diagnostics published for that version (0 when diagnostics are disabled) */
  diagnostics: number;
  /** analysis time in milliseconds */
  ms: number;
  /** set when the analysis failed (the previous diagnostics stay) */
  error?: string;
}

/** Sent by the server after every analysis of a document (tests wait for it instead of sleeping). */
export const ValidatedNotification = new NotificationType<ValidatedParams>('stylusMl/validated');

export { SETTINGS_SECTION } from '../core/contracts/settings';
/** The settings the server reads: the `diagnostics` and `codeLens` groups of the one settings schema. */
export type { ServerSettings as StylusMlSettings } from '../core/contracts/settings';
import type { ServerSettings } from '../core/contracts/settings';
import { resolveServerSettings } from '../core/contracts/settings';

/**
 * Initial settings, either at the top level (`{ diagnostics: {...}, codeLens: {...} }`, as the extension
 * sends them) or under `settings`; workspace/configuration and didChangeConfiguration override them.
 */
export interface InitializationOptions extends DeepPartial<ServerSettings> {
  settings?: DeepPartial<ServerSettings>;
  /** directory holding web-tree-sitter.wasm and tree-sitter-rust.wasm, if not next to the server bundle */
  wasmDir?: string;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export { REVEAL_IN_GRAPH_COMMAND, SHOW_GAS_REPORT_COMMAND, type ShowGasReportArgs } from '../core/contracts/commands';

/** Merges partial settings over defaults (unknown keys ignored, wrong types keep the earlier value). */
export const resolveSettings = (...parts: (DeepPartial<ServerSettings> | undefined | null)[]): ServerSettings => resolveServerSettings(...parts);

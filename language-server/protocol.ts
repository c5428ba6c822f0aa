// The contract between the Stylus ML language server and its clients (the VS Code extension, tests).
// Pure types and constants: importable from the extension without pulling in the server.

/** Diagnostics carry this `source`; rust-analyzer's stay distinct. */
export const DIAGNOSTIC_SOURCE = 'stylus-ml';

/** Sent by the server after every analysis of a document (tests wait for it instead of sleeping). */
export const VALIDATED_NOTIFICATION = 'custom/validated';

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

/** Settings section read with workspace/configuration (and accepted in initializationOptions.settings). */
export const SETTINGS_SECTION = 'stylusMl';

export interface StylusMlSettings {
  diagnostics: {
    /** `stylusMl.diagnostics.enable` */
    enable: boolean;
    /** `stylusMl.diagnostics.debounceMs`: delay after the last edit before analysing (latest wins) */
    debounceMs: number;
  };
  codeLens: {
    /** `stylusMl.codeLens.enable`: per-layer estimated gas above each layer function of a generated crate */
    enable: boolean;
  };
}

export const DEFAULT_SETTINGS: StylusMlSettings = {
  diagnostics: { enable: true, debounceMs: 250 },
  // estimates are opt-in (the extension's default too): honest, but not everyone wants them inline
  codeLens: { enable: false },
};

/**
 * Initial settings, either at the top level (`{ diagnostics: {...}, codeLens: {...} }`, as the extension
 * sends them) or under `settings`; workspace/configuration and didChangeConfiguration override them.
 */
export interface InitializationOptions extends DeepPartial<StylusMlSettings> {
  settings?: DeepPartial<StylusMlSettings>;
  /** directory holding web-tree-sitter.wasm and tree-sitter-rust.wasm, if not next to the server bundle */
  wasmDir?: string;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** Client command: re-run quantisation of a generated crate with more headroom. Arguments: [RequantizeArgs]. */
export { REQUANTIZE_COMMAND, type RequantizeArgs } from '../core/analysis/manifest/fixes';

/** Client command behind a layer's gas CodeLens. Arguments: [ShowGasReportArgs]. */
export const SHOW_GAS_REPORT_COMMAND = 'stylusMl.showGasReport';

export interface ShowGasReportArgs {
  /** absolute path of stylus-ml.json */
  manifest: string;
  /** ONNX node name of the layer */
  layer: string;
  fn: string;
}


/** Merges partial settings over defaults (unknown keys ignored, wrong types fall back). */
export function resolveSettings(...parts: (DeepPartial<StylusMlSettings> | undefined | null)[]): StylusMlSettings {
  const out: StylusMlSettings = { diagnostics: { ...DEFAULT_SETTINGS.diagnostics }, codeLens: { ...DEFAULT_SETTINGS.codeLens } };
  for (const p of parts) {
    if (!p || typeof p !== 'object') continue;
    const d = p.diagnostics;
    if (d && typeof d === 'object') {
      if (typeof d.enable === 'boolean') out.diagnostics.enable = d.enable;
      if (typeof d.debounceMs === 'number' && Number.isFinite(d.debounceMs) && d.debounceMs >= 0) out.diagnostics.debounceMs = d.debounceMs;
    }
    const c = p.codeLens;
    if (c && typeof c === 'object' && typeof c.enable === 'boolean') out.codeLens.enable = c.enable;
  }
  return out;
}

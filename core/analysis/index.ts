// The overflow analysis, an engine with no editor types: parse Rust (syntax/), analyse every function by
// abstract interpretation over integer intervals (eval/), report what the rules find (rules/), check a
// generated crate against its stylus-ml.json (manifest/), offer fixes and hovers. The language server
// (language-server/) is an LSP layer over this; `stylus-ml check` (check.ts) runs it for CI.

export { Analyzer, factAt, type AnalysisContext, type FileAnalysis, type Finding } from './analyze';
export { checkExitCode, checkPaths, formatCheckHuman, formatCheckJson, type CheckDiagnostic, type CheckResult } from './check';
export { CrateFiles, isStylusMlRuntime } from './crate-files';
export { applyEdits, fixesFor, type Fix, type FixContext, type TextEditAbs } from './fixes';
export { hoverAt, type HoverInfo } from './hover';
export { checkDocument, MANIFEST_CODES, type DocumentCheck, type DocumentCheckInput } from './manifest/check';
export { REQUANTIZE_COMMAND, type RequantizeArgs } from './manifest/fixes';
export type { LayerBinding } from './manifest/layers';
export { findManifest, ManifestCache, readManifestView, type LayerView, type ManifestView } from './manifest/view';
export { LineIndex, loadRustParser, RustDocument, RustParser, type ParserOptions, type Position, type TextChange } from './syntax/parser';

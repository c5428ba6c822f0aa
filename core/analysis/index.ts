// The overflow analysis, an engine with no editor types: parse Rust (syntax/), analyse every function by
// abstract interpretation over integer intervals (eval/), report what the rules find (rules/), check a
// generated crate against its stylus-ml.json (manifest/), offer fixes and hovers. The language server
// (language-server/) is an LSP layer over this; `stylus-ml check` (check.ts) runs it for CI.

export { Analyzer, type Finding } from './analyze';
export { CrateFiles } from './crate-files';
export { fixesFor } from './fixes';
export { hoverAt } from './hover';
export { checkDocument, type DocumentCheck } from './manifest/check';
export { ManifestCache } from './manifest/view';
export { LineIndex, loadRustParser, RustDocument, RustParser, type TextChange } from './syntax/parser';

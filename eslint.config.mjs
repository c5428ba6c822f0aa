import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Import restrictions of a layer: `vscode` always (these layers run in the CLI and tests too), plus the
 * given { regex, message } patterns, for static imports and exports (no-restricted-imports) and for
 * dynamic import() of a literal path (no-restricted-syntax; no-restricted-imports does not see those).
 */
const restrictImports = (...patterns) => ({
  'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'core/, nitro/ and devnode/ must stay importable without VS Code.' }], patterns }],
  // 'off' when there is nothing to refuse: a severity alone would inherit an earlier entry's options
  'no-restricted-syntax':
    patterns.length === 0
      ? 'off'
      : ['error', ...patterns.map(({ regex, message }) => ({ selector: `ImportExpression > Literal.source[value=/${regex.replaceAll('/', String.raw`\/`)}/]`, message }))],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.test-artifacts/', '.bench/', '.scratch/', 'stylus-templates/', '**/target/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', WebAssembly: 'readonly', performance: 'readonly', fetch: 'readonly', AbortController: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // CommonJS launchers
    files: ['bin/**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Layering (README "Layout"): nitro/ (the chain's rules) imports only the core/wasm codec and npm
  // libraries; core/ and devnode/ import nitro/ but not each other, except that core's command-line layer
  // (core/cli, core/bench) starts devnodes. Later entries replace earlier ones for the files they match.
  {
    files: ['nitro/**/*.ts'],
    rules: restrictImports(
      { regex: String.raw`(^|/)(devnode|extension|webview|language-server|test|bench|scripts)(/|$)`, message: 'nitro/ holds the chain\'s rules: it imports only the core/wasm codec (decode, encode, opcodes, types, bytes) and npm libraries.' },
      { regex: String.raw`(^|/)core/(?!wasm/(decode|encode|opcodes|types|bytes)$)`, message: 'nitro/ imports nothing from core/ but the wasm codec (core/wasm/decode, encode, opcodes, types, bytes).' },
    ),
  },
  {
    files: ['core/**/*.ts'],
    rules: restrictImports(
      { regex: String.raw`(^|/)devnode(/|$)`, message: 'core/ does not import devnode/ (only core/cli and core/bench start one); the chain\'s rules are in nitro/.' },
      { regex: String.raw`(^|/)language-server(/|$)`, message: 'core/ never imports language-server/: the analysis engine lives in core/analysis, the server is an LSP layer over it.' },
      { regex: String.raw`^(\.\./)+(extension|webview)(/|$)`, message: 'core/ never imports the VS Code extension or its webview.' },
    ),
  },
  {
    // the command-line layer starts devnodes; it imports the analysis from core/analysis like everyone else
    files: ['core/cli/**/*.ts', 'core/bench/**/*.ts'],
    rules: restrictImports(
      { regex: String.raw`(^|/)language-server(/|$)`, message: 'core/ never imports language-server/: the analysis engine lives in core/analysis, the server is an LSP layer over it.' },
      { regex: String.raw`^(\.\./)+(extension|webview)(/|$)`, message: 'core/ never imports the VS Code extension or its webview.' },
    ),
  },
  {
    files: ['devnode/**/*.ts'],
    rules: restrictImports(
      { regex: String.raw`(^|/)(core|extension|webview|language-server)(/|$)`, message: 'devnode/ imports nitro/ for the chain\'s rules, never core/ (nor the extension, webview or language server).' },
    ),
  },
);

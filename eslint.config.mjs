import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // layering: the engine below its clients — core/ and devnode/ never import vscode, and never the
    // language server (an LSP layer over core/analysis) or the extension
    files: ['core/**/*.ts', 'devnode/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'core/ and devnode/ must stay importable without VS Code.' }],
          patterns: [
            { regex: '^(\\.\\./)+language-server(/|$)', message: 'core/ and devnode/ never import language-server/: the analysis engine lives in core/analysis, the server is a layer over it.' },
            { regex: '^(\\.\\./)+(extension|webview)(/|$)', message: 'core/ and devnode/ never import the VS Code extension or its webview.' },
          ],
        },
      ],
    },
  },
);

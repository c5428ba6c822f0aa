// package.json is the extension's manifest: its contributions must match what the code registers and reads,
// and follow the hygiene rules (category, context keys, activation, allowlist packaging).
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { COMMAND_IDS, CONTEXT_KEYS, SAMPLE_MODEL } from '../../extension/ids';
import { SETTING_DEFAULTS } from '../../extension/settings';
import { SUPPORTED_ARBOS_VERSIONS } from '../../nitro/arbos';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const c = pkg.contributes;

/** Context keys VS Code itself defines that our clauses may use. */
const BUILTIN_KEYS = new Set(['resourceExtname', 'resourceFilename', 'activeCustomEditorId', 'activeWebviewPanelId', 'view', 'viewItem']);

/** The context keys a clause reads: the left side of each comparison, or a bare (possibly negated) key. */
function keysIn(clause: string): string[] {
  return clause
    .split(/&&|\|\|/)
    .map((term) => term.trim().replace(/^!/, '').split(/\s*(?:==|!=|=~)\s*/)[0].replace(/[()]/g, '').trim());
}

describe('package.json contributions', () => {
  test('commands: exactly the ids the extension registers, each in category "Stylus ML"', () => {
    const ids = c.commands.map((x: { command: string }) => x.command).sort();
    assert.deepEqual(ids, [...COMMAND_IDS].sort());
    for (const x of c.commands) {
      assert.equal(x.category, 'Stylus ML', x.command);
      assert.ok(x.title && !x.title.startsWith('Stylus ML'), `${x.command}: the title does not repeat the category`);
    }
  });

  test('when/enablement clauses only use our context keys or VS Code built-ins', () => {
    const ours = new Set<string>(Object.values(CONTEXT_KEYS));
    const clauses: string[] = [
      ...c.commands.map((x: { enablement?: string }) => x.enablement).filter(Boolean),
      ...Object.values(c.menus as Record<string, { when?: string }[]>).flat().map((m) => m.when).filter((w): w is string => !!w),
    ];
    assert.ok(clauses.length > 10);
    for (const clause of clauses) {
      for (const key of keysIn(clause)) assert.ok(ours.has(key) || BUILTIN_KEYS.has(key), `unknown context key ${key} in "${clause}"`);
    }
    for (const m of Object.values(c.menus as Record<string, { command: string }[]>).flat()) assert.ok(COMMAND_IDS.includes(m.command as never), m.command);
  });

  test('settings: the same keys and defaults as extension/settings.ts, each with a scope and a description', () => {
    const props = c.configuration.properties as Record<string, { default: unknown; scope: string; markdownDescription?: string }>;
    const declared = Object.fromEntries(Object.entries(props).filter(([k]) => k !== 'stylusMl.trace.server').map(([k, v]) => [k.replace(/^stylusMl\./, ''), v.default]));
    assert.deepEqual(declared, { ...SETTING_DEFAULTS });
    for (const [k, v] of Object.entries(props)) {
      assert.ok(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable'].includes(v.scope), `${k} scope`);
      assert.ok((v.markdownDescription ?? '').length > 30, `${k} description`);
    }
    assert.deepEqual((props['stylusMl.devnode.mode'] as unknown as { enum: string[] }).enum, ['embedded', 'docker', 'rpc']);
    // The ArbOS versions offered are exactly the ones the embedded devnode supports.
    assert.deepEqual((props['stylusMl.devnode.arbosVersion'] as unknown as { enum: number[] }).enum, [...SUPPORTED_ARBOS_VERSIONS]);
  });

  test('activation: shallow workspaceContains globs of a crate manifest, an .onnx file or a Stylus crate, and any Rust file (no ** walk of a big workspace; commands activate implicitly)', () => {
    for (const e of pkg.activationEvents) {
      if (e === 'onLanguage:rust') continue;
      assert.match(e, /^workspaceContains:(\*\/){0,3}(stylus-ml\.json|\*\.onnx|Stylus\.toml)$/, e);
      assert.ok(!e.includes('**'), `${e} walks the whole workspace`);
    }
    for (const want of ['workspaceContains:stylus-ml.json', 'workspaceContains:*.onnx', 'workspaceContains:Stylus.toml', 'onLanguage:rust']) assert.ok(pkg.activationEvents.includes(want), want);
    assert.ok(pkg.engines.vscode.startsWith('^1.'), 'engines.vscode is pinned');
  });

  test('release hygiene: workspace extension, PNG icon that ships, repository, changelog', () => {
    assert.deepEqual(pkg.extensionKind, ['workspace'], 'it runs the engine and child processes where the files are');
    assert.match(pkg.icon, /\.png$/);
    const png = readFileSync(path.join(root, pkg.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.ok(png.readUInt32BE(16) >= 128 && png.readUInt32BE(20) >= 128, 'at least 128×128 (the Marketplace size)');
    assert.match(pkg.repository.url, /^https:\/\/github\.com\//);
    assert.match(readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), /^## \[0\.1\.0\]/m);
    assert.match(readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!media\/\*\*$/m, 'the icon ships');
  });

  test('the .onnx custom editor and the walkthrough point at files that exist', () => {
    assert.deepEqual(c.customEditors[0].selector, [{ filenamePattern: '*.onnx' }]);
    assert.equal(c.customEditors[0].viewType, 'stylusMl.modelPreview');
    const steps = c.walkthroughs[0].steps as { media: { markdown: string }; description: string }[];
    assert.ok(steps.length >= 5);
    for (const s of steps) {
      assert.ok(existsSync(path.join(root, s.media.markdown)), s.media.markdown);
      for (const m of s.description.matchAll(/command:([\w.]+)/g)) assert.ok(COMMAND_IDS.includes(m[1] as never), `walkthrough links ${m[1]}`);
    }
    assert.ok(existsSync(path.join(root, SAMPLE_MODEL)), 'the sample model is bundled');
  });

  test('.vscodeignore is an allowlist', () => {
    const lines = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.equal(lines[0], '**', 'everything is excluded first');
    assert.ok(lines.slice(1).every((l) => l.startsWith('!')), 'then only re-included paths follow');
  });
});

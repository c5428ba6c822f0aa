// stylus-ml.json's JSON Schema (what VS Code validates the file with as it is edited) is generated from
// the one valibot schema: the committed file must be current, and it must describe what `new` writes.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MANIFEST_JSON_SCHEMA_PATH, manifestJsonSchema } from '../../core/manifest/json-schema';
import pkg from '../../package.json';

const root = path.resolve(__dirname, '..', '..');

test('the committed JSON Schema is the one the valibot schema gives (run `npm run schemas` after changing it)', () => {
  const committed = JSON.parse(readFileSync(path.join(root, MANIFEST_JSON_SCHEMA_PATH), 'utf8'));
  assert.deepEqual(committed, manifestJsonSchema());
});

test('package.json contributes it for stylus-ml.json, and the .vsix ships it', () => {
  assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: 'stylus-ml.json', url: `./${MANIFEST_JSON_SCHEMA_PATH}` }]);
  assert.match(readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!schemas\/\*\.json$/m);
});

test('the JSON Schema is strict where the reader is: unknown keys are refused, required keys are listed', () => {
  const s = manifestJsonSchema() as { required: string[]; additionalProperties: boolean; properties: Record<string, { required?: string[] }> };
  assert.equal(s.additionalProperties, false);
  for (const k of ['schema', 'model', 'inputs', 'outputs', 'layers', 'modelHash', 'files', 'lowering', 'contract']) assert.ok(s.required.includes(k), k);
  assert.ok(!s.required.includes('measured'), 'measured appears only after a build or deploy');
});

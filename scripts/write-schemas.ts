// `npm run schemas`: writes the JSON Schemas generated from the valibot schemas (the editor's inline
// validation of stylus-ml.json). test/unit/manifest-schema.test.ts fails when the committed file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_JSON_SCHEMA_PATH, manifestJsonSchemaText } from '../core/manifest/json-schema';

const root = path.resolve(__dirname, '..');
const out = path.join(root, MANIFEST_JSON_SCHEMA_PATH);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, manifestJsonSchemaText());
console.log(`wrote ${path.relative(root, out)}`);

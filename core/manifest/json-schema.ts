// The manifest's JSON Schema (draft-07), generated from the valibot schema — what VS Code validates
// stylus-ml.json with as the user edits it (package.json contributes.jsonValidation). The committed
// schemas/stylus-ml.schema.json is this function's output; a unit test keeps the two equal.
import { toJsonSchema } from '@valibot/to-json-schema';
import { MANIFEST_FILE, MANIFEST_SCHEMA, ManifestSchema } from './schema';

export const MANIFEST_JSON_SCHEMA_PATH = 'schemas/stylus-ml.schema.json';

export function manifestJsonSchema(): Record<string, unknown> {
  const s = toJsonSchema(ManifestSchema, {
    target: 'draft-07',
    errorMode: 'throw',
    overrideAction: ({ valibotAction, jsonSchema }) => {
      // JSON has no Infinity or NaN: every JSON number is finite already
      if (valibotAction.type === 'finite') return jsonSchema;
      if (valibotAction.type === 'iso_timestamp') return { ...jsonSchema, format: 'date-time' };
      return undefined;
    },
  }) as Record<string, unknown>;
  return {
    $schema: s.$schema,
    title: `${MANIFEST_FILE} (schema ${MANIFEST_SCHEMA})`,
    description: 'The manifest stylus-ml writes at the root of every generated crate. Regenerate with `stylus-ml new --force` rather than editing by hand; build and deploy fill in `measured`.',
    ...Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$schema')),
  };
}

export function manifestJsonSchemaText(): string {
  return JSON.stringify(manifestJsonSchema(), null, 2) + '\n';
}

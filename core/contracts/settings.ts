// The `stylusMl.*` settings: one schema for the extension's reader, the language server's (its part:
// diagnostics and CodeLens) and package.json's contributes.configuration, which a unit test holds equal key
// for key, default for default. A malformed value falls back to its default rather than failing: settings
// come from hand-edited JSON.
import { v } from './check';
import { DEFAULT_ARBOS_VERSION, SUPPORTED_ARBOS_VERSIONS } from '../../nitro/arbos';

export const SETTINGS_SECTION = 'stylusMl';

/** Every setting key (without the section) and its default. */
export const SETTING_DEFAULTS = {
  'devnode.mode': 'embedded',
  'devnode.port': 8547,
  'devnode.arbosVersion': DEFAULT_ARBOS_VERSION,
  'devnode.rpcUrl': '',
  defaultTemplate: 'sdk',
  inputPolicy: 'revert',
  'estimates.enable': true,
  'diagnostics.enable': true,
  'diagnostics.debounceMs': 250,
  'codeLens.enable': false,
} as const satisfies Record<string, string | number | boolean>;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

const d = SETTING_DEFAULTS;
/** `schema`, or the default when the value is missing or malformed */
const setting = <S extends v.GenericSchema<unknown, string | number | boolean>>(schema: S, fallback: v.InferOutput<S>) => v.fallback(v.optional(schema, fallback), fallback);
const bool = (fallback: boolean) => setting(v.boolean(), fallback);
const intIn = (lo: number, hi: number, fallback: number) => setting(v.pipe(v.number(), v.integer(), v.minValue(lo), v.maxValue(hi)), fallback);

/** a group of settings; missing or not an object: every member at its default */
function group<E extends v.ObjectEntries>(entries: E) {
  const o = v.object(entries);
  const defaults = () => v.parse(o, {});
  return v.fallback(v.optional(o, () => ({}) as v.InferInput<typeof o>), defaults);
}

const DiagnosticsSchema = group({ enable: bool(d['diagnostics.enable']), debounceMs: intIn(0, 10_000, d['diagnostics.debounceMs']) });
const CodeLensSchema = group({ enable: bool(d['codeLens.enable']) });

/** What the language server reads (workspace/configuration and initializationOptions). */
export const ServerSettingsSchema = v.object({ diagnostics: DiagnosticsSchema, codeLens: CodeLensSchema });

export const SettingsSchema = v.object({
  devnode: group({
    mode: setting(v.picklist(['embedded', 'docker', 'rpc']), d['devnode.mode']),
    port: intIn(1024, 65535, d['devnode.port']),
    arbosVersion: setting(v.picklist(SUPPORTED_ARBOS_VERSIONS), DEFAULT_ARBOS_VERSION),
    rpcUrl: setting(v.pipe(v.string(), v.trim()), d['devnode.rpcUrl']),
  }),
  defaultTemplate: setting(v.picklist(['sdk', 'minimal']), d.defaultTemplate),
  inputPolicy: setting(v.picklist(['revert', 'clamp']), d.inputPolicy),
  estimates: group({ enable: bool(d['estimates.enable']) }),
  diagnostics: DiagnosticsSchema,
  codeLens: CodeLensSchema,
});

export type StylusMlSettings = v.InferOutput<typeof SettingsSchema>;
export type ServerSettings = v.InferOutput<typeof ServerSettingsSchema>;

/** Nested settings from flat `a.b` keys, as VS Code's configuration reader gives them. */
export function nestSettings(get: (key: SettingKey) => unknown): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | unknown> = {};
  for (const key of Object.keys(SETTING_DEFAULTS) as SettingKey[]) {
    const value = get(key);
    if (value === undefined) continue;
    const [a, b] = key.split('.');
    if (b === undefined) out[a] = value;
    else out[a] = { ...((out[a] as Record<string, unknown> | undefined) ?? {}), [b]: value };
  }
  return out;
}

/** Settings with every malformed or missing value replaced by its default. */
export function parseSettings(raw: unknown): StylusMlSettings {
  return v.parse(SettingsSchema, raw && typeof raw === 'object' ? raw : {});
}

const SERVER_LEAVES = {
  diagnostics: { enable: v.boolean(), debounceMs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)) },
  codeLens: { enable: v.boolean() },
} as const;

/** The language server's settings from partial layers (defaults < initializationOptions < the client's);
 *  a malformed value in a later layer keeps the earlier layer's value. */
export function resolveServerSettings(...parts: unknown[]): ServerSettings {
  const out = v.parse(ServerSettingsSchema, {});
  for (const p of parts) {
    if (!p || typeof p !== 'object') continue;
    for (const [group, leaves] of Object.entries(SERVER_LEAVES) as [keyof ServerSettings, Record<string, v.GenericSchema>][]) {
      const g = (p as Record<string, unknown>)[group];
      if (!g || typeof g !== 'object') continue;
      for (const [leaf, schema] of Object.entries(leaves)) {
        const value = (g as Record<string, unknown>)[leaf];
        if (v.is(schema, value)) (out[group] as Record<string, unknown>)[leaf] = value;
      }
    }
  }
  return out;
}

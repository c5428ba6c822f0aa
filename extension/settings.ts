// The extension's settings (`stylusMl.*`): the typed reader over the one settings schema
// (core/contracts/settings.ts). package.json's `contributes.configuration` is the user-facing schema;
// test/unit/extension-manifest.test.ts checks that the two agree key for key, default for default.

import { SETTINGS_SECTION, SETTING_DEFAULTS, nestSettings, parseSettings, type StylusMlSettings } from '../core/contracts/settings';

export { SETTINGS_SECTION, SETTING_DEFAULTS, type StylusMlSettings };
export type DevnodeMode = StylusMlSettings['devnode']['mode'];

/** Minimal view of vscode.WorkspaceConfiguration, so this module stays free of `vscode`. */
export interface ConfigReader {
  get<T>(key: string): T | undefined;
}

/** Reads and sanitises the settings; a malformed value falls back to its default. */
export function readSettings(cfg: ConfigReader): StylusMlSettings {
  return parseSettings(nestSettings((k) => cfg.get<unknown>(k)));
}

/** The URL a client should talk to for the configured devnode mode. */
export function devnodeUrl(s: StylusMlSettings): string {
  return s.devnode.mode === 'rpc' ? s.devnode.rpcUrl : `http://127.0.0.1:${s.devnode.port}`;
}

// The typed settings reader: defaults, sanitising of malformed values, and the devnode URL.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { SETTING_DEFAULTS, devnodeUrl, readSettings } from '../../extension/settings';

const reader = (values: Record<string, unknown>) => ({ get: <T>(k: string) => values[k] as T | undefined });

describe('readSettings', () => {
  test('an empty configuration gives the documented defaults', () => {
    const s = readSettings(reader({}));
    assert.deepEqual(s, {
      devnode: { mode: 'embedded', port: 8547, arbosVersion: 61, rpcUrl: '' },
      defaultTemplate: 'sdk',
      inputPolicy: 'revert',
      estimates: { enable: true },
      diagnostics: { enable: true, debounceMs: 250 },
      codeLens: { enable: false },
    });
    assert.equal(devnodeUrl(s), 'http://127.0.0.1:8547');
  });

  test('valid values are taken; malformed ones fall back to their defaults', () => {
    const s = readSettings(reader({ 'devnode.mode': 'rpc', 'devnode.rpcUrl': ' https://example.org/rpc ', 'devnode.port': 80, 'devnode.arbosVersion': 40.5, defaultTemplate: 'minimal', inputPolicy: 'explode', 'codeLens.enable': 'yes' }));
    assert.equal(s.devnode.mode, 'rpc');
    assert.equal(s.devnode.rpcUrl, 'https://example.org/rpc');
    assert.equal(s.devnode.port, SETTING_DEFAULTS['devnode.port'], 'ports below 1024 are refused');
    assert.equal(s.devnode.arbosVersion, 61, 'versions the devnode does not support are refused (the default, what One runs)');
    assert.equal(s.defaultTemplate, 'minimal');
    assert.equal(s.inputPolicy, 'revert');
    assert.equal(s.codeLens.enable, false);
    assert.equal(devnodeUrl(s), 'https://example.org/rpc');
    assert.equal(readSettings(reader({ 'devnode.arbosVersion': 59 })).devnode.arbosVersion, 59);
    assert.equal(readSettings(reader({ 'devnode.arbosVersion': 41 })).devnode.arbosVersion, 61);
    assert.equal(readSettings(reader({ 'devnode.arbosVersion': 40 })).devnode.arbosVersion, 40, 'older versions stay selectable');
  });
});

// The fixed-point runtime as a library (stylus-templates/runtime, the crate stylus-ml-runtime): one
// definition of its tables with the generator's, and its fixed.rs is the file generated crates copy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readTemplate, tablesRs } from '../../core/codegen/templates';

const RUNTIME = path.resolve(__dirname, '../../stylus-templates/runtime');

describe('stylus-ml-runtime', () => {
  it("its tables are the ones the generator writes from the simulator's constants", () => {
    assert.equal(readFileSync(path.join(RUNTIME, 'src', 'tables.rs'), 'utf8'), tablesRs());
  });

  it('its fixed module is the runtime generated crates copy, and it is a no_std crate without dependencies', () => {
    const lib = readFileSync(path.join(RUNTIME, 'src', 'lib.rs'), 'utf8');
    assert.match(lib, /#\[path = "\.\.\/fixed\.rs"\]\s*pub mod fixed;/);
    assert.match(lib, /#!\[no_std\]/);
    assert.ok(readTemplate('runtime/fixed.rs').includes('pub fn rescale('));
    const toml = readFileSync(path.join(RUNTIME, 'Cargo.toml'), 'utf8');
    assert.match(toml, /name = "stylus-ml-runtime"/);
    assert.match(toml, /\[dependencies\]\s*$/);
  });
});

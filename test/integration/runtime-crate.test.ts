// stylus-templates/runtime builds and tests as a crate of its own: `cargo test --offline` (unit tests and
// doc tests) and `cargo doc --offline --no-deps` without a warning (every public item documented).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { hostCargo } from '../fixtures/rust';

const RUNTIME = path.resolve(__dirname, '../../stylus-templates/runtime');
const tmp = mkdtempSync(path.join(tmpdir(), 'runtime-crate-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('stylus-ml-runtime, natively', () => {
  it('cargo test --offline passes its unit and doc tests; cargo doc --offline --no-deps warns about nothing', () => {
    assert.ok(hostCargo(), 'cargo is installed (scripts/setup-debian.sh / rustup)');
    const dir = path.join(tmp, 'runtime');
    cpSync(RUNTIME, dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}target`) });
    const test = spawnSync('cargo', ['test', '--offline'], { cwd: dir, encoding: 'utf8' });
    assert.equal(test.status, 0, test.stderr + test.stdout);
    const passed = [...test.stdout.matchAll(/test result: ok\. (\d+) passed/g)].map((m) => Number(m[1]));
    assert.ok(passed.reduce((a, b) => a + b, 0) >= 15, `unit and doc tests ran: ${passed}`);
    const doc = spawnSync('cargo', ['doc', '--offline', '--no-deps'], { cwd: dir, encoding: 'utf8' });
    assert.equal(doc.status, 0, doc.stderr);
    assert.doesNotMatch(doc.stderr, /^warning/m, doc.stderr);
  });
});

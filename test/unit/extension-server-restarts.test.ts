// The language client's error handler: a crashed server restarts, a crash loop stops with a message.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { RestartPolicy } from '../../extension/server-restarts';

test('restarts up to 4 crashes in 3 minutes, then stays off saying how to restart it', () => {
  let t = 0;
  const p = new RestartPolicy(4, 180_000, () => t);
  for (let i = 1; i <= 4; i++) {
    t += 10_000;
    const d = p.closed();
    assert.equal(d.restart, true, `crash ${i}`);
    assert.match(d.message, new RegExp(`restarting it \\(${i} of 4`));
  }
  t += 10_000;
  const off = p.closed();
  assert.equal(off.restart, false);
  assert.match(off.message, /stopped 5 times in 3 minutes and stays off.*Reload Window/);
});

test('crashes older than the window are forgotten', () => {
  let t = 0;
  const p = new RestartPolicy(2, 60_000, () => t);
  p.closed();
  p.closed();
  t += 61_000;
  assert.equal(p.closed().restart, true, 'the earlier two are outside the window');
});

test('connection errors continue until they repeat', () => {
  const p = new RestartPolicy();
  assert.equal(p.error(1).shutdown, false);
  assert.equal(p.error(4).shutdown, true);
});

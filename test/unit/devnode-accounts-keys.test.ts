// The devnode's funded accounts and core/chain's key handling.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { DEV_ACCOUNT, TEST_ACCOUNTS, TEST_MNEMONIC } from '../../devnode/accounts';
import { DEV_ADDRESS, DEV_PRIVATE_KEY, parsePrivateKey, readKeyFile } from '../../core/chain/keys';

test('the dev account key belongs to nitro-devnode 0x3f1E…2d0E', () => {
  assert.equal(privateKeyToAccount(DEV_ACCOUNT.privateKey).address, DEV_ACCOUNT.address);
  assert.equal(DEV_ACCOUNT.address, DEV_ADDRESS);
  assert.equal(DEV_ACCOUNT.privateKey, DEV_PRIVATE_KEY);
});

test('the test accounts are m/44\'/60\'/0\'/0/i of the well-known development mnemonic', () => {
  TEST_ACCOUNTS.forEach((a, i) => {
    const derived = mnemonicToAccount(TEST_MNEMONIC, { addressIndex: i });
    assert.equal(derived.address, a.address);
    assert.equal(privateKeyToAccount(a.privateKey).address, a.address);
  });
});

test('key parsing accepts 64 hex digits with or without 0x and surrounding whitespace', () => {
  const body = DEV_PRIVATE_KEY.slice(2);
  assert.equal(parsePrivateKey(`  ${body}\n`, 'x'), DEV_PRIVATE_KEY);
  assert.equal(parsePrivateKey(`0x${body.toUpperCase()}`, 'x'), DEV_PRIVATE_KEY);
});

test('bad keys are refused with messages that never contain the key', () => {
  const secret = DEV_PRIVATE_KEY.slice(2, 60); // too short, still secret-looking
  for (const bad of [secret, `${DEV_PRIVATE_KEY}00`, 'hello', `0x${'0'.repeat(64)}`]) {
    assert.throws(
      () => parsePrivateKey(bad, 'key file k.txt'),
      (e: Error) => {
        assert.match(e.message, /^key file k\.txt: /);
        assert.ok(!e.message.includes(secret), 'the key text is not echoed');
        return true;
      },
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
  const file = path.join(dir, 'key');
  writeFileSync(file, `${DEV_PRIVATE_KEY}\n`);
  assert.equal(readKeyFile(file), DEV_PRIVATE_KEY);
  assert.throws(() => readKeyFile(path.join(dir, 'missing')), /key file .*missing: not found/);
});

// Every vm_hooks import: its ink (reference §3 "Hostio ink prices", worked out here), the EVM gas it
// buys from the chain side (a fixed-cost in-memory EvmApi), and what it reads or writes.

import assert from 'node:assert/strict';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { after, before, describe, it } from 'node:test';
import { stylusParamsFor } from '../../nitro/params';
import type { CallContext } from '../../nitro/host';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { FixedCostEvmApi, bytes, context, hex, run, wat, word } from './stylus-harness';

const HEADER = 2450n;
const INK_PER_GAS = 10000n;
const writePrice = (b: number) => 5040n + 30n * BigInt(Math.max(b - 32, 0));
const readPrice = (b: number) => 16381n + 55n * BigInt(Math.max(b - 32, 0));
const keccakPrice = (b: number) => 121800n + 21000n * BigInt(Math.max(Math.ceil(b / 32) - 2, 0));

// signatures from reference §1 (i32 = pointers/u32/bool, i64 = u64)
const SIGS: Record<string, string> = {
  read_args: '(param i32)', write_result: '(param i32 i32)', exit_early: '(param i32)',
  storage_load_bytes32: '(param i32 i32)', storage_cache_bytes32: '(param i32 i32)', storage_flush_cache: '(param i32)',
  transient_load_bytes32: '(param i32 i32)', transient_store_bytes32: '(param i32 i32)',
  call_contract: '(param i32 i32 i32 i32 i64 i32) (result i32)', delegate_call_contract: '(param i32 i32 i32 i64 i32) (result i32)',
  static_call_contract: '(param i32 i32 i32 i64 i32) (result i32)', create1: '(param i32 i32 i32 i32 i32)',
  create2: '(param i32 i32 i32 i32 i32 i32)', read_return_data: '(param i32 i32 i32) (result i32)',
  return_data_size: '(result i32)', emit_log: '(param i32 i32 i32)', account_balance: '(param i32 i32)',
  account_code: '(param i32 i32 i32 i32) (result i32)', account_code_size: '(param i32) (result i32)',
  account_codehash: '(param i32 i32)', evm_gas_left: '(result i64)', evm_ink_left: '(result i64)',
  block_basefee: '(param i32)', block_coinbase: '(param i32)', block_gas_limit: '(result i64)', block_number: '(result i64)',
  block_timestamp: '(result i64)', chainid: '(result i64)', contract_address: '(param i32)',
  math_div: '(param i32 i32)', math_mod: '(param i32 i32)', math_pow: '(param i32 i32)',
  math_add_mod: '(param i32 i32 i32)', math_mul_mod: '(param i32 i32 i32)', msg_reentrant: '(result i32)',
  msg_sender: '(param i32)', msg_value: '(param i32)', tx_gas_price: '(param i32)', tx_ink_price: '(result i32)',
  tx_origin: '(param i32)', pay_for_memory_grow: '(param i32)', native_keccak256: '(param i32 i32 i32)',
};

const imports = (names: string[]) =>
  [...new Set([...names, 'write_result'])].map((n) => `(import "vm_hooks" "${n}" (func $${n} ${SIGS[n]}))`).join('\n');

/** A program whose entrypoint is `body`; memory has `data` at offset 0 when given. */
function program(names: string[], body: string, data = '') {
  return `(module ${imports(names)}
    (memory (export "memory") 1 1)
    ${data ? `(data (i32.const 0) "${data}")` : ''}
    (func (export "user_entrypoint") (param i32) (result i32) ${body}))`;
}

const refPrice: Record<string, number> = { 'i32.const': 1, 'i64.const': 1, call: 3800, drop: 9, end: 1, 'local.get': 75 };
const ops = (...list: string[]) => BigInt(list.reduce((n, o) => n + refPrice[o], 0));
/** ink of: [prefix ops; call] header, the hostio, [drop?; i32.const 0; end] header */
const around = (args: number, hostio: bigint, results = 0, i64Args = 0) =>
  ops(...Array(args - i64Args).fill('i32.const'), ...Array(i64Args).fill('i64.const'), 'call') + HEADER + hostio +
  ops(...Array(results).fill('drop'), 'i32.const', 'end') + HEADER;

const bytesText = (b: Uint8Array) => [...b].map((x) => `\\${x.toString(16).padStart(2, '0')}`).join('');

describe('Stylus hostios: ink, gas and effects', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());

  it('charges the 13440-ink context hostios and writes the call context', async () => {
    const cases: [string, keyof CallContext, number][] = [
      ['block_basefee', 'blockBasefee', 32], ['block_coinbase', 'blockCoinbase', 20], ['contract_address', 'contractAddress', 20],
      ['msg_sender', 'msgSender', 20], ['msg_value', 'msgValue', 32], ['tx_gas_price', 'txGasPrice', 32], ['tx_origin', 'txOrigin', 20],
    ];
    for (const [name, field, len] of cases) {
      const ink = await run(rt, await wat(program([name], `i32.const 64 call $${name} i32.const 0`)));
      assert.equal(ink.inkUsed, around(1, 13440n), name);
      const out = await run(rt, await wat(program([name], `i32.const 64 call $${name} i32.const 64 i32.const ${len} call $write_result i32.const 0`)));
      assert.equal(hex((out.outcome as { output: Uint8Array }).output), hex(context()[field] as Uint8Array), name);
    }
  });

  it('charges the 8400-ink scalar hostios and returns their values', async () => {
    const i64s: [string, bigint][] = [['block_gas_limit', 32_000_000n], ['block_number', 123_456n], ['block_timestamp', 1_700_000_000n], ['chainid', 412346n]];
    for (const [name, value] of i64s) {
      const ink = await run(rt, await wat(program([name], `call $${name} drop i32.const 0`)));
      assert.equal(ink.inkUsed, around(0, 8400n, 1), name);
      const out = await run(rt, await wat(program([name], `i32.const 0 call $${name} i64.store i32.const 0 i32.const 8 call $write_result i32.const 0`)));
      const got = Buffer.from((out.outcome as { output: Uint8Array }).output).readBigUInt64LE(0);
      assert.equal(got, value, name);
    }
    for (const name of ['msg_reentrant', 'tx_ink_price', 'return_data_size']) {
      const ink = await run(rt, await wat(program([name], `call $${name} drop i32.const 0`)));
      assert.equal(ink.inkUsed, around(0, 8400n, 1), name);
    }
    const price = await run(rt, await wat(program(['tx_ink_price'], 'i32.const 0 call $tx_ink_price i32.store i32.const 0 i32.const 4 call $write_result i32.const 0')));
    assert.equal(Buffer.from((price.outcome as { output: Uint8Array }).output).readUInt32LE(0), 10000);
    const reentrant = await run(rt, await wat(program(['msg_reentrant'], 'call $msg_reentrant')), { ctx: { reentrant: true } });
    assert.equal(reentrant.outcome.kind, 'revert', 'msg_reentrant returned 1 when reentrant');
  });

  it('evm_gas_left and evm_ink_left report what is left after paying for themselves', async () => {
    const src = await wat(program(['evm_ink_left', 'evm_gas_left'], `
      i32.const 0 call $evm_ink_left i64.store
      i32.const 8 call $evm_gas_left i64.store
      i32.const 0 i32.const 16 call $write_result i32.const 0`));
    const gas = 1_000_000n;
    const res = await run(rt, src, { gas });
    const out = Buffer.from((res.outcome as { output: Uint8Array }).output);
    const start = gas * INK_PER_GAS;
    const inkAtFirst = start - (ops('i32.const', 'call') + HEADER + 8400n);
    assert.equal(out.readBigUInt64LE(0), inkAtFirst);
    // the next block is [i64.store (950), i32.const, call], charged before evm_gas_left runs
    const inkAtSecond = inkAtFirst - (950n + ops('i32.const', 'call') + HEADER + 8400n);
    assert.equal(out.readBigUInt64LE(8), inkAtSecond / INK_PER_GAS);
  });

  it('read_args pays write_price(len) and copies the calldata; write_result pays 2 × read_price(len)', async () => {
    const calldata = Uint8Array.from({ length: 100 }, (_, i) => i * 3);
    const ra = await run(rt, await wat(program(['read_args'], 'i32.const 0 call $read_args i32.const 0')), { calldata });
    assert.equal(ra.inkUsed, around(1, 8400n + writePrice(100)));
    const wr = await run(rt, await wat(program([], 'i32.const 0 i32.const 100 call $write_result i32.const 0')));
    assert.equal(wr.inkUsed, around(2, 8400n + 2n * readPrice(100)));
    const echo = await run(rt, await wat(program(['read_args'], 'i32.const 0 call $read_args i32.const 0 local.get 0 call $write_result i32.const 0')), { calldata });
    assert.deepEqual((echo.outcome as { output: Uint8Array }).output, calldata);
  });

  it('native_keccak256 pays keccak_price only (no 8400 base) and hashes', async () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => 255 - i);
    const src = await wat(program(['native_keccak256'], 'i32.const 0 i32.const 100 i32.const 200 call $native_keccak256 i32.const 0', bytesText(data)));
    const res = await run(rt, src);
    assert.equal(res.inkUsed, around(3, keccakPrice(100)));
    assert.equal(keccakPrice(100), 163800n);
    const out = await run(rt, await wat(program(['native_keccak256'], 'i32.const 0 i32.const 100 i32.const 200 call $native_keccak256 i32.const 200 i32.const 32 call $write_result i32.const 0', bytesText(data))));
    assert.equal(hex((out.outcome as { output: Uint8Array }).output), hex(keccak_256(data)));
  });

  it('math hostios: prices and 256-bit results', async () => {
    const a = (1n << 200n) + 12345n;
    const b = (1n << 130n) + 7n;
    const m = (1n << 255n) - 19n;
    const data = bytesText(word(a)) + bytesText(word(b)) + bytesText(word(m));
    const cases: [string, string, bigint, bigint][] = [
      ['math_div', 'i32.const 0 i32.const 32', 43520n, a / b],
      ['math_mod', 'i32.const 0 i32.const 32', 43520n, a % b],
      ['math_add_mod', 'i32.const 0 i32.const 32 i32.const 64', 49560n, (a + b) % m],
      ['math_mul_mod', 'i32.const 0 i32.const 32 i32.const 64', 52660n, (a * b) % m],
    ];
    for (const [name, args, ink, expected] of cases) {
      const nargs = args.split('i32.const').length - 1;
      const res = await run(rt, await wat(program([name], `${args} call $${name} i32.const 0`, data)));
      assert.equal(res.inkUsed, around(nargs, ink), name);
      const out = await run(rt, await wat(program([name], `${args} call $${name} i32.const 0 i32.const 32 call $write_result i32.const 0`, data)));
      assert.equal(hex((out.outcome as { output: Uint8Array }).output), hex(word(expected)), name);
    }
    // pow: base 3, exponent 0x0102 (two significant bytes): 23520 + 3000 + 17500 × (33 − 30)
    const pow = bytesText(word(3n)) + bytesText(word(0x0102n));
    const powInk = await run(rt, await wat(program(['math_pow'], 'i32.const 0 i32.const 32 call $math_pow i32.const 0', pow)));
    assert.equal(powInk.inkUsed, around(2, 23520n + 3000n + 17500n * 3n));
    const p = await run(rt, await wat(program(['math_pow'], 'i32.const 0 i32.const 32 call $math_pow i32.const 0 i32.const 32 call $write_result i32.const 0', pow)));
    let expect = 1n;
    for (let i = 0; i < 0x0102; i++) expect = (expect * 3n) % (1n << 256n);
    assert.equal(hex((p.outcome as { output: Uint8Array }).output), hex(word(expect)));
    // division by zero yields zero as in the EVM
    const z = await run(rt, await wat(program(['math_div'], 'i32.const 0 i32.const 32 call $math_div i32.const 0 i32.const 32 call $write_result i32.const 0', bytesText(word(5n)))));
    assert.equal(hex((z.outcome as { output: Uint8Array }).output), hex(word(0n)));
  });

  it('storage: load pays 18480 ink + the SLOAD gas, cache 18480 + its surcharge, flush 68073 + SSTORE gas (ArbOS ≥ 32)', async () => {
    const api = new FixedCostEvmApi();
    api.storage.set(hex(bytes(32)), word(0xabcn));
    const load = await run(rt, await wat(program(['storage_load_bytes32'], 'i32.const 0 i32.const 32 call $storage_load_bytes32 i32.const 32 i32.const 32 call $write_result i32.const 0')), { api });
    assert.equal(hex((load.outcome as { output: Uint8Array }).output), hex(word(0xabcn)));
    const loadOnly = await run(rt, await wat(program(['storage_load_bytes32'], 'i32.const 0 i32.const 32 call $storage_load_bytes32 i32.const 0')), { api });
    assert.equal(loadOnly.inkUsed, around(2, 18480n + api.costs.sload * INK_PER_GAS));
    assert.ok(api.requests.includes('getBytes32:5'), 'evmApiGas is ink_to_gas(59673) = 5 from ArbOS 32');
    api.costs.sstoreCache = 7n;
    const cache = await run(rt, await wat(program(['storage_cache_bytes32'], 'i32.const 0 i32.const 32 call $storage_cache_bytes32 i32.const 0')), { api });
    assert.equal(cache.inkUsed, around(2, 18480n + 7n * INK_PER_GAS));
    const flush = await run(rt, await wat(program(['storage_flush_cache'], 'i32.const 1 call $storage_flush_cache i32.const 0')), { api, gas: 1_000_000n });
    assert.equal(flush.inkUsed, around(1, 68073n + api.costs.flush * INK_PER_GAS));
    const leftAtFlush = (1_000_000n * INK_PER_GAS - (ops('i32.const', 'call') + HEADER + 68073n)) / INK_PER_GAS;
    assert.ok(api.requests.includes(`flushCache:true:${leftAtFlush + 1n}`), 'flush is offered gas left + 1, as nitro');
  });

  it('storage before ArbOS 32: evmApiGas is 59673 gas and the flush is not charged', async () => {
    const params = stylusParamsFor(31, false);
    const api = new FixedCostEvmApi();
    await run(rt, await wat(program(['storage_load_bytes32'], 'i32.const 0 i32.const 32 call $storage_load_bytes32 i32.const 0')), { api, params });
    assert.ok(api.requests.includes('getBytes32:59673'));
    const flush = await run(rt, await wat(program(['storage_flush_cache'], 'i32.const 0 call $storage_flush_cache i32.const 0')), { api, params });
    assert.equal(flush.inkUsed, around(1, 68073n));
  });

  it('storage_load requires (but does not spend) 2100 + 10 + 5 gas', async () => {
    const api = new FixedCostEvmApi();
    api.costs.sload = 0n;
    const src = await wat(program(['storage_load_bytes32'], 'i32.const 0 i32.const 32 call $storage_load_bytes32 i32.const 0'));
    const beforeSentry = ops('i32.const', 'i32.const', 'call') + HEADER + 18480n;
    const gas = (beforeSentry + 2115n * INK_PER_GAS + INK_PER_GAS - 1n) / INK_PER_GAS; // least gas passing it
    const ok = await run(rt, src, { api, gas });
    assert.equal(ok.outcome.kind, 'success');
    assert.ok(ok.inkUsed < 30_000n, 'the program itself costs about 3 gas');
    const short = await run(rt, src, { api, gas: gas - 1n });
    assert.equal(short.outcome.kind, 'outOfInk', 'the sentry fails although the load itself costs nothing');
  });

  it('flush in a static context fails the program; running out of gas in the flush is out of ink', async () => {
    const src = await wat(program(['storage_flush_cache'], 'i32.const 0 call $storage_flush_cache i32.const 0'));
    const ro = new FixedCostEvmApi();
    ro.readOnly = true;
    assert.equal((await run(rt, src, { api: ro })).outcome.kind, 'failure');
    const poor = new FixedCostEvmApi();
    poor.costs.flush = 10_000_000n;
    assert.equal((await run(rt, src, { api: poor, gas: 100_000n })).outcome.kind, 'outOfInk');
  });

  it('transient storage: 78153 ink + 100 gas each way', async () => {
    const api = new FixedCostEvmApi();
    const store = await run(rt, await wat(program(['transient_store_bytes32'], 'i32.const 0 i32.const 32 call $transient_store_bytes32 i32.const 0', bytesText(word(1n)) + bytesText(word(99n)))), { api });
    assert.equal(store.inkUsed, around(2, 78153n + 100n * INK_PER_GAS));
    const load = await run(rt, await wat(program(['transient_load_bytes32'], 'i32.const 0 i32.const 64 call $transient_load_bytes32 i32.const 64 i32.const 32 call $write_result i32.const 0', bytesText(word(1n)))), { api });
    assert.equal(hex((load.outcome as { output: Uint8Array }).output), hex(word(99n)));
    const loadOnly = await run(rt, await wat(program(['transient_load_bytes32'], 'i32.const 0 i32.const 64 call $transient_load_bytes32 i32.const 0')), { api });
    assert.equal(loadOnly.inkUsed, around(2, 78153n + 100n * INK_PER_GAS));
  });

  it('calls: 83193 + 2 × read_price(calldata) ink + the call gas; return data is readable', async () => {
    const api = new FixedCostEvmApi();
    const data = bytesText(bytes(20, 0x11)) + bytesText(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])) + bytesText(word(0n));
    const callArgs = 'i32.const 0 i32.const 20 i32.const 10 i32.const 30 i64.const -1 i32.const 100';
    const res = await run(rt, await wat(program(['call_contract'], `${callArgs} call $call_contract drop i32.const 0`, data)), { api, gas: 500_000n });
    assert.equal(res.inkUsed, around(6, 83193n + 2n * readPrice(10) + api.costs.call * INK_PER_GAS, 1, 1));
    const req = api.requests.find((r) => r.startsWith('contractCall:call:'))!;
    const [, , gasReq, , gasLeft] = req.split(':');
    assert.equal(gasReq, gasLeft, 'u64::MAX asks for all gas left');
    for (const name of ['delegate_call_contract', 'static_call_contract']) {
      const args = 'i32.const 0 i32.const 20 i32.const 10 i64.const 1000 i32.const 100';
      const r = await run(rt, await wat(program([name], `${args} call $${name} drop i32.const 0`, data)), { api });
      assert.equal(r.inkUsed, around(5, 83193n + 2n * readPrice(10) + api.costs.call * INK_PER_GAS, 1, 1), name);
    }
    assert.ok(api.requests.some((r) => r.startsWith('contractCall:delegatecall:1000:0:')));
    // read_return_data(offset 2, size 100) copies the 8 remaining bytes and pays write_price(8)
    const rrd = await run(rt, await wat(program(['call_contract', 'read_return_data', 'return_data_size'], `
      ${callArgs} call $call_contract drop
      i32.const 200 i32.const 2 i32.const 100 call $read_return_data
      i32.const 8 i32.ne if unreachable end
      call $return_data_size i32.const 10 i32.ne if unreachable end
      i32.const 200 i32.const 8 call $write_result
      i32.const 0`, data)), { api });
    assert.equal(rrd.outcome.kind, 'success', 'read_return_data returned 8 and return_data_size 10');
    assert.deepEqual([...(rrd.outcome as { output: Uint8Array }).output], [8, 7, 6, 5, 4, 3, 2, 1]);
    const priced = await run(rt, await wat(program(['call_contract', 'read_return_data'], `
      ${callArgs} call $call_contract drop
      i32.const 200 i32.const 2 i32.const 100 call $read_return_data drop i32.const 0`, data)), { api });
    const call = ops('i32.const', 'i32.const', 'i32.const', 'i32.const', 'i64.const', 'i32.const', 'call') + HEADER + 83193n + 2n * readPrice(10) + api.costs.call * INK_PER_GAS;
    const read = ops('drop', 'i32.const', 'i32.const', 'i32.const', 'call') + HEADER + 68073n + writePrice(8);
    assert.equal(priced.inkUsed, call + read + ops('drop', 'i32.const', 'end') + HEADER);
  });

  it('creates: 83193 / 88233 + 2 × read_price(code) ink + the create gas; the address is written', async () => {
    const api = new FixedCostEvmApi();
    const create1 = await run(rt, await wat(program(['create1'], 'i32.const 0 i32.const 10 i32.const 64 i32.const 128 i32.const 160 call $create1 i32.const 128 i32.const 20 call $write_result i32.const 0')), { api });
    assert.deepEqual((create1.outcome as { output: Uint8Array }).output, bytes(20, 0xee));
    const c1 = await run(rt, await wat(program(['create1'], 'i32.const 0 i32.const 10 i32.const 64 i32.const 128 i32.const 160 call $create1 i32.const 0')), { api });
    assert.equal(c1.inkUsed, around(5, 83193n + 2n * readPrice(10) + api.costs.create * INK_PER_GAS));
    const c2 = await run(rt, await wat(program(['create2'], 'i32.const 0 i32.const 10 i32.const 64 i32.const 96 i32.const 128 i32.const 160 call $create2 i32.const 0')), { api });
    assert.equal(c2.inkUsed, around(6, 88233n + 2n * readPrice(10) + api.costs.create * INK_PER_GAS));
    assert.ok(api.requests.some((r) => r.startsWith('create:10:0:salt:')));
    const ro = new FixedCostEvmApi();
    ro.readOnly = true;
    const fail = await run(rt, await wat(program(['create1'], 'i32.const 0 i32.const 10 i32.const 64 i32.const 128 i32.const 160 call $create1 i32.const 0')), { api: ro });
    assert.equal(fail.outcome.kind, 'failure', 'a create that cannot start fails the whole program');
  });

  it('emit_log: 68073 + read_price(len) ink + 375 × (1 + topics) + 8 × data bytes gas', async () => {
    const api = new FixedCostEvmApi();
    const res = await run(rt, await wat(program(['emit_log'], 'i32.const 0 i32.const 74 i32.const 2 call $emit_log i32.const 0', bytesText(word(1n)) + bytesText(word(2n)) + 'hello logs')), { api });
    assert.equal(res.inkUsed, around(3, 68073n + readPrice(74) + (375n * 3n + 8n * 10n) * INK_PER_GAS));
    assert.equal(api.logs.length, 1);
    assert.equal(Buffer.from(api.logs[0].data).toString(), 'hello logs');
    assert.deepEqual(api.logs[0].topics.map(hex), [hex(word(1n)), hex(word(2n))]);
    const bad = await run(rt, await wat(program(['emit_log'], 'i32.const 0 i32.const 10 i32.const 5 call $emit_log i32.const 0')), { api });
    assert.equal(bad.outcome.kind, 'failure', 'more than 4 topics');
  });

  it('account hostios: prices, 2600-gas sentry, and the last-code cache', async () => {
    const api = new FixedCostEvmApi();
    const addr = bytes(20, 0x42);
    api.code.set(hex(addr), Uint8Array.from({ length: 50 }, (_, i) => i));
    const data = bytesText(addr);
    const bal = await run(rt, await wat(program(['account_balance'], 'i32.const 0 i32.const 32 call $account_balance i32.const 0', data)), { api });
    assert.equal(bal.inkUsed, around(2, 78153n + api.costs.balance * INK_PER_GAS));
    const hash = await run(rt, await wat(program(['account_codehash'], 'i32.const 0 i32.const 32 call $account_codehash i32.const 0', data)), { api });
    assert.equal(hash.inkUsed, around(2, 78153n + api.costs.codehash * INK_PER_GAS));
    const size = await run(rt, await wat(program(['account_code_size'], 'i32.const 0 call $account_code_size drop i32.const 0', data)), { api });
    assert.equal(size.inkUsed, around(1, 68073n + api.costs.code * INK_PER_GAS, 1));
    const code = await run(rt, await wat(program(['account_code'], 'i32.const 0 i32.const 5 i32.const 10 i32.const 100 call $account_code drop i32.const 0', data)), { api });
    assert.equal(code.inkUsed, around(4, 68073n + api.costs.code * INK_PER_GAS + writePrice(50), 1));
    // the same address twice: the second fetch is served from the cache without gas or a request
    const before = api.requests.filter((r) => r.startsWith('accountCode')).length;
    const twice = await run(rt, await wat(program(['account_code', 'account_code_size'], `
      i32.const 0 call $account_code_size drop
      i32.const 0 i32.const 45 i32.const 100 i32.const 100 call $account_code drop
      i32.const 100 i32.const 5 call $write_result i32.const 0`, data)), { api });
    assert.equal(api.requests.filter((r) => r.startsWith('accountCode')).length - before, 1);
    assert.deepEqual([...(twice.outcome as { output: Uint8Array }).output], [45, 46, 47, 48, 49]);
    // a warm account costs 100 gas, but 2600 must be available
    api.costs.balance = 100n;
    const balSrc = await wat(program(['account_balance'], 'i32.const 0 i32.const 32 call $account_balance i32.const 0', data));
    const beforeSentry = ops('i32.const', 'i32.const', 'call') + HEADER + 78153n;
    const gas = (beforeSentry + 2600n * INK_PER_GAS + INK_PER_GAS - 1n) / INK_PER_GAS;
    assert.equal((await run(rt, balSrc, { api, gas })).outcome.kind, 'success');
    assert.equal((await run(rt, balSrc, { api, gas: gas - 1n })).outcome.kind, 'outOfInk', 'requires 2600 gas up front');
  });

  it('pay_for_memory_grow(0) costs 8400 ink; exit_early costs nothing but the call', async () => {
    const grow = await run(rt, await wat(program(['pay_for_memory_grow'], 'i32.const 0 call $pay_for_memory_grow i32.const 0')));
    assert.equal(grow.inkUsed, around(1, 8400n));
    const exit = await run(rt, await wat(program(['exit_early'], 'i32.const 0 call $exit_early unreachable')));
    assert.equal(exit.outcome.kind, 'success');
    assert.equal(exit.inkUsed, ops('i32.const', 'call') + HEADER);
  });

  it('console imports cost no ink on a debug chain', async () => {
    const src = await wat(`(module (import "console" "log_i32" (func $log (param i32)))
      (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 42 call $log i32.const 0))`);
    const params = stylusParamsFor(40, true);
    const logs: string[] = [];
    const debugRt = createStylusRuntime({ log: (t) => logs.push(t) });
    try {
      const res = await run(debugRt, src, { params });
      assert.equal(res.inkUsed, around(1, 0n));
      assert.deepEqual(logs, ['Stylus says: 42']);
    } finally {
      await debugRt.close();
    }
  });
});

// Issue 13, the pure parts: the arena planner never lets two live buffers share a byte and reuses dead
// ones; the i8 pair image, read back with the generated kernel's lane arithmetic (BigInt i64), gives every
// row's exact dot product; data contracts hold the image in order, each ≤ MaxCodeSize, at the CREATE2
// address of its init code; `--layout auto` keeps one program when it fits and moves weights to data
// contracts when it does not, saying why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getContractAddress, keccak256 } from 'viem';
import { arenaIsSound, planArena, type ArenaRequest } from '../../core/codegen/arena';
import { denseImage, PAIR_BIAS } from '../../core/layout/images';
import { PART_PAYLOAD_BYTES, planDataLayout } from '../../core/layout/parts';
import { CREATE2_PROXY, returnCodeInit } from '../../core/layout/create2';
import { chooseLayout } from '../../core/layout/choose';
import { loweringFor } from '../../core/codegen/lowering';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { mlp, prng } from '../fixtures/onnx-builder';

function plan(sizes: number[], range = '0:1', seed = 3) {
  const bytes = mlp(sizes, { batch: 1, seed, init: 'laplace' });
  return prepareModel('m.onnx', { inputRange: range, weights: 'i8' }, { bytes, graph: loadGraph(bytes, { file: 'm' }) }).plan;
}

describe('the arena planner', () => {
  it('keeps buffers that are live together apart, on 8-byte boundaries, for random lifetimes', () => {
    const rnd = prng(5);
    for (let trial = 0; trial < 200; trial++) {
      const reqs: ArenaRequest[] = Array.from({ length: 2 + Math.floor(rnd() * 12) }, (_, i) => {
        const first = Math.floor(rnd() * 10);
        return { id: `t${i}`, bytes: 1 + Math.floor(rnd() * 5000), first, last: first + Math.floor(rnd() * 4) };
      });
      const p = planArena(reqs);
      assert.ok(arenaIsSound(reqs, p), `trial ${trial}`);
      for (const o of p.offsets.values()) assert.equal(o % 8, 0);
      assert.ok(p.bytes <= p.unshared);
    }
  });

  it('reuses a buffer once its tensor is dead: a chain needs two buffers, not one per layer', () => {
    const reqs = [0, 1, 2, 3, 4].map((i) => ({ id: `t${i}`, bytes: 1000, first: i, last: i + 1 }));
    const p = planArena(reqs);
    assert.equal(p.bytes, 2 * 1000);
    assert.equal(p.unshared, 5 * 1000);
  });
});

describe('the i8 pair image', () => {
  it('read with the kernel\'s lane arithmetic gives each row\'s exact dot product', () => {
    const p = plan([37, 9, 4], '-1:1', 11);
    const qn = p.nodes.find((n) => n.params.op === 'matmul')!;
    if (qn.params.op !== 'matmul' || qn.node.op.op !== 'matmul') throw new Error('not dense');
    const { K, N } = qn.node.op;
    const img = denseImage(p, qn);
    assert.equal(img.kind, 'pairs');
    assert.equal(img.units, Math.ceil(N / 2));
    const rnd = prng(7);
    const M = 0x000000ff000000ffn;
    const i64 = (v: bigint) => BigInt.asIntN(64, v);
    for (let trial = 0; trial < 20; trial++) {
      const x = Array.from({ length: K }, () => BigInt(Math.floor(rnd() * 65536) - 32768));
      for (let q = 0; q < img.units; q++) {
        // chunks of 128 inputs: start at −128·Σx·(1 + 2^32), add x_j · ((word >> 8j) & M), split the lanes
        const sums = [0n, 0n];
        for (let k0 = 0; k0 < K; k0 += 128) {
          const k1 = Math.min(K, k0 + 128);
          let s = 0n;
          for (let k = k0; k < k1; k++) s += x[k];
          let a = i64(-BigInt(PAIR_BIAS) * s * (1n + (1n << 32n)));
          for (let k = k0; k < k1; k++) {
            const at = q * img.unitBytes + 8 * (k >> 2);
            let word = 0n;
            for (let b = 7; b >= 0; b--) word = (word << 8n) | BigInt(img.bytes[at + b]);
            a = i64(a + x[k] * ((i64(word) >> BigInt(8 * (k & 3))) & M));
          }
          const lo = i64(a << 32n) >> 32n;
          sums[0] += lo;
          sums[1] += (a - lo) >> 32n;
        }
        for (const half of [0, 1]) {
          const n = 2 * q + half;
          if (n >= N) continue;
          let want = 0n;
          for (let k = 0; k < K; k++) want += BigInt(qn.params.W.q[n * K + k]) * x[k];
          assert.equal(sums[half], want, `row ${n}`);
        }
      }
    }
  });
});

describe('data contracts', () => {
  it('hold each dense image in order, at most MaxCodeSize each, at the CREATE2 address of their content', () => {
    const p = plan([784, 96, 10]);
    const d = planDataLayout(p);
    assert.equal(d.layers.length, 1, 'the 784×96 layer leaves the program; the 96×10 one is too small to');
    const l = d.layers[0];
    const parts = d.parts.slice(l.first, l.first + l.count);
    const payload = Buffer.concat(parts.map((x) => Buffer.from(x.code.subarray(1))));
    assert.deepEqual(new Uint8Array(payload), l.image.bytes);
    for (const x of parts) {
      assert.equal(x.code[0], 0x00, 'a leading STOP: no call runs the weights, and code never starts with 0xEF');
      assert.ok(x.code.length <= MAX_CODE_SIZE && x.code.length - 1 <= PART_PAYLOAD_BYTES);
      assert.equal(x.codeHash, keccak256(x.code));
      assert.equal(x.address, getContractAddress({ opcode: 'CREATE2', from: CREATE2_PROXY, salt: `0x${'00'.repeat(32)}`, bytecode: returnCodeInit(x.code) }).toLowerCase());
    }
    assert.equal(new Set(d.parts.map((x) => x.address)).size, d.parts.length);
  });
});

describe('--layout auto', () => {
  it('keeps one program when it fits, and moves dense weights to data contracts when it does not', () => {
    const small = chooseLayout(plan([64, 32, 10]), loweringFor(undefined));
    assert.equal(small.pick, 'single', small.reason);
    const big = chooseLayout(plan([784, 128, 10]), loweringFor(undefined));
    assert.equal(big.pick, 'data', big.reason);
    assert.match(big.reason, /single: .*(over MaxCodeSize|would not activate)/);
    assert.ok(big.ranked.find((r) => r.kind === 'data')!.parts >= 4);
  });
});

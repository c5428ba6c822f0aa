// Number formatting in the preview: what users read for formats, gas and fees.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import * as fmt from '../../webview/format';

describe('preview formatting', () => {
  test('Q-formats show storage, integer and fractional bits', () => {
    assert.equal(fmt.qformat({ storage: 'i16', fracBits: 8 }), 'i16 Q7.8');
    assert.equal(fmt.qformat({ storage: 'i8', fracBits: 7 }), 'i8 Q0.7');
    assert.equal(fmt.qformat({ storage: 'i32', fracBits: 16 }), 'i32 Q15.16');
    assert.equal(fmt.qformat(null), '—');
  });

  test('gas and sizes are grouped integers; shapes use ×', () => {
    assert.equal(fmt.int(1234567.4), '1,234,567');
    assert.equal(fmt.shape([1, 'N', 64]), '[1×N×64]');
    assert.equal(fmt.shapes([[1, 2], [3]]), '[1×2], [3]');
  });

  test('wei converts to ETH exactly, beyond 2^53', () => {
    assert.equal(fmt.weiToEth('123456789012345678901'), '123.456789012 ETH');
    assert.equal(fmt.weiToEth('1000000000000000000'), '1 ETH');
    assert.equal(fmt.weiToEth('0'), '0 ETH');
    assert.equal(fmt.weiToEth('1'), '0 ETH');
  });

  test('ranges and errors stay readable at any magnitude', () => {
    assert.equal(fmt.range([-3.14159, 2]), '[-3.142, 2]');
    assert.equal(fmt.real(0.0000123), '1.23e-5');
    assert.equal(fmt.real(123456789), '1.23e+8');
    assert.equal(fmt.percent(0.9876), '98.8%');
  });
});

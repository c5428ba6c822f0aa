// The preview's HTML shell: a strict CSP with a per-render nonce, and no way for text to become markup.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { previewCsp, previewHtml } from '../../webview/html';

const base = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'aGVsbG8td29ybGQtbm9uY2U', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/preview.css', title: 'iris.onnx', sourcePath: '/w/iris.onnx' };

describe('preview HTML', () => {
  test('the CSP denies by default and allows scripts only with the nonce', () => {
    const csp = previewCsp(base.cspSource, base.nonce);
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], [`'nonce-${base.nonce}'`]);
    assert.deepEqual(directives['style-src'], [base.cspSource]);
    assert.deepEqual(directives['img-src'], [base.cspSource, 'data:']);
    assert.ok(!csp.includes('unsafe'), 'no unsafe-inline / unsafe-eval');
  });

  test('the only script tag carries the nonce; the policy is in a meta tag', () => {
    const html = previewHtml(base);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(html.includes(`<script nonce="${base.nonce}" src="${base.scriptUri}">`));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/);
  });

  test('a hostile title or path (from a file name) cannot inject markup', () => {
    const html = previewHtml({ ...base, title: '</title><script>alert(1)</script>', sourcePath: '/w/"><script>alert(2)</script>.onnx' });
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(html.includes('&lt;/title&gt;&lt;script&gt;'));
    assert.ok(html.includes('data-source="/w/&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;.onnx"'));
  });

  test('a short or malformed nonce is refused', () => {
    assert.throws(() => previewHtml({ ...base, nonce: 'abc' }), /nonce/);
    assert.throws(() => previewHtml({ ...base, nonce: '"onload="x"aaaaaaaaaaaaaaa' }), /nonce/);
  });
});

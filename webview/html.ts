// The preview's HTML shell and its Content Security Policy. Pure string building so that the policy is
// unit-tested; the extension supplies the webview's cspSource and asWebviewUri'd asset URIs.
//
// Why no 'unsafe-inline' for styles: Lit (under @vscode-elements/elements) applies component styles with
// constructable stylesheets (adoptedStyleSheets), which CSP does not govern, and our own code sets styles
// through the CSSOM only. The e2e smoke test asserts that the page reports zero CSP violations.

export interface PreviewHtmlInput {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** the codicon font's stylesheet (dist/codicon.css; vscode-elements looks it up by this id) */
  codiconsUri?: string;
  title: string;
  /** the .onnx file or crate folder shown; the page saves it in its state for the panel serializer */
  sourcePath: string;
}

export function previewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function previewHtml(input: PreviewHtmlInput): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(input.nonce)) throw new Error('nonce must be at least 16 base64/hex characters');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(previewCsp(input.cspSource, input.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${input.codiconsUri ? `<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeAttr(input.codiconsUri)}">
` : ''}<link rel="stylesheet" href="${escapeAttr(input.styleUri)}">
<title>${escapeAttr(input.title)}</title>
</head>
<body data-source="${escapeAttr(input.sourcePath)}">
<main id="root"></main>
<script nonce="${input.nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>`;
}

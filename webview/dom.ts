// DOM building for the preview. Model data is untrusted (names and shapes come from the ONNX file), so
// strings only ever become text nodes; there is no innerHTML anywhere in the webview.

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | null | undefined>;

function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

function setProps(el: Element, props: Props): void {
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    // Event-handler attributes would execute text; they are never set from data.
    if (/^on/i.test(k)) throw new Error(`refusing to set event attribute ${k}`);
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** An HTML (or custom) element with attributes and text/element children. */
export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag: string, props: Props = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

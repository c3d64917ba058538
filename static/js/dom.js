// DOM helpers. Every string from the server reaches the page through textContent or
// setAttribute on inert attributes: log lines are attacker-controlled, so nothing here
// ever parses markup (no innerHTML, insertAdjacentHTML or document.write).

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.setAttribute('class', value);
    else if (key.startsWith('on')) throw new Error(`event attribute ${key}: use addEventListener`);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** An HTML element: h('td', {class: 'num', text: 42}), children as nodes or plain text. */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element, same rules as h(). */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Sets a node's text only when it changed (cheap to call every frame). */
export function setText(node, value) {
  const text = String(value);
  if (node.textContent !== text) node.textContent = text;
}

/** Removes every child. */
export function clear(node) {
  node.replaceChildren();
}

/** Adds or removes a class only when needed. */
export function toggleClass(node, name, on) {
  if (node.classList.contains(name) !== Boolean(on)) node.classList.toggle(name, Boolean(on));
}

/** document.getElementById that fails loudly: a missing panel is a bug in index.html. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from index.html`);
  return node;
}

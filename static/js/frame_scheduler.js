// Batches DOM work into animation frames: messages only mark what changed, and each
// view renders at most once per frame however many messages arrived meanwhile.

const renderers = new Map();
const dirty = new Set();
let pending = false;

/** Registers the function that redraws `topic`. */
export function onRender(topic, render) {
  renderers.set(topic, render);
}

/** Marks topics for redraw in the next animation frame. */
export function invalidate(...topics) {
  for (const topic of topics) dirty.add(topic);
  if (!pending) {
    pending = true;
    requestAnimationFrame(flush);
  }
}

function flush() {
  pending = false;
  const topics = [...dirty];
  dirty.clear();
  for (const topic of topics) {
    try {
      renderers.get(topic)?.();
    } catch (err) {
      console.error(`rendering ${topic} failed`, err);  // one broken view must not stop the others
    }
  }
}

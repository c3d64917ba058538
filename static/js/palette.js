// Series colours, stable per position, readable on the dark and the light theme.
const COLOURS = ['#4e9af1', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

export function colour(i) {
  return COLOURS[i % COLOURS.length];
}

// Which traces the list shows: the same rules as GET /trace (stage and status must
// hold for the same step; text is a substring of the original line).

export const STEP_STATUSES = ['received', 'emit', 'route', 'drop', 'error', 'retry', 'hop', 'replayed', 'sink'];

export function traceMatches(trace, { stage = '', status = '', text = '' }) {
  if (text && !String(trace.original_content ?? '').includes(text)) return false;
  if (!stage && !status) return true;
  return (trace.path ?? []).some((step) => (!stage || step.processor === stage) && (!status || step.status === status));
}

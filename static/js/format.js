// Number and time formatting for people; exact counts keep every digit.

const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** An exact integer with thousands separators: 1234567 -> "1,234,567". */
export function count(n) {
  return Number.isFinite(n) ? countFormat.format(n) : '–';
}

/** A rate or any large figure, short: 12345 -> "12.3k". */
export function compact(n) {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (Number.isInteger(n) && a < 1e4) return String(n);  // small counts stay exact
  if (a >= 1e9) return `${(n / 1e9).toFixed(a >= 1e10 ? 0 : 1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10 || a === 0) return n.toFixed(0);
  return n.toFixed(1);
}

/** Lines per second: "12.3k/s". */
export function rate(n) {
  return `${compact(n)}/s`;
}

/** Microseconds as "850 ns", "12.4 µs", "3.1 ms" or "1.2 s". */
export function micros(us) {
  if (!Number.isFinite(us)) return '–';
  if (us < 1) return `${Math.round(us * 1000)} ns`;
  if (us < 1000) return `${us.toFixed(us < 10 ? 1 : 0)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(us < 1e4 ? 1 : 0)} ms`;
  return `${(us / 1e6).toFixed(1)} s`;
}

/** Bytes in binary units: "31.2 MiB". */
export function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds as "3d 4h", "2h 5m", "4m 10s" or "12s". */
export function duration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${hr}h`;
  if (hr) return `${hr}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A percentage of a 0..1 ratio: "42%". */
export function percent(ratio) {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : '–';
}

/** The time of day of an RFC 3339 timestamp, with milliseconds: "14:39:51.123". */
export function clock(rfc3339) {
  const t = new Date(rfc3339);
  if (Number.isNaN(t.getTime())) return String(rfc3339 ?? '');
  return t.toLocaleTimeString('en-GB', { hour12: false }) + '.' + String(t.getMilliseconds()).padStart(3, '0');
}

/** " · 3 pushes lost while this page fell behind" (the server's gap message), or "". */
export function lostNote(frames) {
  return frames > 0 ? ` · ${frames} push${frames === 1 ? '' : 'es'} lost while this page fell behind` : '';
}

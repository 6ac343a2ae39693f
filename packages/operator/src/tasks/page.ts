// The HTML shell every task page shares: the instruction bar, a calm stylesheet, and the event
// recorder that scoring reads. Only trusted events (real input, not script) are recorded.

export const EVENTS_KEY = "reasonlab-task-events";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;background:#f4f6fa}
#instruction{background:#1d2433;color:#fff;padding:10px 16px;font-weight:500}
#instruction b{color:#ffd479}
main{max-width:720px;margin:16px auto;padding:18px 20px;background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002}
h1{font-size:19px;margin:0 0 12px}
label{display:block;margin:8px 0 2px;font-weight:500}
input[type=text],input[type=password],input[type=email],input:not([type]){width:100%;padding:7px 9px;border:1px solid #b9c1d0;border-radius:6px;font:inherit}
button{font:inherit;padding:7px 14px;border-radius:6px;border:1px solid #2f5fd0;background:#3a6ff0;color:#fff;cursor:pointer;margin:4px 6px 4px 0}
button.secondary{background:#fff;color:#2f5fd0}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.check{display:flex;gap:8px;align-items:center;font-weight:400;margin:4px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}
td,th{border:1px solid #d5dbe6;padding:5px 9px;text-align:left}
th{background:#eef2f8}
a{color:#2f5fd0}
`;

/** Runs first on every page: the recorder, persisted in sessionStorage so multi-page tasks keep it. */
const HARNESS = `
window.__task = {
  events() { try { return JSON.parse(sessionStorage.getItem(${JSON.stringify(EVENTS_KEY)}) || "[]"); } catch { return []; } },
  record(kind, data) {
    const events = this.events();
    events.push({ kind, data: data ?? {}, t: Date.now() });
    sessionStorage.setItem(${JSON.stringify(EVENTS_KEY)}, JSON.stringify(events));
  },
};
/** Listens for real input only: a script calling el.click() does not count as the agent acting. */
function onTrusted(el, type, fn) {
  el.addEventListener(type, (e) => { if (e.isTrusted) fn(e); });
}
const $ = (sel) => document.querySelector(sel);
const $$ = (sel) => Array.from(document.querySelectorAll(sel));
`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export { escapeHtml as esc };

export function taskPage({
  title,
  instruction,
  body,
  script = "",
}: {
  title: string;
  instruction: string;
  body: string;
  script?: string;
}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style><script>${HARNESS}</script></head>
<body><div id="instruction">${instruction}</div><main>${body}</main>
<script>${script}</script></body></html>`;
}

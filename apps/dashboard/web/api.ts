// Fetch helpers for the dashboard's JSON API.
export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body as T;
}

export async function post<T>(path: string, data: unknown): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(data),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status}`);
  return body as T;
}

// The API's response types come from the server's handlers (type-only: nothing of the server is
// bundled), so a field the server renames breaks this build instead of the page.
import type { EpisodeResponse, RunDetail } from "../src/api.js";

export type {
  ArenaState,
  EvalRow,
  RunDetail,
  RunRow,
  SamplesResponse,
  ScalarsResponse,
  SeriesData,
  VoteResponse,
} from "../src/api.js";
export type EpisodeInfo = RunDetail["episodes"][number];
export type EpisodeStep = EpisodeResponse["steps"][number];

/** Elements from a tag, attributes and children: enough DOM building without a framework. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void) | undefined> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else if (k === "class") el.className = String(v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const fmt = (v: number | null | undefined, digits = 3) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? "–"
    : Math.abs(v) >= 1000
      ? v.toFixed(0)
      : v.toFixed(digits);

export function ago(t: number | undefined): string {
  if (!t) return "–";
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(t).toLocaleDateString();
}

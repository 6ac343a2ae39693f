// What a browser task is: pages generated from a seed, an instruction, a score computed from what
// the page recorded, and an expert that solves it one observation at a time.
import { createRng, type Rng } from "@reasonlab/env-math";
import type { Command } from "../grammar.js";
import type { Snapshot, SnapshotElement } from "../snapshot.js";
import { esc } from "./page.js";

export interface TaskEvent {
  kind: string;
  data: Record<string, unknown>;
  t: number;
}

export interface Score {
  /** In [0, 1]; 1 is full success. */
  reward: number;
  /** The task has reached an end state (a submit, a click that decides it). */
  done: boolean;
}

export interface TaskInstance {
  family: string;
  seed: number;
  /** The goal in plain text, as the model receives it. */
  instruction: string;
  /** HTML of each page by name; the episode starts on "1". */
  pages: Record<string, string>;
  timeLimitMs: number;
  maxSteps: number;
  score(events: TaskEvent[]): Score;
  /**
   * The expert's next move from the current observation: a grammar command, so demonstrations
   * are observation -> action pairs a text model can learn from.
   */
  expert(snapshot: Snapshot): Command;
  /**
   * What the expert writes before its move, where the move rests on a step a small policy does
   * not do silently: the date-picker's month shown against the month wanted (a table's row read
   * aloud did not help table-lookup, which finds the row instead: the policy README).
   * Demonstrations put it on the reply's lines above the action, so SFT teaches the step
   * and RL, which trains every token the policy writes, can sharpen it.
   */
  thought?(snapshot: Snapshot): string | undefined;
}

export interface TaskFamily {
  name: string;
  description: string;
  generate(seed: number): TaskInstance;
}

/** The element with this role and accessible name; experts fail loudly when a page changes. */
export function find(snapshot: Snapshot, role: string | string[], name: string): SnapshotElement {
  const roles = Array.isArray(role) ? role : [role];
  const el = snapshot.elements.find((e) => roles.includes(e.role) && e.name === name);
  if (!el) throw new Error(`expert: no ${roles.join("/")} named ${JSON.stringify(name)} on ${snapshot.url}`);
  return el;
}

export const has = (snapshot: Snapshot, role: string, name: string) =>
  snapshot.elements.some((e) => e.role === role && e.name === name);

/** Click the element, scrolling toward it first when it is out of view. */
export function reach(el: SnapshotElement, then: Command): Command {
  if (el.position === "below") return { verb: "scroll", direction: "down" };
  if (el.position === "above") return { verb: "scroll", direction: "up" };
  return then;
}

export const lastOf = (events: TaskEvent[], kind: string) =>
  [...events].reverse().find((e) => e.kind === kind);

// Building families: the seeded RNG, the instance defaults, and the common ways a page is scored.

export const rngFor = (family: string, seed: number): Rng => createRng("browser-task", family, seed);

/** The instruction bar's emphasis for a value the model must use exactly. */
export const b = (s: string | number) => `<b>${esc(String(s))}</b>`;

export function instance(
  family: string,
  seed: number,
  fields: Omit<TaskInstance, "family" | "seed" | "timeLimitMs" | "maxSteps"> & Partial<TaskInstance>,
): TaskInstance {
  return { family, seed, timeLimitMs: 60_000, maxSteps: 15, ...fields };
}

/** A form task: the last submit decides it. */
export const onSubmit = (events: TaskEvent[], score: (data: Record<string, unknown>) => number): Score => {
  const e = lastOf(events, "submit");
  return e ? { reward: score(e.data), done: true } : { reward: 0, done: false };
};

/** A click task: the first click decides it. */
export const firstClick = (events: TaskEvent[], target: string): Score => {
  const e = events.find((x) => x.kind === "click");
  return e ? { reward: e.data.label === target ? 1 : 0, done: true } : { reward: 0, done: false };
};

// Environments by name, for RL stages that name one: the packages that hold an environment
// register it where everything is wired together (the reasonlab CLI registers the operator's
// "browser"), so the trainer needs no dependency on them. Types only besides the map: light to import.
import type { Environment } from "./environment.js";
import { digitsEnvironment } from "./toy.js";

/** What an RL stage says of an environment it names; the factory makes one from it. */
export interface EnvironmentSpec {
  families: readonly string[];
  /** The training seed: tasks are drawn from it by a counter. */
  seed: number;
  /** The environment's `state()` when the run stopped, to draw the same tasks again. */
  saved: Record<string, unknown>;
  maxTurns?: number;
  /** The run being trained: an environment may keep episodes there for replay (runs' openEpisode). */
  runDir?: string;
  /** Keep every n-th episode (0: none). */
  recordEvery?: number;
}
export type EnvironmentFactory = (spec: EnvironmentSpec) => Promise<Environment>;

const factories = new Map<string, EnvironmentFactory>([
  // the toy (toy.ts): RL smoke tests and benchmarks, here and on worker machines
  [
    "digits",
    async ({ maxTurns, saved }) =>
      digitsEnvironment({ turns: maxTurns ?? 1, drawn: typeof saved.drawn === "number" ? saved.drawn : 0 }),
  ],
]);

/** Makes an environment available to RL stages by name. */
export function registerEnvironment(name: string, factory: EnvironmentFactory): void {
  factories.set(name, factory);
}

export function environmentFactory(name: string): EnvironmentFactory {
  const factory = factories.get(name);
  if (!factory) {
    const known = [...factories.keys()];
    throw new Error(
      `no environment named ${JSON.stringify(name)} is registered${known.length ? ` (known: ${known.join(", ")})` : ""}; the browser environment comes with the reasonlab CLI, which can start Chromium`,
    );
  }
  return factory;
}

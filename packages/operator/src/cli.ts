// `reasonlab operate` (the agent on a task or a free goal) and `reasonlab web-tasks list|serve|demos`.
import fs from "node:fs";
import readline from "node:readline";
import { commandGroup, defineCommand, UsageError } from "@reasonlab/command";
import { z } from "zod";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

const operate = defineCommand({
  name: "operate",
  summary: "let the agent drive Chromium: a task from the suite, or a goal on a URL",
  description:
    "Runs episodes of the Operator-style agent with real mouse and keyboard input and records\n" +
    "each step (screenshot, observation, model output, action, reward) in a run directory.\n" +
    "While it runs in a terminal: p pauses (take over the headed browser), r resumes, q stops.\n" +
    "Actions that submit a password or payment form ask for consent first (--yes grants it).",
  options: {
    task: { type: "string", value: "FAMILY", description: "a task family (see `reasonlab web-tasks list`)" },
    seed: { type: "string", value: "N", description: "the task's seed", default: "0" },
    episodes: { type: "string", value: "N", description: "episodes on consecutive seeds", default: "1" },
    url: { type: "string", value: "URL", description: "start page for a free goal (with --goal)" },
    goal: { type: "string", value: "TEXT", description: "what the agent should achieve on --url" },
    allow: {
      type: "string",
      value: "ORIGIN",
      multiple: true,
      description: "origins the browser may reach (default: --url's)",
    },
    model: {
      type: "string",
      value: "NAME",
      description: "model name; `expert` runs the task's expert",
      default: "expert",
    },
    mode: {
      type: "string",
      value: "MODE",
      description: "computer (Responses computer-use), tools (vision chat), text",
      default: "text",
    },
    "base-url": {
      type: "string",
      value: "URL",
      description: "OpenAI-compatible endpoint (default $OPENAI_BASE_URL)",
    },
    "max-steps": { type: "string", value: "N", description: "step budget (default: the task's)" },
    "max-seconds": {
      type: "string",
      value: "S",
      description: "wall-clock budget per episode",
      default: "300",
    },
    policy: {
      type: "boolean",
      description:
        "text mode for a policy trained on the observations alone (this project's, served by `reasonlab serve`): no system prompt, no history",
    },
    headed: { type: "boolean", description: "show the browser window (needed to take over)" },
    yes: { type: "boolean", description: "consent to every sensitive action without asking" },
    runs: { type: "string", value: "DIR", description: "runs folder (default $REASONLAB_RUNS or ./runs)" },
    name: { type: "string", value: "NAME", description: "run name", default: "operate" },
    redis: {
      type: "string",
      value: "URL",
      description:
        "run the --episodes on worker machines (`reasonlab worker --redis URL`); episodes land in this run",
    },
  },
  schema: z
    .object({
      task: z.string().optional(),
      seed: int(0),
      episodes: int(1, 10_000),
      url: z.string().url().optional(),
      goal: z.string().min(1).optional(),
      allow: z.array(z.string().url()).optional(),
      model: z.string().min(1),
      mode: z.enum(["computer", "tools", "text"]),
      baseUrl: z.string().url().optional(),
      maxSteps: int(1, 1000).optional(),
      maxSeconds: int(1, 86_400),
      policy: z.boolean().optional(),
      headed: z.boolean().optional(),
      yes: z.boolean().optional(),
      runs: z.string().optional(),
      name: z.string().min(1),
      redis: z.string().optional(),
      args: z.array(z.string()).max(0),
    })
    .refine((o) => !o.redis || o.task, {
      message: "--redis runs task episodes: give --task",
      path: ["redis"],
    })
    .refine((o) => Boolean(o.task) !== Boolean(o.url), {
      message: "give either --task FAMILY or --url URL --goal TEXT",
      path: ["task"],
    })
    .refine((o) => !o.url || o.goal, { message: "--url needs --goal", path: ["goal"] })
    .refine((o) => !o.url || o.model !== "expert", {
      message: "a free goal needs a real model: --model NAME",
      path: ["model"],
    }),
  examples: [
    "reasonlab operate --task login --seed 3",
    "reasonlab operate --task dropdown --model reasonlab-policy --base-url http://127.0.0.1:8000/v1 --policy",
    'reasonlab operate --url https://example.com --goal "find the contact page" --model gpt-4o --mode tools',
  ],
  async run(o) {
    const { createRun, defaultRunsRoot, METRIC } = await import("@reasonlab/runs");
    const op = await import("./index.js");
    if (o.task) {
      try {
        op.getTaskFamily(o.task);
      } catch (e) {
        throw new UsageError(`operate: --task: ${(e as Error).message}`);
      }
    }
    if (o.redis) return operateOnWorkers(o);
    const supervisor = op.createSupervisor({ confirm: consentPrompt(Boolean(o.yes)) });
    const stopKeys = listenForKeys(supervisor);
    const browser = await op.launchChromium({ headless: !o.headed });
    const run = createRun({ root: o.runs ?? defaultRunsRoot(), name: o.name, kind: "operate", config: o });
    run.guardProcess();
    console.log(`run ${run.dir}`);
    let env: Awaited<ReturnType<typeof op.createTaskEnv>> | null = null;
    try {
      const client =
        o.model === "expert" ? null : op.openaiClient({ ...(o.baseUrl ? { baseURL: o.baseUrl } : {}) });
      const model = (task: import("./tasks/task.js").TaskInstance | null) => {
        if (client)
          return op.createModel(o.mode, {
            client,
            model: o.model,
            ...(o.policy ? { system: false, historyTurns: 1, maxTokens: op.POLICY_REPLY_TOKENS } : {}),
          });
        if (!task) throw new UsageError("operate: the expert model needs --task");
        return op.expertModel(() => task);
      };
      const onStep = (r: import("./agent.js").StepReport) =>
        console.log(
          `  step ${String(r.step + 1).padStart(2)}  ${(r.error ? `error: ${r.error}` : r.actions.join(", ") || "(no action)").slice(0, 100).padEnd(60)}` +
            `  reward ${r.reward === null ? "-" : r.reward.toFixed(2)}  ${r.ms} ms`,
        );
      let solved = 0;
      if (o.task) {
        env = await op.createTaskEnv({ browser });
        for (let i = 0; i < o.episodes; i++) {
          const seed = o.seed + i;
          const { result } = await op.runTask(env, o.task, seed, model, {
            run,
            supervisor,
            onStart: (task) => console.log(`${o.task}/${seed}: ${task.instruction}`),
            onStep,
            ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
            maxSeconds: o.maxSeconds,
          });
          if (result.status === "success") solved++;
          console.log(
            `  -> ${result.status}, reward ${result.reward ?? "-"} in ${result.steps} steps (${result.reason})`,
          );
          if (supervisor.stopped()) break;
        }
        run.metrics(0, { [METRIC.operateSuccess]: solved / o.episodes });
        console.log(`solved ${solved}/${o.episodes}`);
      } else {
        const origins = o.allow ?? [new URL(o.url!).origin];
        const session = await op.openSession({ browser, allowedOrigins: origins });
        try {
          await session.page.goto(o.url!);
          const episode = run.episode({
            task: "free",
            goal: o.goal!,
            model: o.model,
            viewport: session.computer.viewport(),
          });
          const result = await op.runEpisode({
            session,
            model: model(null),
            goal: o.goal!,
            maxSteps: o.maxSteps ?? 30,
            maxSeconds: o.maxSeconds,
            supervisor,
            episode,
            run,
            onStep,
          });
          console.log(
            `-> ${result.status} in ${result.steps} steps (${result.reason})${result.answer ? `: ${result.answer}` : ""}`,
          );
          if (session.blocked.length)
            console.log(`${session.blocked.length} request(s) to other origins were blocked`);
        } finally {
          await session.close();
        }
      }
      run.finish();
    } catch (e) {
      run.fail(e);
      throw e;
    } finally {
      stopKeys();
      await env?.close();
      await browser.close();
    }
  },
});

/** `operate --task F --episodes N --redis URL`: a job per seed, results as workers finish them. */
async function operateOnWorkers(o: {
  task?: string | undefined;
  seed: number;
  episodes: number;
  model: string;
  baseUrl?: string | undefined;
  mode: "computer" | "tools" | "text";
  policy?: boolean | undefined;
  maxSteps?: number | undefined;
  maxSeconds: number;
  yes?: boolean | undefined;
  runs?: string | undefined;
  name: string;
  redis?: string | undefined;
}) {
  const { createRun, defaultRunsRoot, METRIC } = await import("@reasonlab/runs");
  const { redisOptions } = await import("@reasonlab/queue");
  const { remoteEpisodes } = await import("./remote.js");
  redisOptions(o.redis!);
  const run = createRun({ root: o.runs ?? defaultRunsRoot(), name: o.name, kind: "operate", config: o });
  run.guardProcess();
  console.log(`run ${run.dir}`);
  try {
    const jobs = Array.from({ length: o.episodes }, (_, i) => ({
      family: o.task!,
      seed: o.seed + i,
      model: o.model,
      ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
      mode: o.mode,
      policy: Boolean(o.policy),
      ...(o.maxSteps ? { maxSteps: o.maxSteps } : {}),
      maxSeconds: o.maxSeconds,
      yes: Boolean(o.yes),
    }));
    const results = await remoteEpisodes(o.redis!, run, jobs, (r) =>
      console.log(
        `${r.family}/${r.seed} -> ${r.status}, reward ${r.reward ?? "-"} in ${r.steps} steps on ${r.worker} (${r.reason})`,
      ),
    );
    const solved = results.filter((r) => r.status === "success").length;
    run.metrics(0, { [METRIC.operateSuccess]: solved / o.episodes });
    console.log(`solved ${solved}/${o.episodes}`);
    run.finish();
  } catch (e) {
    run.fail(e);
    throw e;
  }
}

/** Asks on the terminal; without one (or without --yes) a sensitive action is declined. */
function consentPrompt(yes: boolean) {
  return async (r: import("./supervisor.js").ConfirmRequest) => {
    if (yes) return true;
    if (!process.stdin.isTTY) {
      console.log(`  declined (no terminal to ask; use --yes): the action ${r.reason}`);
      return false;
    }
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await new Promise<string>((res) =>
      rl.question(`  the next action ${r.reason}. Allow it? [y/N] `, res),
    );
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
  };
}

/** p pauses for a human takeover, r resumes, q (or Ctrl+C) stops after the current step. */
function listenForKeys(supervisor: import("./supervisor.js").SupervisorControls): () => void {
  if (!process.stdin.isTTY) return () => {};
  readline.emitKeypressEvents(process.stdin);
  process.stdin.setRawMode(true);
  const onKey = (_: string, key: { name?: string; ctrl?: boolean }) => {
    if (key.name === "p") {
      supervisor.pause();
      console.log("  paused: the browser is yours. r resumes, q stops.");
    } else if (key.name === "r") {
      supervisor.resume();
      console.log("  resumed");
    } else if (key.name === "q" || (key.ctrl && key.name === "c")) {
      supervisor.stop();
      console.log("  stopping after this step");
    }
  };
  process.stdin.on("keypress", onKey);
  return () => {
    process.stdin.off("keypress", onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  };
}

const list = defineCommand({
  name: "web-tasks list",
  summary: "list the browser task families",
  options: {},
  schema: z.object({ args: z.array(z.string()).max(0) }),
  async run() {
    const { TASK_FAMILIES } = await import("./tasks/families.js");
    for (const f of TASK_FAMILIES) console.log(`${f.name.padEnd(18)} ${f.description}`);
  },
});

const serve = defineCommand({
  name: "web-tasks serve",
  summary: "serve the task pages on 127.0.0.1, to try them by hand",
  options: { port: { type: "string", value: "N", description: "port", default: "8123" } },
  schema: z.object({ port: int(0, 65535), args: z.array(z.string()).max(0) }),
  async run({ port }) {
    const { startTaskServer } = await import("./tasks/server.js");
    const server = await startTaskServer({ port });
    console.log(`tasks at ${server.url}/ (Ctrl+C stops)`);
    await new Promise(() => {});
  },
});

const relabel = defineCommand({
  name: "web-tasks relabel",
  summary:
    "add copies of demonstrations with made-up labels, so a policy learns to copy rather than remember",
  description: [
    "Writes each episode of a demonstrations file, then N copies of it in which every element",
    "name and quoted goal string is consistently replaced by a made-up word of the same shape.",
    "Families whose labels mean something (date-picker, arithmetic, slider) are not copied.",
  ].join("\n"),
  options: {
    in: { type: "string", value: "FILE", description: "demonstrations (from `web-tasks demos`)" },
    out: { type: "string", value: "FILE", description: "output file" },
    copies: { type: "string", value: "N", description: "relabelled copies of each episode", default: "3" },
    seed: { type: "string", value: "N", description: "seed of the made-up labels", default: "1" },
  },
  schema: z.object({
    in: z.string().min(1),
    out: z.string().min(1),
    copies: int(1, 100),
    seed: int(0, 2 ** 31 - 1),
    args: z.array(z.string()).max(0),
  }),
  examples: [
    "reasonlab web-tasks relabel --in runs/operator-demos.jsonl --out runs/operator-demos-relabelled.jsonl",
  ],
  async run({ in: input, out, copies, seed }) {
    const { readDemonstrations, relabelled } = await import("./demos.js");
    if (!fs.existsSync(input)) throw new UsageError(`${input} does not exist`);
    if (fs.existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
    const episodes = readDemonstrations(fs.readFileSync(input, "utf8"), input);
    const lines: string[] = [];
    let added = 0;
    for (const episode of episodes) {
      for (const d of episode) lines.push(JSON.stringify(d));
      for (let c = 1; c <= copies; c++)
        for (const d of relabelled(episode, c, seed)) {
          lines.push(JSON.stringify(d));
          added++;
        }
    }
    fs.writeFileSync(out, `${lines.join("\n")}\n`);
    process.stderr.write(`wrote ${lines.length} steps (${added} relabelled) to ${out}\n`);
  },
});

const demos = defineCommand({
  name: "web-tasks demos",
  summary: "export expert demonstrations (observation -> action chats) as JSONL for SFT",
  options: {
    out: { type: "string", value: "FILE", description: "output file (- for stdout)", default: "-" },
    family: { type: "string", value: "NAME", multiple: true, description: "task families (default: all)" },
    seeds: { type: "string", value: "N", description: "seeds per family", default: "10" },
    "first-seed": {
      type: "string",
      value: "N",
      description: "the first seed; the default starts at the training seeds, above every held-out suite's",
    },
    parallel: { type: "string", value: "N", description: "pages working at once", default: "2" },
    model: {
      type: "string",
      value: "NAME",
      description:
        "DAgger: this policy (served by `reasonlab serve`, read as --policy reads it) drives the page, greedily, and the expert labels each state it reaches",
    },
    "base-url": {
      type: "string",
      value: "URL",
      description: "the learner's endpoint (default $OPENAI_BASE_URL)",
    },
  },
  schema: z.object({
    out: z.string(),
    family: z.array(z.string()).optional(),
    seeds: int(1, 100_000),
    firstSeed: int(0, 2 ** 31 - 1).optional(),
    parallel: int(1, 16),
    model: z.string().min(1).optional(),
    baseUrl: z.string().url().optional(),
    args: z.array(z.string()).max(0),
  }),
  examples: [
    "reasonlab web-tasks demos --out demos.jsonl --seeds 200",
    "reasonlab web-tasks demos --family login --family dropdown --seeds 50 --out -",
    "reasonlab web-tasks demos --family scroll-find --seeds 300 --model reasonlab-policy --base-url http://127.0.0.1:8000/v1 --out dagger.jsonl",
  ],
  async run({ out, family, seeds, firstSeed, parallel, model, baseUrl }) {
    const { TASK_FAMILIES, getTaskFamily } = await import("./tasks/families.js");
    const { createTaskEnv } = await import("./tasks/env.js");
    const { TRAIN_SEEDS_FROM } = await import("./tasks/environment.js");
    const { startTaskServer } = await import("./tasks/server.js");
    const { launchChromium } = await import("./browser.js");
    const { demonstrations } = await import("./demos.js");
    const { openaiClient } = await import("./models.js");
    const { POLICY_REPLY_TOKENS } = await import("./observation.js");
    const client = model ? openaiClient(baseUrl ? { baseURL: baseUrl } : {}) : null;
    // the learner reads what RL showed it: the observation alone, no system prompt, greedy
    const learner = client
      ? async (observation: string) => {
          try {
            const completion = await client.chat.completions.create({
              model: model!,
              messages: [{ role: "user", content: observation }],
              temperature: 0,
              max_tokens: POLICY_REPLY_TOKENS,
            });
            return completion.choices[0]?.message?.content ?? "";
          } catch (e) {
            throw new Error(`the learner ${model} at ${client.baseURL}: ${(e as Error).message}`);
          }
        }
      : undefined;
    const families = family ?? TASK_FAMILIES.map((f) => f.name);
    for (const f of families) getTaskFamily(f);
    if (out !== "-" && fs.existsSync(out)) throw new UsageError(`${out} exists; choose another --out`);
    if (baseUrl && !model) throw new UsageError("--base-url is the learner's endpoint: give --model too");
    const from = firstSeed ?? TRAIN_SEEDS_FROM;
    const jobs = families.flatMap((f) =>
      Array.from({ length: seeds }, (_, i) => ({ family: f, seed: from + i })),
    );
    const browser = await launchChromium();
    const server = await startTaskServer();
    const results: string[][] = new Array(jobs.length);
    let next = 0;
    let lines = 0;
    const t0 = performance.now();
    // pages work side by side; the file keeps (family, seed) order whatever finishes first
    const worker = async () => {
      const env = await createTaskEnv({ browser, server, screenshots: false });
      try {
        while (next < jobs.length) {
          const k = next++;
          const { family: f, seed } = jobs[k]!;
          for await (const steps of demonstrations(env, [f], [seed], learner)) {
            results[k] = steps.map((s) => JSON.stringify(s));
            lines += steps.length;
          }
          if (out !== "-")
            process.stderr.write(
              `\r${k + 1}/${jobs.length} episodes, ${lines} steps, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
            );
        }
      } finally {
        await env.close();
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
    } finally {
      await server.close();
      await browser.close();
    }
    const text = `${results.flat().join("\n")}\n`;
    if (out === "-") process.stdout.write(text);
    else {
      fs.writeFileSync(out, text);
      process.stderr.write(`\nwrote ${lines} demonstration steps (${jobs.length} episodes) to ${out}\n`);
    }
  },
});

export const commands = [
  operate,
  commandGroup("web-tasks", "the browser task suite: list, serve, export and relabel demonstrations", [
    list,
    serve,
    demos,
    relabel,
  ]),
];

// A small command-line kit: every `reasonlab` subcommand declares its flags once, gets `--help`
// for free, and has its options validated by a zod schema whose errors name the flag.
import { parseArgs } from "node:util";
import type { z } from "zod";

export interface OptionSpec {
  type: "string" | "boolean";
  description: string;
  short?: string;
  /** Shown in help as the value's name, e.g. `--steps N`. */
  value?: string;
  default?: string | boolean;
  multiple?: boolean;
}

export interface Command {
  /** Full name as typed, e.g. "env sample". */
  name: string;
  summary: string;
  help(): string;
  run(argv: string[]): Promise<void>;
}

/** A mistake in how the command was called: printed with a pointer to --help, without a stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export interface CommandSpec<S extends z.ZodType> {
  name: string;
  summary: string;
  /** Positional arguments, e.g. "RUN_DIR"; shown in usage. */
  args?: string;
  description?: string;
  options: Record<string, OptionSpec>;
  /** Validates the options (camelCased flag names) and `args` (the positionals). */
  schema: S;
  examples?: string[];
  run(options: z.infer<S>): Promise<void> | void;
}

export function defineCommand<S extends z.ZodType>(spec: CommandSpec<S>): Command {
  const help = () => {
    const lines = [
      `Usage: reasonlab ${spec.name}${spec.args ? ` ${spec.args}` : ""} [options]`,
      "",
      spec.summary,
    ];
    if (spec.description) lines.push("", spec.description.trim());
    lines.push("", "Options:");
    const rows = Object.entries({
      ...spec.options,
      help: { type: "boolean", short: "h", description: "show this help" } as OptionSpec,
    }).map(([flag, o]) => {
      const left = `${o.short ? `-${o.short}, ` : "    "}--${flag}${o.type === "string" ? ` ${o.value ?? "VALUE"}` : ""}`;
      const def = o.default !== undefined && o.default !== false ? ` (default: ${o.default})` : "";
      return [left, `${o.description}${def}`] as const;
    });
    const width = Math.max(...rows.map(([l]) => l.length)) + 2;
    for (const [l, r] of rows) lines.push(`  ${l.padEnd(width)}${r}`);
    if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
    return lines.join("\n");
  };

  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(argv) {
      let parsed: ReturnType<typeof parseArgs>;
      try {
        parsed = parseArgs({
          args: argv,
          allowPositionals: true,
          strict: true,
          options: {
            ...Object.fromEntries(
              Object.entries(spec.options).map(([flag, { type, short, multiple, default: def }]) => [
                flag,
                {
                  type,
                  ...(short ? { short } : {}),
                  ...(multiple ? { multiple } : {}),
                  ...(def !== undefined ? { default: def } : {}),
                },
              ]),
            ),
            help: { type: "boolean", short: "h" },
          },
        });
      } catch (error) {
        throw new UsageError(`${spec.name}: ${(error as Error).message}`);
      }
      if (parsed.values.help) {
        console.log(help());
        return;
      }
      const input: Record<string, unknown> = { args: parsed.positionals };
      for (const [flag, value] of Object.entries(parsed.values))
        if (flag !== "help") input[camel(flag)] = value;
      const result = spec.schema.safeParse(input);
      if (!result.success) {
        const why = result.error.issues
          .map((i) => {
            const key = String(i.path[0] ?? "");
            const where = key === "args" ? "arguments" : key ? `--${kebab(key)}` : "options";
            return `${where}: ${i.message}`;
          })
          .join("; ");
        throw new UsageError(`${spec.name}: ${why}`);
      }
      await spec.run(result.data);
    },
  };
}

/** A command made of subcommands, e.g. `env` with `list`, `sample`, `verify`. */
export function commandGroup(name: string, summary: string, commands: Command[]): Command {
  const help = () => {
    const width = Math.max(...commands.map((c) => c.name.length)) + 2;
    return [
      `Usage: reasonlab ${name} <command> [options]`,
      "",
      summary,
      "",
      "Commands:",
      ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
      "",
      `Run 'reasonlab ${name} <command> --help' for a command's options.`,
    ].join("\n");
  };
  return {
    name,
    summary,
    help,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (!sub || sub === "--help" || sub === "-h" || sub === "help") {
        console.log(help());
        return;
      }
      const command = commands.find((c) => c.name === `${name} ${sub}`);
      if (!command)
        throw new UsageError(
          `${name}: unknown command '${sub}'. Commands: ${commands.map((c) => c.name.split(" ").pop()).join(", ")}`,
        );
      await command.run(rest);
    },
  };
}

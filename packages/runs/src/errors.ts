import fs from "node:fs";
import type { z } from "zod";

/** "values.loss: Invalid input: expected number, received string; step: ..." */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.map(String).join(".") : "(record)"}: ${issue.message}`)
    .join("; ");
}

/** A record or file that does not match its schema; the message names the file and the field. */
export class RecordError extends Error {
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = "RecordError";
  }
}

/** Parses `value` with `schema`, throwing a RecordError that names `where` and the bad field. */
export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new RecordError(where, describeIssues(result.error));
  return result.data;
}

/** Reads a JSON file and parses it with `schema`; a missing file, bad JSON or a bad field is a RecordError naming the file. */
export function readJsonFile<S extends z.ZodType>(schema: S, file: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RecordError(file, code === "ENOENT" ? "missing" : `not JSON (${(error as Error).message})`);
  }
  return parseRecord(schema, raw, file);
}

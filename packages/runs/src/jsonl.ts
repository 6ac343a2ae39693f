// Append-only JSON-lines files: one record per line, written with one write call per record, so
// a crash loses at most the record being written; readers tail them as they grow.
import fs from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { describeIssues } from "./errors.js";

export interface Appender {
  append(record: unknown): void;
  close(): void;
}

/**
 * Opens `file` for appending. If a crash left a torn last line (no final newline), a newline is
 * written first so the fragment stays on a line of its own, which readers skip and report.
 * `durable` adds an fsync per record, for power loss rather than process crashes.
 */
export function openAppender(file: string, { durable = false } = {}): Appender {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "a+");
  const size = fs.fstatSync(fd).size;
  if (size > 0) {
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) writeAll(fd, Buffer.from("\n"));
  }
  let open = true;
  return {
    append(record) {
      if (!open) throw new Error(`${file}: appender is closed`);
      writeAll(fd, Buffer.from(`${JSON.stringify(record)}\n`));
      if (durable) fs.fsyncSync(fd);
    },
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

function writeAll(fd: number, buf: Buffer) {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}

export interface LineProblem {
  file: string;
  /** 1-based line number. */
  line: number;
  kind: "corrupt" | "invalid" | "torn" | "truncated";
  message: string;
}

export interface ReadResult<T> {
  records: T[];
  problems: LineProblem[];
}

export interface Tail<T> {
  /**
   * Returns the records completed since the last call. A last line without its newline may still
   * be being written, so it is held back; with `final`, it is taken if whole and reported as torn if not.
   */
  read(options?: { final?: boolean }): ReadResult<T>;
  /** Bytes consumed so far. */
  readonly offset: number;
}

const CHUNK = 1 << 22;

export function tailJsonl<S extends z.ZodType>(file: string, schema: S): Tail<z.infer<S>> {
  let offset = 0;
  let line = 0;

  function parseLine(text: string, lineNo: number, out: ReadResult<z.infer<S>>, torn: boolean) {
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const preview = text.length > 60 ? `${text.slice(0, 60)}…` : text;
      out.problems.push({
        file,
        line: lineNo,
        kind: torn ? "torn" : "corrupt",
        message: `not JSON: ${JSON.stringify(preview)}`,
      });
      return;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) out.records.push(parsed.data);
    else out.problems.push({ file, line: lineNo, kind: "invalid", message: describeIssues(parsed.error) });
  }

  function read({ final = false } = {}): ReadResult<z.infer<S>> {
    const out: ReadResult<z.infer<S>> = { records: [], problems: [] };
    let fd: number;
    try {
      fd = fs.openSync(file, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return out;
      throw error;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < offset) {
        out.problems.push({
          file,
          line,
          kind: "truncated",
          message: `file shrank from ${offset} to ${size} bytes; reading it again from the start`,
        });
        offset = 0;
        line = 0;
      }
      let carry = Buffer.alloc(0);
      while (offset + carry.length < size) {
        const want = Math.min(CHUNK, size - offset - carry.length);
        const chunk = Buffer.allocUnsafe(want);
        const got = fs.readSync(fd, chunk, 0, want, offset + carry.length);
        if (got === 0) break;
        const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, got)]) : chunk.subarray(0, got);
        const lastNewline = data.lastIndexOf(0x0a);
        if (lastNewline < 0) {
          carry = data;
          continue;
        }
        const lines = data.subarray(0, lastNewline).toString("utf8").split("\n");
        for (const text of lines) parseLine(text, ++line, out, false);
        offset += lastNewline + 1;
        carry = data.subarray(lastNewline + 1);
      }
      if (final && carry.length > 0) {
        parseLine(carry.toString("utf8"), ++line, out, true);
        offset += carry.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  return {
    read,
    get offset() {
      return offset;
    },
  };
}

/** Reads a whole file once; a torn last line is skipped and reported, never thrown. */
export function readJsonl<S extends z.ZodType>(file: string, schema: S): ReadResult<z.infer<S>> {
  return tailJsonl(file, schema).read({ final: true });
}

/** Writes a whole file so that readers see the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Buffer) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Every record of a JSONL text, each checked against the schema; the first bad line throws an
 * error naming the file, the line and the field. For inputs a command is given (chats,
 * demonstrations), where a bad line is a mistake to fix, not a torn write to skip.
 */
export function parseJsonLines<S extends z.ZodType>(text: string, schema: S, file: string): z.infer<S>[] {
  const out: z.infer<S>[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`);
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${file}:${i + 1}: ${issue.path.join(".") || "(line)"}: ${issue.message}`);
    }
    out.push(parsed.data);
  }
  return out;
}

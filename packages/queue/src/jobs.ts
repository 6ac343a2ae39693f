// Job kinds: what a worker can be asked to do. A job is data only (a kind's name and a payload
// its zod schema accepts); no code travels in jobs. Workers know kinds by name; an unknown kind or
// a payload that fails its schema fails the job with an error naming the field.
import { z } from "zod";

/** The queues, one per kind of work, so a machine can take only what it is fit for. */
export const QUEUES = ["rollouts", "eval", "episodes"] as const;
export const QueueName = z.enum(QUEUES);
export type QueueName = z.infer<typeof QueueName>;

/** Every Redis key and BullMQ queue of reasonlab lives under this prefix. */
export const PREFIX = "reasonlab";

export interface JobContext {
  /** The job's id (stable across its retries). */
  id: string;
  /** Who runs it: `host:pid`, for results and logs. */
  worker: string;
  /** Which attempt this is, from 1. */
  attempt: number;
  /** Bytes stored under `key` by the submitter (e.g. policy weights by version); throws if gone. */
  blob(key: string): Promise<Buffer>;
  progress(value: number | object): Promise<void>;
  log(line: string): void;
}

export interface JobKind<S extends z.ZodType = z.ZodType, R = unknown> {
  queue: QueueName;
  /** The job's name in BullMQ. */
  kind: string;
  payload: S;
  run(payload: z.infer<S>, ctx: JobContext): Promise<R>;
  /** Lets go of what the kind holds between jobs (a browser, a model) when the worker stops. */
  close?(): Promise<void>;
}

export const defineJob = <S extends z.ZodType, R>(k: JobKind<S, R>): JobKind<S, R> => k;

/** A payload checked against its kind, or an error that says which kind and which field. */
export function parsePayload<S extends z.ZodType>(kind: JobKind<S>, data: unknown): z.infer<S> {
  const r = kind.payload.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(
    `job "${kind.kind}": invalid payload: ${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.message}`,
  );
}

/** How a result travels back: the submitter checks it with the same care as a payload. */
export function parseResult<S extends z.ZodType>(what: string, schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new Error(
    `${what}: a worker returned an invalid result: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
  );
}

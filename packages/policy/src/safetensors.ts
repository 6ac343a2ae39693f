// The safetensors format (8-byte little-endian header length, JSON header, raw little-endian data),
// so checkpoints open in Python with `safetensors.numpy.load_file`.
import fs from "node:fs";
import { z } from "zod";

const Entry = z.object({
  dtype: z.enum(["F32", "I32"]),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

export function encodeSafetensors(
  tensors: Map<string, NamedArray>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`${name}: shape ${t.shape} does not hold ${t.data.length} values`);
    header[name] = {
      dtype: t.data instanceof Float32Array ? "F32" : "I32",
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes
  const head = Buffer.from(json, "utf8");
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const t of tensors.values()) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    if (!littleEndian()) throw new Error("big-endian hosts are not supported");
    bytes.copy(out, at);
    at += bytes.length;
  }
  return out;
}

const littleEndian = () => new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function decodeSafetensors(
  buf: Buffer,
  source = "safetensors",
): { tensors: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (buf.length < 8) throw new Error(`${source}: too short to be safetensors`);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > buf.length - 8 || headerLength > 100_000_000)
    throw new Error(`${source}: header length ${headerLength} is past the end of the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString("utf8"));
  } catch {
    throw new Error(`${source}: header is not JSON`);
  }
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = z.record(z.string(), z.string()).parse(raw);
      continue;
    }
    const parsed = Entry.safeParse(raw);
    if (!parsed.success) throw new Error(`${source}: tensor '${name}': ${parsed.error.issues[0]?.message}`);
    const {
      dtype,
      shape,
      data_offsets: [s, e],
    } = parsed.data;
    const size = shape.reduce((a, b) => a * b, 1);
    if (e - s !== size * 4 || dataStart + e > buf.length)
      throw new Error(`${source}: tensor '${name}' has bad offsets`);
    const copy = new Uint8Array(e - s);
    copy.set(buf.subarray(dataStart + s, dataStart + e));
    tensors.set(name, {
      data: dtype === "F32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer),
      shape,
    });
  }
  return { tensors, metadata };
}

export function writeSafetensors(
  file: string,
  tensors: Map<string, NamedArray>,
  metadata?: Record<string, string>,
) {
  fs.writeFileSync(file, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(file: string) {
  return decodeSafetensors(fs.readFileSync(file), file);
}

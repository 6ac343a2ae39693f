export * from "./errors.js";
export { gitInfo, hostInfo, newRunId } from "./ids.js";
export * from "./jsonl.js";
export * from "./layout.js";
export * from "./metrics.js";
export * from "./reader.js";
export * from "./schema.js";
export * from "./writer.js";

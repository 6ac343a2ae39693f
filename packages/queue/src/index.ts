export * from "./client.js";
export * from "./jobs.js";
export * from "./redis.js";
export * from "./worker.js";

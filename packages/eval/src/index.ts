export * from "./stats.js";

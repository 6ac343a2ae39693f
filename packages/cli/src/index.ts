export { commands, main, overview } from "./main.js";

/**
 * Lets the event loop turn once. The wasm and cpu backends resolve their promises as microtasks,
 * so a training loop that only awaits them never reaches the macrotask queue, where Node delivers
 * signals: without this, Ctrl+C and SIGTERM would wait for the whole job.
 */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

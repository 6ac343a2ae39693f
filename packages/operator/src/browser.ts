// Chromium from Debian, driven by Playwright. Never a downloaded browser build: the machine's own.
import fs from "node:fs";
import { type Browser, chromium } from "playwright";

export const CHROMIUM_PATH = process.env.REASONLAB_CHROMIUM || "/usr/bin/chromium";

/** Flags that keep Chromium from phoning home, which a closed network answers with refusals. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-default-apps",
  "--disable-features=Translate,MediaRouter,OptimizationHints",
];

export async function launchChromium({
  headless = true,
  slowMo,
}: {
  headless?: boolean;
  slowMo?: number;
} = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install Debian's chromium with scripts/system-deps.sh ` +
        "(or set REASONLAB_CHROMIUM to another Chromium binary). Playwright's own browser downloads are not used.",
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless,
    ...(slowMo ? { slowMo } : {}),
  });
}

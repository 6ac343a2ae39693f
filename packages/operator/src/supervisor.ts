// Supervision: the user stays in charge. Sensitive actions wait for consent, the agent can be
// paused while a person takes over the (headed) browser, and stopped at any step.
import type { Page } from "playwright";
import type { ComputerActionInput } from "./actions.js";

export interface ConfirmRequest {
  step: number;
  /** Why consent is needed, in words the user can judge. */
  reason: string;
  kind: "sensitive-action" | "safety-check";
  action?: ComputerActionInput;
}

export interface Supervisor {
  /** Asked before a sensitive action; false declines it. */
  confirm(request: ConfirmRequest): Promise<boolean>;
  paused(): boolean;
  stopped(): boolean;
  /** Resolves when the agent may act again; true if a person had the controls meanwhile. */
  waitUntilResumed(): Promise<boolean>;
}

export interface SupervisorControls extends Supervisor {
  pause(): void;
  resume(): void;
  stop(): void;
}

/**
 * A supervisor driven by calls: the CLI wires keys to pause/resume/stop, tests call them directly.
 * `confirm` defaults to declining: an unattended agent never submits a password on its own.
 */
export function createSupervisor({
  confirm = async () => false,
}: {
  confirm?: (r: ConfirmRequest) => Promise<boolean>;
} = {}): SupervisorControls {
  let isPaused = false;
  let isStopped = false;
  let waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };
  return {
    confirm,
    paused: () => isPaused,
    stopped: () => isStopped,
    pause() {
      isPaused = true;
    },
    resume() {
      isPaused = false;
      wake();
    },
    stop() {
      isStopped = true;
      wake();
    },
    async waitUntilResumed() {
      if (!isPaused) return false;
      while (isPaused && !isStopped) await new Promise<void>((r) => waiters.push(r));
      return true;
    },
  };
}

/**
 * Whether an action would submit a form that holds a password or payment field: a click on its
 * submit button, or ENTER inside it. Checked in the page at the action's coordinates.
 */
export async function sensitiveReason(page: Page, action: ComputerActionInput): Promise<string | null> {
  const isEnter =
    action.type === "keypress" && action.keys.some((k) => ["ENTER", "RETURN"].includes(k.toUpperCase()));
  if (action.type !== "click" && action.type !== "double_click" && !isEnter) return null;
  const point =
    action.type === "click" || action.type === "double_click" ? { x: action.x, y: action.y } : null;
  return page
    .evaluate((point) => {
      const target = point ? document.elementFromPoint(point.x, point.y) : document.activeElement;
      if (!target) return null;
      const form = target.closest("form");
      if (!form) return null;
      if (point) {
        const button = target.closest("button, input[type=submit], input[type=image]");
        if (!button || (button.tagName === "BUTTON" && (button as HTMLButtonElement).type !== "submit"))
          return null;
      }
      if (form.querySelector("input[type=password]")) return "submits a form with a password field";
      const payment = form.querySelector(
        "input[autocomplete^=cc-], input[name*=card i], input[name*=cvv i], input[name*=cvc i], input[name*=iban i]",
      );
      return payment ? "submits a form with a payment field" : null;
    }, point)
    .catch(() => null);
}

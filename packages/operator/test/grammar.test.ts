import { describe, expect, it } from "vitest";
import { ActionError } from "../src/computer.js";
import { formatCommand, GrammarError, namedCommand, parseCommand, resolveCommand } from "../src/grammar.js";
import type { Snapshot } from "../src/snapshot.js";

const snapshot: Snapshot = {
  url: "http://x/",
  title: "t",
  text: "",
  scroll: { y: 0, maxY: 500 },
  viewport: { width: 800, height: 600 },
  elements: [
    {
      index: 1,
      role: "textbox",
      name: "Name",
      value: "",
      box: { x: 10, y: 10, width: 100, height: 20 },
      position: "visible",
    },
    {
      index: 2,
      role: "button",
      name: "Go",
      box: { x: 200, y: 580, width: 40, height: 40 },
      position: "visible",
    },
    {
      index: 3,
      role: "button",
      name: "Far",
      box: { x: 10, y: 900, width: 40, height: 20 },
      position: "below",
    },
  ],
};

describe("the action grammar", () => {
  it("reads the last action line of a reply, ignoring reasoning and markup", () => {
    expect(parseCommand('The name field is empty.\nAction: `type [1] "Ada \\"A\\" L"`')).toEqual({
      verb: "type",
      target: 1,
      text: 'Ada "A" L',
    });
    expect(parseCommand("click [3]\nthen\n  key ctrl+a  ")).toEqual({ verb: "key", keys: ["ctrl", "a"] });
    expect(parseCommand("scroll down 300")).toEqual({ verb: "scroll", direction: "down", pixels: 300 });
    expect(parseCommand("drag [2] onto [5]")).toEqual({ verb: "drag", target: 2, to: 5 });
    expect(parseCommand('done "42"')).toEqual({ verb: "done", answer: "42" });
    expect(parseCommand("DBLCLICK [4]")).toEqual({ verb: "double_click", target: 4 });
    expect(parseCommand("drag [2] to (140, -3)")).toEqual({ verb: "drag", target: 2, at: { x: 140, y: -3 } });
    expect(parseCommand("drag [2] by ( -40 , 12.5 )")).toEqual({
      verb: "drag",
      target: 2,
      by: { x: -40, y: 12.5 },
    });
    expect(parseCommand('select [6] "São Paulo"')).toEqual({
      verb: "select",
      target: 6,
      option: "São Paulo",
    });
    expect(parseCommand("scroll [3] down")).toEqual({ verb: "scroll", direction: "down", target: 3 });
  });

  it("round-trips every command through its formatted line", () => {
    const lines = [
      "click [1]",
      'type [2] "a \\"b\\""',
      'type "x"',
      "key CTRL+A",
      "scroll [3] up 50",
      "drag [1] [2]",
      "drag [1] to (300, 40)",
      "drag [1] by (-20, 0)",
      'select [4] "Blue"',
      "goto http://a/b",
      'find "Ken"',
      'calc "48 x (9 + 1)"',
      "back",
      "wait 200",
      'done "7"',
      "hover [9]",
      'click "Sign in"',
      'type "Email" "a@b.c"',
      'drag "Leek" "Vegetables"',
      'drag "Box" by (5, 0)',
      'select "Country" "France"',
      'scroll "Terms of service" down',
    ];
    for (const line of lines) expect(formatCommand(parseCommand(line))).toBe(line);
  });

  it("names an element by its name as well as by its index", () => {
    expect(parseCommand('click "Sign in"')).toEqual({ verb: "click", target: "Sign in" });
    expect(parseCommand('type "Name" "Ada"')).toEqual({ verb: "type", target: "Name", text: "Ada" });
    expect(parseCommand('type "Ada"')).toEqual({ verb: "type", text: "Ada" });
    expect(parseCommand('drag "Leek" onto [5]')).toEqual({ verb: "drag", target: "Leek", to: 5 });
    expect(parseCommand('select "Size" "XL"')).toEqual({ verb: "select", target: "Size", option: "XL" });
    expect(parseCommand('scroll "Panel" up 40')).toEqual({
      verb: "scroll",
      direction: "up",
      target: "Panel",
      pixels: 40,
    });
    // the same element, named either way (case and spacing aside)
    const byIndex = resolveCommand({ verb: "click", target: 2 }, snapshot);
    expect(resolveCommand(parseCommand('click "Go"'), snapshot)).toEqual(byIndex);
    expect(resolveCommand(parseCommand('click " go "'), snapshot)).toEqual(byIndex);
    expect(() => resolveCommand(parseCommand('click "Stop"'), snapshot)).toThrow(
      /no element is named "Stop"/,
    );
    const twice: Snapshot = {
      ...snapshot,
      elements: [...snapshot.elements, { ...snapshot.elements[1]!, index: 4, role: "link" }],
    };
    expect(() => resolveCommand(parseCommand('click "Go"'), twice)).toThrow(
      /2 elements are named "Go": \[2\] button, \[4\] link; use the index/,
    );
    // demonstrations name what is unique and keep the index of what is not
    expect(namedCommand({ verb: "type", target: 1, text: "x" }, snapshot)).toEqual({
      verb: "type",
      target: "Name",
      text: "x",
    });
    expect(namedCommand({ verb: "drag", target: 1, to: 2 }, twice)).toEqual({
      verb: "drag",
      target: "Name",
      to: 2,
    });
  });

  it("says what is wrong with a reply that holds no action", () => {
    expect(() => parseCommand("I think I should click the button")).toThrow(GrammarError);
    expect(() => parseCommand("")).toThrow(/empty/);
    expect(() => parseCommand("click 3")).toThrow(/last line must be an action/);
  });

  it("resolves elements to their visible centre and refuses impossible targets", () => {
    expect(resolveCommand({ verb: "click", target: 1 }, snapshot)).toEqual([
      { type: "click", x: 60, y: 20, button: "left" },
    ]);
    // Partly below the fold: the click goes to the visible part.
    expect(resolveCommand({ verb: "click", target: 2 }, snapshot)).toEqual([
      { type: "click", x: 220, y: 590, button: "left" },
    ]);
    expect(() => resolveCommand({ verb: "click", target: 3 }, snapshot)).toThrow(
      /below the viewport; scroll/,
    );
    expect(() => resolveCommand({ verb: "click", target: 7 }, snapshot)).toThrow(ActionError);
    const typed = resolveCommand({ verb: "type", target: 1, text: "hi" }, snapshot);
    expect(typed.map((a) => a.type)).toEqual(["click", "keypress", "keypress", "type"]);
    expect(resolveCommand({ verb: "scroll", direction: "up" }, snapshot)).toEqual([
      { type: "scroll", x: 400, y: 300, scroll_x: 0, scroll_y: -480 },
    ]);
    // Over an element the wheel turns at its visible centre, by most of its own height.
    expect(resolveCommand({ verb: "scroll", direction: "down", target: 1 }, snapshot)).toEqual([
      { type: "scroll", x: 60, y: 20, scroll_x: 0, scroll_y: 16 },
    ]);
  });

  it("resolves drags onto an element, to a point and by an offset from the element's centre", () => {
    const path = (line: string) => {
      const [action] = resolveCommand(parseCommand(line), snapshot);
      return action!.type === "drag" ? action!.path : null;
    };
    expect(path("drag [1] [2]")).toEqual([
      { x: 60, y: 20 },
      { x: 140, y: 305 },
      { x: 220, y: 590 },
    ]);
    expect(path("drag [1] to (160, 220)")).toEqual([
      { x: 60, y: 20 },
      { x: 110, y: 120 },
      { x: 160, y: 220 },
    ]);
    expect(path("drag [1] by (100, -10)")).toEqual([
      { x: 60, y: 20 },
      { x: 110, y: 15 },
      { x: 160, y: 10 },
    ]);
    expect(() => resolveCommand(parseCommand("drag [3] by (1, 1)"), snapshot)).toThrow(/below the viewport/);
  });

  it("resolves select to a click, the arrow keys from the chosen option to the wanted one, and ENTER", () => {
    const withSelect: Snapshot = {
      ...snapshot,
      elements: [
        {
          index: 1,
          role: "combobox",
          name: "Size",
          value: "M",
          options: ["S", "M", "L", "XL"],
          box: { x: 0, y: 0, width: 100, height: 20 },
          position: "visible",
        },
      ],
    };
    const keys = (line: string) =>
      resolveCommand(parseCommand(line), withSelect).map((a) =>
        a.type === "keypress" ? a.keys.join("+") : a.type,
      );
    expect(keys('select [1] "XL"')).toEqual(["click", "DOWN", "DOWN", "ENTER"]);
    expect(keys('select [1] "s"')).toEqual(["click", "UP", "ENTER"]);
    expect(keys('select [1] "M"')).toEqual(["click", "ENTER"]);
  });
});

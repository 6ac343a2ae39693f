import { describe, expect, it } from "vitest";
import { evaluateExpression, formatRational } from "../src/index.js";

const value = (text: string) => {
  const r = evaluateExpression(text);
  return r.ok ? formatRational(r.value) : `error: ${r.error}`;
};

describe("safe expression evaluator", () => {
  it("follows precedence, associativity and parentheses, exactly", () => {
    expect(value("2 + 3 * 4")).toBe("14");
    expect(value("(2 + 3) * 4")).toBe("20");
    expect(value("10 - 4 - 3")).toBe("3");
    expect(value("100 / 10 / 5")).toBe("2");
    expect(value("2 ^ 3 ^ 2")).toBe("512");
    expect(value("-3 ^ 2")).toBe("-9");
    expect(value("1 / 3 + 1 / 6")).toBe("1/2");
    expect(value("0.1 + 0.2")).toBe("3/10");
    expect(value("37 × 41")).toBe("1517");
    expect(value("84 ÷ 4")).toBe("21");
    expect(value("2 \\times 3")).toBe("6");
    expect(value("2 ** 10")).toBe("1024");
  });

  it("records the numbers used, for Countdown", () => {
    const r = evaluateExpression("(25 - 5) * 4");
    expect(r.ok && r.numbers.map((n) => formatRational(n))).toEqual(["25", "5", "4"]);
  });

  it("explains what is wrong instead of throwing", () => {
    expect(value("1 / 0")).toBe("error: division by zero");
    expect(value("(1 + 2")).toBe("error: missing ')'");
    expect(value("1 +")).toBe("error: expression ends too early");
    expect(value("2 3")).toMatch(/^error: unexpected/);
    expect(value("alert(1)")).toBe("error: unexpected character 'a'");
    expect(value("")).toBe("error: empty expression");
    expect(value("1.2.3")).toMatch(/^error: bad number/);
  });
});

// Lists and bases: sorting, extremes, digit sums, positional notation.
import type { Family } from "../problem.js";
import { level } from "./util.js";

export const sortList: Family = {
  name: "sort",
  description: "sort a list of integers ascending or descending",
  topic: "lists",
  levels: [
    "4 numbers to 20, ascending",
    "5 numbers to 100",
    "6 numbers to 100, either order",
    "7 numbers with negatives",
    "9 numbers to 1000 with negatives",
  ],
  draft(rng, d) {
    const [n, max, negatives] = level(
      [
        [4, 20, false],
        [5, 100, false],
        [6, 100, false],
        [7, 100, true],
        [9, 1000, true],
      ] as const,
      d,
    );
    const nums = Array.from({ length: n }, () => rng.int(negatives ? -max : 0, max));
    const descending = d >= 3 && rng.chance(0.5);
    const sorted = [...nums].sort((a, b) => (descending ? b - a : a - b));
    const steps: string[] = [];
    const rest = [...nums];
    for (const x of sorted.slice(0, -1)) {
      rest.splice(rest.indexOf(x), 1);
      steps.push(
        `${descending ? "largest" : "smallest"} of what is left is ${x}, leaving ${rest.join(", ")}`,
      );
    }
    steps.push(`sorted: ${sorted.join(", ")}`);
    return {
      prompt: `Sort these numbers in ${descending ? "descending" : "ascending"} order: ${nums.join(", ")}.`,
      answer: sorted.join(", "),
      steps,
      check: { kind: "list", ordered: true },
    };
  },
};

export const minMax: Family = {
  name: "minmax",
  description: "the largest or smallest number in a list, by a running scan",
  topic: "lists",
  levels: [
    "5 numbers to 50",
    "8 numbers to 100",
    "10 numbers to 1000, largest or smallest",
    "10 numbers with negatives",
    "15 numbers, decimals included",
  ],
  draft(rng, d) {
    const [n, max] = level(
      [
        [5, 50],
        [8, 100],
        [10, 1000],
        [10, 1000],
        [15, 100],
      ] as const,
      d,
    );
    const nums = Array.from({ length: n }, () => {
      const x = rng.int(d >= 4 ? -max : 0, max);
      return d === 5 && rng.chance(0.5) ? x + rng.int(1, 9) / 10 : x;
    });
    const smallest = d >= 3 && rng.chance(0.5);
    const steps: string[] = [];
    let best = nums[0]!;
    steps.push(`start with ${best}`);
    for (const x of nums.slice(1)) {
      if (smallest ? x < best : x > best) {
        steps.push(`${x} is ${smallest ? "smaller" : "larger"}: now ${x}`);
        best = x;
      }
    }
    steps.push(`the ${smallest ? "smallest" : "largest"} is ${best}`);
    return {
      prompt: `What is the ${smallest ? "smallest" : "largest"} number in this list: ${nums.join(", ")}?`,
      answer: String(best),
      steps,
    };
  },
};

export const digitSum: Family = {
  name: "digit-sum",
  description: "the sum of a number's digits",
  topic: "lists",
  levels: ["2-digit numbers", "3-digit numbers", "5-digit numbers", "8-digit numbers", "12-digit numbers"],
  draft(rng, d) {
    const n = level([2, 3, 5, 8, 12], d);
    const digits = Array.from({ length: n }, (_, i) => (i === 0 ? rng.int(1, 9) : rng.int(0, 9)));
    const number = digits.join("");
    const steps: string[] = [];
    let total = 0;
    for (const x of digits) {
      const next = total + x;
      if (steps.length || total) steps.push(`${total} + ${x} = ${next}`);
      total = next;
    }
    if (steps.length === 0) steps.push(`the only nonzero digit is ${total}`);
    return { prompt: `What is the sum of the digits of ${number}?`, answer: String(total), steps };
  },
};

const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

function toBase(n: number, base: number): { text: string; steps: string[] } {
  const steps: string[] = [];
  let rest = n;
  const out: string[] = [];
  do {
    const r = rest % base;
    steps.push(
      `${rest} / ${base} = ${Math.floor(rest / base)} remainder ${r}${r >= 10 ? ` (${DIGITS[r]})` : ""}`,
    );
    out.unshift(DIGITS[r]!);
    rest = Math.floor(rest / base);
  } while (rest > 0);
  steps.push(`read the remainders from last to first: ${out.join("")}`);
  return { text: out.join(""), steps };
}

export const baseConvert: Family = {
  name: "base-convert",
  description: "convert between bases 2 to 16",
  topic: "lists",
  levels: [
    "decimal to binary, to 31",
    "decimal to binary, to 255",
    "decimal to base 3 to 16, to 1000",
    "base 2 to 16 to decimal",
    "between two non-decimal bases",
  ],
  draft(rng, d) {
    const base = d <= 2 ? 2 : rng.pick([3, 5, 7, 8, 12, 16]);
    const n = rng.int(d === 1 ? 2 : 8, level([31, 255, 1000, 4095, 4095], d));
    if (d <= 3) {
      const { text, steps } = toBase(n, base);
      return {
        prompt: `Write the decimal number ${n} in base ${base}.`,
        answer: text,
        steps,
        check: { kind: "base", base },
      };
    }
    const from = d === 4 ? base : rng.pick([2, 8, 16].filter((b) => b !== base));
    const source = n.toString(from);
    const expand = source
      .split("")
      .map((ch, i) => `${parseInt(ch, from)} x ${from}^${source.length - 1 - i}`)
      .join(" + ");
    const steps = [`${source} in base ${from} = ${expand} = ${n}`];
    if (d === 4)
      return { prompt: `Convert ${source} from base ${from} to decimal.`, answer: String(n), steps };
    const { text, steps: more } = toBase(n, base);
    return {
      prompt: `Convert ${source} from base ${from} to base ${base}.`,
      answer: text,
      steps: [...steps, ...more],
      check: { kind: "base", base },
    };
  },
};

export const listFamilies = [sortList, minMax, digitSum, baseConvert];

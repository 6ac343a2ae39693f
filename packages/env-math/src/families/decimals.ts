// Decimals: the "9.11 vs 9.9" hole, and decimal arithmetic by scaling to whole numbers.
import type { Family } from "../problem.js";
import { formatRational, rat } from "../rational.js";
import type { Rng } from "../rng.js";

/** A decimal as (integer scaled by 10^places, places). */
interface Dec {
  scaled: number;
  places: number;
}
const decStr = ({ scaled, places }: Dec) => formatRational(rat(scaled, 10 ** places), "decimal");
const randDec = (rng: Rng, whole: number, places: number): Dec => ({
  scaled: whole * 10 ** places + rng.int(places > 0 ? 1 : 0, 10 ** places - 1),
  places,
});
/** The same value written with `places` decimals, keeping trailing zeros: "9.90". */
const padded = (x: Dec, places: number) => {
  const s = String(Math.abs(x.scaled) * 10 ** (places - x.places)).padStart(places + 1, "0");
  return `${x.scaled < 0 ? "-" : ""}${places ? `${s.slice(0, -places)}.${s.slice(-places)}` : s}`;
};

export const decimalCompare: Family = {
  name: "decimal-compare",
  description: "which of two or three decimals is larger (or smaller): the 9.11 vs 9.9 trap",
  topic: "swiss-cheese",
  levels: [
    "two decimals with the same whole part, drawn to the same number of places",
    "two decimals with the same whole part and different lengths (9.11 vs 9.9)",
    "three decimals, mixed lengths",
    "asks for the smaller or the larger, up to 3 places",
    "negative decimals included",
  ],
  draft(rng, d) {
    const whole = rng.int(0, 20);
    const count = d >= 3 ? 3 : 2;
    const nums: Dec[] = [];
    while (nums.length < count) {
      let x: Dec;
      if (d === 1) x = randDec(rng, whole, nums[0]?.places ?? rng.int(1, 2));
      else if (d === 2) {
        // the trap: a short decimal with a big tenths digit against a longer one with a smaller
        // tenths digit (9.9 vs 9.11); a third of the time the longer one really is larger
        const tenths = rng.int(2, 9);
        const trap = rng.chance(2 / 3);
        x =
          nums.length === 0
            ? { scaled: whole * 10 + tenths, places: 1 }
            : {
                scaled:
                  whole * 100 + (trap ? rng.int(1, tenths - 1) : rng.int(tenths, 9)) * 10 + rng.int(1, 9),
                places: 2,
              };
      } else x = randDec(rng, whole, rng.int(1, d >= 4 ? 3 : 2));
      if (d === 5 && rng.chance(0.5)) x = { ...x, scaled: -x.scaled };
      const v = x.scaled / 10 ** x.places;
      if (!nums.some((y) => y.scaled / 10 ** y.places === v)) nums.push(x);
    }
    const smaller = d >= 4 && rng.chance(0.5);
    const word = smaller ? "smaller" : "larger";
    const list = nums.map(decStr);
    const prompt =
      count === 2
        ? `Which is ${word}, ${list[0]} or ${list[1]}?`
        : `Which of these numbers is the ${smaller ? "smallest" : "largest"}: ${list.join(", ")}?`;
    // The worked solution pads the digits after the point to the same length, after which they
    // compare as whole numbers; the misconception compares them unpadded (11 > 9, so 9.11 > 9.9).
    // Below level 5 every number has the same whole part, so only those digits are compared:
    // short steps that a small model can carry out without copying whole numbers around.
    const places = Math.max(...nums.map((x) => x.places));
    const values = nums.map((x) => x.scaled * 10 ** (places - x.places));
    const best = pick(values, smaller);
    const frac = list.map((x) => x.split(".")[1] ?? "0"); // as written: 2.60 reads "2.6"
    const padFrac = frac.map((f) => f.padEnd(places, "0"));
    const fracValues = frac.map(Number);
    const naive = pick(fracValues, smaller);
    const placesText = `${places} decimal place${places > 1 ? "s" : ""}`;
    const signed = d === 5;
    const padNums = signed ? nums.map((x) => padded(x, places)) : [];
    return {
      prompt,
      answer: list[best]!,
      steps: signed
        ? [`write each with ${placesText}: ${padNums.join(", ")}`, verdict(padNums, values, smaller)]
        : [
            `with ${placesText}, the digits after the point are ${padFrac.join(", ")}`,
            verdict(padFrac, values, smaller),
          ],
      metadata: { numbers: list },
      ...(!signed &&
        new Set(frac.map((f) => f.length)).size > 1 && {
          misconception: {
            steps: [`the digits after the point are ${frac.join(", ")}`, verdict(frac, fracValues, smaller)],
            answer: list[naive]!,
          },
        }),
    };
  },
};

/** Index of the largest (or smallest) of `values`. */
const pick = (values: number[], smaller: boolean) =>
  values.indexOf(smaller ? Math.min(...values) : Math.max(...values));

/** "9.90 > 9.11" for two numbers; "the largest is 9.90" for more. */
function verdict(shown: string[], values: number[], smaller: boolean): string {
  const best = pick(values, smaller);
  if (shown.length === 2) return `${shown[best]} ${smaller ? "<" : ">"} ${shown[1 - best]}`;
  return `the ${smaller ? "smallest" : "largest"} is ${shown[best]}`;
}

export const decimalArith: Family = {
  name: "decimal-arith",
  description: "add, subtract or multiply decimals exactly",
  topic: "arithmetic",
  levels: [
    "add, one decimal place",
    "add or subtract, mixed places",
    "decimal x whole number",
    "decimal x decimal",
    "three terms, + - x",
  ],
  draft(rng, d) {
    const dec = (maxWhole: number) => randDec(rng, rng.int(0, maxWhole), rng.int(1, 2));
    const steps: string[] = [];
    const addOrSub = (a: Dec, b: Dec, op: "+" | "-"): Dec => {
      const places = Math.max(a.places, b.places);
      const x = a.scaled * 10 ** (places - a.places);
      const y = b.scaled * 10 ** (places - b.places);
      const r = op === "+" ? x + y : x - y;
      const res = { scaled: r, places };
      steps.push(
        `align to ${places} places: ${x} ${op} ${y} = ${r}, so ${decStr(a)} ${op} ${decStr(b)} = ${decStr(res)}`,
      );
      return res;
    };
    const times = (a: Dec, b: Dec): Dec => {
      const res = { scaled: a.scaled * b.scaled, places: a.places + b.places };
      steps.push(
        `${a.scaled} x ${b.scaled} = ${res.scaled}; ${res.places} decimal place${res.places > 1 ? "s" : ""}: ${decStr(a)} x ${decStr(b)} = ${decStr(res)}`,
      );
      return res;
    };
    let prompt: string;
    let result: Dec;
    if (d === 1) {
      const a = randDec(rng, rng.int(0, 20), 1);
      const b = randDec(rng, rng.int(0, 20), 1);
      prompt = `What is ${decStr(a)} + ${decStr(b)}?`;
      result = addOrSub(a, b, "+");
    } else if (d === 2) {
      const a = dec(50);
      const b = dec(50);
      const op = rng.pick(["+", "-"] as const);
      prompt = `What is ${decStr(a)} ${op} ${decStr(b)}?`;
      result = addOrSub(a, b, op);
    } else if (d === 3) {
      const a = dec(20);
      const b = { scaled: rng.int(2, 12), places: 0 };
      prompt = `What is ${decStr(a)} x ${b.scaled}?`;
      result = times(a, b);
    } else if (d === 4) {
      const a = dec(9);
      const b = randDec(rng, rng.int(0, 9), 1);
      prompt = `What is ${decStr(a)} x ${decStr(b)}?`;
      result = times(a, b);
    } else {
      const a = dec(9);
      const b = randDec(rng, rng.int(1, 9), 1);
      const c = dec(30);
      const op = rng.pick(["+", "-"] as const);
      prompt = `What is ${decStr(a)} x ${decStr(b)} ${op} ${decStr(c)}?`;
      result = addOrSub(times(a, b), c, op);
    }
    return {
      prompt,
      answer: decStr(result),
      steps,
      metadata: { expression: prompt.replace(/^What is |\?$/g, "").replace(/ x /g, " * ") },
    };
  },
};

export const decimalFamilies = [decimalCompare, decimalArith];

// Multi-step word problems in the style of GSM8K, from templates whose numbers always agree.
import type { Draft, Family } from "../problem.js";
import { formatRational, rat } from "../rational.js";
import type { Rng } from "../rng.js";

const NAMES = [
  "Maya",
  "Liam",
  "Noah",
  "Ava",
  "Sofia",
  "Omar",
  "Chen",
  "Priya",
  "Lucas",
  "Zoe",
  "Ines",
  "Kofi",
  "Hana",
  "Mateo",
];
const ITEMS: [string, string][] = [
  ["notebook", "notebooks"],
  ["pencil", "pencils"],
  ["apple", "apples"],
  ["ticket", "tickets"],
  ["book", "books"],
  ["sandwich", "sandwiches"],
];
const money = (cents: number) => formatRational(rat(cents, 100), "decimal");

type Template = (rng: Rng, d: number) => Draft;

const shopping: Template = (rng, d) => {
  const who = rng.pick(NAMES);
  const [[, item1], [, item2]] = rng.shuffle(ITEMS).slice(0, 2) as [[string, string], [string, string]];
  const n = rng.int(2, 3 + 2 * d);
  const p = rng.int(1, 5 * d) * (d >= 4 ? 25 : 100);
  const m = rng.int(2, 3 + d);
  const q = rng.int(1, 4 * d) * (d >= 4 ? 25 : 100);
  const steps = [`${item1}: ${n} x $${money(p)} = $${money(n * p)}`];
  let prompt = `${who} buys ${n} ${item1} at $${money(p)} each`;
  let total = n * p;
  if (d >= 2) {
    prompt += ` and ${m} ${item2} at $${money(q)} each`;
    steps.push(
      `${item2}: ${m} x $${money(q)} = $${money(m * q)}`,
      `total: $${money(n * p)} + $${money(m * q)} = $${money(n * p + m * q)}`,
    );
    total += m * q;
  }
  if (d >= 3) {
    const bill =
      [2000, 5000, 10000, 20000, 50000].find((b) => b >= total) ?? Math.ceil(total / 10000) * 10000 + 10000;
    steps.push(`change: $${money(bill)} - $${money(total)} = $${money(bill - total)}`);
    return {
      prompt: `${prompt}. ${who} pays with $${money(bill)}. How much change, in dollars, does ${who} get?`,
      answer: money(bill - total),
      steps,
    };
  }
  return { prompt: `${prompt}. How much does ${who} spend in dollars?`, answer: money(total), steps };
};

const travel: Template = (rng, d) => {
  const v1 = rng.int(4, 12) * 10;
  const h1 = rng.int(1, 2 + d);
  const steps = [`first part: ${v1} km/h x ${h1} h = ${v1 * h1} km`];
  if (d <= 2)
    return {
      prompt: `A train travels at ${v1} km/h for ${h1} hours. How many kilometers does it travel?`,
      answer: String(v1 * h1),
      steps,
    };
  const v2 = rng.int(4, 12) * 10;
  const h2 = rng.int(1, 4);
  const total = v1 * h1 + v2 * h2;
  steps.push(
    `second part: ${v2} km/h x ${h2} h = ${v2 * h2} km`,
    `total: ${v1 * h1} + ${v2 * h2} = ${total} km`,
  );
  if (d === 3)
    return {
      prompt: `A bus drives at ${v1} km/h for ${h1} hours, then at ${v2} km/h for ${h2} hours. How far does it go in kilometers?`,
      answer: String(total),
      steps,
    };
  steps.push(
    `time: ${h1} + ${h2} = ${h1 + h2} h`,
    `average speed: ${total} / ${h1 + h2} = ${formatRational(rat(total, h1 + h2), "decimal")} km/h`,
  );
  const avg = rat(total, h1 + h2);
  if (avg.d !== 1n && formatRational(avg, "decimal").includes("/")) return travel(rng, 3);
  return {
    prompt: `A car drives at ${v1} km/h for ${h1} hours, then at ${v2} km/h for ${h2} hours. What is its average speed for the whole trip, in km/h?`,
    answer: formatRational(avg, "decimal"),
    steps,
  };
};

const production: Template = (rng, d) => {
  const rate = rng.int(3, 10 * d);
  const hours = rng.int(2, 8 + d);
  const steps = [`per day: ${rate} x ${hours} = ${rate * hours}`];
  if (d === 1)
    return {
      prompt: `A machine makes ${rate} toys per hour. How many toys does it make in ${hours} hours?`,
      answer: String(rate * hours),
      steps,
    };
  const days = rng.int(2, 6);
  const total = rate * hours * days;
  steps.push(`in ${days} days: ${rate * hours} x ${days} = ${total}`);
  if (d <= 3)
    return {
      prompt: `A machine makes ${rate} toys per hour and runs ${hours} hours a day. How many toys does it make in ${days} days?`,
      answer: String(total),
      steps,
    };
  const machines = rng.int(2, 5);
  const broken = rng.int(1, Math.floor(total / 10) + 1);
  steps.push(
    `${machines} machines: ${total} x ${machines} = ${total * machines}`,
    `minus rejects: ${total * machines} - ${broken} = ${total * machines - broken}`,
  );
  return {
    prompt: `A factory has ${machines} machines. Each makes ${rate} toys per hour and runs ${hours} hours a day. Over ${days} days, ${broken} toys are rejected. How many good toys are made?`,
    answer: String(total * machines - broken),
    steps,
  };
};

const units: Template = (rng, d) => {
  const piece = rng.pick([20, 25, 40, 50, 75]);
  const meters = rng.int(2, 4 + 3 * d);
  const cm = meters * 100;
  const pieces = Math.floor(cm / piece);
  const left = cm % piece;
  const steps = [
    `${meters} m = ${meters} x 100 = ${cm} cm`,
    `${cm} / ${piece} = ${pieces} pieces${left ? `, ${left} cm left over` : ""}`,
  ];
  if (d <= 3)
    return {
      prompt: `A rope is ${meters} meters long. How many whole pieces of ${piece} centimeters can be cut from it?`,
      answer: String(pieces),
      steps,
    };
  const price = rng.int(2, 9) * 25;
  steps.push(`money: ${pieces} x ${price} cents = ${pieces * price} cents = $${money(pieces * price)}`);
  return {
    prompt: `A ribbon is ${meters} meters long. It is cut into as many ${piece}-centimeter pieces as possible, and each piece sells for ${price} cents. How many dollars do the pieces sell for?`,
    answer: money(pieces * price),
    steps,
  };
};

const sharing: Template = (rng, d) => {
  const who = rng.pick(NAMES);
  const kids = rng.int(2, 3 + d);
  const each = rng.int(2, 4 + 2 * d);
  const extra = rng.int(0, kids - 1);
  const cookies = kids * each + extra;
  const steps = [`${cookies} / ${kids} = ${each} each${extra ? `, ${extra} left over` : ""}`];
  if (d <= 2)
    return {
      prompt: `${who} shares ${cookies} cookies equally among ${kids} friends. How many whole cookies does each friend get?`,
      answer: String(each),
      steps,
    };
  const eaten = rng.int(1, each);
  steps.push(
    `each friend eats ${eaten}: ${each} - ${eaten} = ${each - eaten} left per friend`,
    `together: ${each - eaten} x ${kids} = ${(each - eaten) * kids}`,
  );
  const total = (each - eaten) * kids + (d >= 4 ? extra : 0);
  if (d >= 4) steps.push(`plus the ${extra} left over: ${(each - eaten) * kids} + ${extra} = ${total}`);
  return {
    prompt: `${who} shares ${cookies} cookies equally among ${kids} friends${d >= 4 ? ` and keeps the ones left over` : ""}. Each friend eats ${eaten}. How many cookies are left${d >= 4 ? " in all, counting the ones " + who + " kept" : " with the friends"}?`,
    answer: String(total),
    steps,
  };
};

const recipe: Template = (rng, d) => {
  const servings = rng.pick([2, 4, 6, 8]);
  const cupsNum = rng.int(1, 4 * d);
  const cups = rat(cupsNum, rng.pick([1, 2, 4]));
  const target = servings * rng.int(2, 2 + d) + (d >= 3 ? rng.pick([0, servings / 2]) : 0);
  const need = rat(cups.n * BigInt(target), cups.d * BigInt(servings));
  const c = formatRational(cups, "decimal");
  return {
    prompt: `A recipe needs ${c} cups of flour for ${servings} servings. How many cups are needed for ${target} servings?`,
    answer: formatRational(need, "decimal"),
    steps: [
      `per serving: ${c} / ${servings}`,
      `for ${target}: ${c} x ${target} / ${servings} = ${formatRational(need, "decimal")}`,
    ],
  };
};

const savings: Template = (rng, d) => {
  const who = rng.pick(NAMES);
  const weekly = rng.int(2, 10 * d);
  const weeks = rng.int(3, 6 + 2 * d);
  const saved = weekly * weeks;
  const steps = [`saved: ${weekly} x ${weeks} = ${saved}`];
  if (d === 1)
    return {
      prompt: `${who} saves $${weekly} every week. How many dollars has ${who} saved after ${weeks} weeks?`,
      answer: String(saved),
      steps,
    };
  const spent = rng.int(1, saved);
  steps.push(`after spending: ${saved} - ${spent} = ${saved - spent}`);
  if (d <= 3)
    return {
      prompt: `${who} saves $${weekly} every week for ${weeks} weeks, then spends $${spent} on a game. How many dollars are left?`,
      answer: String(saved - spent),
      steps,
    };
  const gift = rng.int(5, 50);
  const final = saved - spent + gift * 2;
  steps.push(`two gifts of $${gift}: ${gift} x 2 = ${gift * 2}`, `${saved - spent} + ${gift * 2} = ${final}`);
  return {
    prompt: `${who} saves $${weekly} every week for ${weeks} weeks, spends $${spent} on a game, then gets two birthday gifts of $${gift} each. How many dollars does ${who} have now?`,
    answer: String(final),
    steps,
  };
};

const TEMPLATES: Template[] = [shopping, travel, production, units, sharing, recipe, savings];

export const wordProblem: Family = {
  name: "word-problem",
  description: "multi-step word problems (money, rates, units, sharing, recipes), GSM8K style",
  topic: "word-problems",
  levels: [
    "one step",
    "two steps",
    "three steps",
    "three to four steps, cents and larger numbers",
    "four or more steps",
  ],
  draft(rng, d) {
    const index = rng.int(0, TEMPLATES.length - 1);
    return { ...TEMPLATES[index]!(rng, d), metadata: { template: TEMPLATES[index]!.name } };
  },
};

export const wordFamilies = [wordProblem];

// Dates and times: days between dates month by month, clock arithmetic in minutes.
import type { Family } from "../problem.js";
import type { Rng } from "../rng.js";

export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number) =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m]!;
const dayNumber = (y: number, m: number, d: number) => Date.UTC(y, m, d) / 86_400_000;
const show = (y: number, m: number, d: number) => `${MONTHS[m]} ${d}, ${y}`;

function randomDate(rng: Rng, y: number, m?: number): [number, number, number] {
  const month = m ?? rng.int(0, 11);
  return [y, month, rng.int(1, monthDays(y, month))];
}

export const daysBetween: Family = {
  name: "days-between",
  description: "how many days from one date to another, counted month by month",
  topic: "dates",
  levels: [
    "same month",
    "the next month",
    "several months apart, same year",
    "across a new year",
    "several years apart, with leap years",
  ],
  draft(rng, d) {
    const year = rng.int(1990, 2035);
    let a: [number, number, number];
    let b: [number, number, number];
    do {
      if (d === 1) {
        const m = rng.int(0, 11);
        a = randomDate(rng, year, m);
        b = randomDate(rng, year, m);
      } else if (d === 2) {
        const m = rng.int(0, 10);
        a = randomDate(rng, year, m);
        b = randomDate(rng, year, m + 1);
      } else if (d === 3) {
        const m = rng.int(0, 8);
        a = randomDate(rng, year, m);
        b = randomDate(rng, year, rng.int(m + 2, 11));
      } else if (d === 4) {
        a = randomDate(rng, year, rng.int(8, 11));
        b = randomDate(rng, year + 1, rng.int(0, 3));
      } else {
        a = randomDate(rng, year);
        b = randomDate(rng, year + rng.int(2, 5));
      }
    } while (dayNumber(...b) <= dayNumber(...a));
    const total = dayNumber(...b) - dayNumber(...a);
    const [ay, am, ad] = a;
    const [by, bm, bd] = b;
    const steps: string[] = [];
    if (ay === by && am === bm) steps.push(`same month: ${bd} - ${ad} = ${total}`);
    else {
      const parts: number[] = [monthDays(ay, am) - ad];
      steps.push(`rest of ${MONTHS[am]} ${ay}: ${monthDays(ay, am)} - ${ad} = ${parts[0]}`);
      let [y, m] = am === 11 ? [ay + 1, 0] : [ay, am + 1];
      while (y < by || (y === by && m < bm)) {
        if (m === 0 && y < by) {
          const days = isLeap(y) ? 366 : 365;
          parts.push(days);
          steps.push(`all of ${y}: ${days} days${isLeap(y) ? " (leap year)" : ""}`);
          y++;
          continue;
        }
        parts.push(monthDays(y, m));
        steps.push(`${MONTHS[m]} ${y}: ${monthDays(y, m)}`);
        [y, m] = m === 11 ? [y + 1, 0] : [y, m + 1];
      }
      parts.push(bd);
      steps.push(`${MONTHS[bm]} ${by}: ${bd}`, `${parts.join(" + ")} = ${total}`);
    }
    return {
      prompt: `How many days are there from ${show(...a)} to ${show(...b)}?`,
      answer: String(total),
      steps,
    };
  },
};

const clock12 = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  const h = Math.floor(m / 60);
  return `${h % 12 === 0 ? 12 : h % 12}:${String(m % 60).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
};
const clock24 = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
};

export const duration: Family = {
  name: "duration",
  description: "durations between clock times, and the time after a duration",
  topic: "dates",
  levels: [
    "whole hours",
    "hours and minutes, same half of the day",
    "crossing noon, AM/PM",
    "the time after a number of minutes",
    "crossing midnight",
  ],
  draft(rng, d) {
    const start =
      d === 1
        ? rng.int(6, 14) * 60
        : d === 5
          ? rng.int(20 * 60, 23 * 60 + 55)
          : rng.int(6 * 60, 11 * 60 + 55);
    const length =
      d === 1
        ? rng.int(1, 8) * 60
        : d === 2
          ? rng.int(15, 150)
          : d === 3
            ? rng.int(60, 360)
            : rng.int(45, 400);
    const roundedStart = start - (start % 5);
    const len = length - (length % 5) || 5;
    const end = roundedStart + len;
    if (d === 4 || (d === 5 && rng.chance(0.5))) {
      return {
        prompt: `What time is it ${len} minutes after ${clock12(roundedStart)}? Answer as HH:MM (24-hour clock).`,
        answer: clock24(end),
        steps: [
          `${clock12(roundedStart)} is ${clock24(roundedStart)}, which is ${roundedStart} minutes after midnight`,
          `${roundedStart} + ${len} = ${end} minutes${end >= 1440 ? `, minus 1440 for the next day = ${end - 1440}` : ""}`,
          `${end % 1440} minutes = ${Math.floor((end % 1440) / 60)} h ${(end % 1440) % 60} min = ${clock24(end)}`,
        ],
        check: { kind: "time" },
      };
    }
    const toMinutes = (m: number) =>
      `${clock12(m)} = ${Math.floor(m / 60)} x 60 + ${m % 60} = ${m} minutes after midnight`;
    return {
      prompt: `A movie starts at ${clock12(roundedStart)} and ends at ${clock12(end)}. How many minutes long is it?`,
      answer: String(len),
      steps: [
        toMinutes(roundedStart),
        end >= 1440
          ? `${clock12(end)} the next day = ${end} minutes after the first midnight`
          : toMinutes(end),
        `${end} - ${roundedStart} = ${len}`,
      ],
    };
  },
};

export const dateFamilies = [daysBetween, duration];

// Character-level probes: tokenizers hide letters from models, so these are Swiss-cheese holes.
import type { Family } from "../problem.js";
import type { Rng } from "../rng.js";
import { level, ordinal } from "./util.js";

const SHORT =
  "cat dog sun map hat pen cup box bee egg red sky owl ant arm bus fox gum ink jam key kit log mud net".split(
    " ",
  );
const MEDIUM =
  "apple banana cherry garden pepper letter butter summer rabbit button kitten puzzle coffee bottle yellow balloon pillow dinner mirror carrot hammer ladder pizza cookie tomato potato orange purple silver window".split(
    " ",
  );
const LONG =
  "strawberry raspberry blueberry mississippi bookkeeper committee assessment occurrence possession necessary accommodate embarrass millennium parallel successful tomorrow referee address aggressive beginning chocolate restaurant broccoli spaghetti pineapple watermelon grasshopper butterfly dictionary encyclopedia".split(
    " ",
  );
const PHRASES = [
  "peanut butter",
  "bubble tea",
  "coffee bean",
  "apple pie",
  "hello world",
  "green grass",
  "sweet pepper",
  "jelly bean",
  "silver spoon",
  "three little kittens",
];
const SENTENCES = [
  "the quick brown fox jumps over the lazy dog",
  "she sells sea shells by the sea shore",
  "a bad penny always turns up",
  "all that glitters is not gold",
  "better late than never",
  "the early bird catches the worm",
  "peter piper picked a peck of pickled peppers",
];

function pickText(rng: Rng, d: number): string {
  return rng.pick(level([SHORT.concat(MEDIUM), MEDIUM, LONG, PHRASES, SENTENCES], d));
}

export const letterCount: Family = {
  name: "letter-count",
  description: "count how often a letter occurs in a word or sentence (the 'r's in strawberry')",
  topic: "swiss-cheese",
  levels: [
    "short and medium words, letter present",
    "medium words with doubled letters",
    "long words (strawberry, mississippi)",
    "two-word phrases, the letter may be absent",
    "sentences",
  ],
  draft(rng, d) {
    const text = pickText(rng, d);
    const letters = [...new Set(text.replace(/ /g, ""))];
    const absent = "abcdefghijklmnopqrstuvwxyz".split("").filter((c) => !letters.includes(c));
    const doubled = letters.filter((c) => text.split(c).length > 2);
    const letter =
      d >= 4 && absent.length && rng.chance(0.2)
        ? rng.pick(absent)
        : d >= 2 && doubled.length && rng.chance(0.7)
          ? rng.pick(doubled)
          : rng.pick(letters);
    const positions: number[] = [];
    const chars = [...text];
    chars.forEach((c, i) => {
      if (c === letter) positions.push(i + 1);
    });
    const spelled = chars.map((c) => (c === " " ? "_" : c)).join("-");
    const what = text.includes(" ") ? `"${text}"` : `the word "${text}"`;
    return {
      prompt: `How many times does the letter "${letter}" appear in ${what}?`,
      answer: String(positions.length),
      steps: [
        `spell it out: ${spelled}`,
        positions.length
          ? `"${letter}" is at position${positions.length > 1 ? "s" : ""} ${positions.join(", ")}`
          : `"${letter}" does not appear`,
        `that is ${positions.length}`,
      ],
      metadata: { text, letter },
    };
  },
};

export const reverseWord: Family = {
  name: "reverse-word",
  description: "spell a word (or phrase) backwards",
  topic: "swiss-cheese",
  levels: ["3-letter words", "medium words", "long words", "two-word phrases", "sentences"],
  draft(rng, d) {
    const text = d === 1 ? rng.pick(SHORT) : pickText(rng, d);
    const chars = [...text];
    const reversed = chars.reverse().join("");
    return {
      prompt: `Write "${text}" backwards, letter by letter.`,
      answer: reversed,
      steps: [
        `letters: ${[...text].map((c) => (c === " " ? "_" : c)).join(", ")}`,
        `backwards: ${[...reversed].map((c) => (c === " " ? "_" : c)).join(", ")}`,
      ],
      check: { kind: "text", caseSensitive: false },
    };
  },
};

export const nthLetter: Family = {
  name: "nth-letter",
  description: "the n-th letter of a word, counting from the start or the end",
  topic: "swiss-cheese",
  levels: [
    "short words from the start",
    "medium words",
    "long words",
    "long words, counting from the end",
    "phrases, counting from the end (spaces not counted)",
  ],
  draft(rng, d) {
    const text = d === 4 ? rng.pick(LONG) : pickText(rng, d);
    const letters = [...text.replace(/ /g, "")];
    const fromEnd = d >= 4;
    const n = rng.int(1, letters.length);
    const letter = fromEnd ? letters[letters.length - n]! : letters[n - 1]!;
    const order = fromEnd ? [...letters].reverse() : letters;
    const numbered = order
      .slice(0, n)
      .map((c, i) => `${c}(${i + 1})`)
      .join(" ");
    return {
      prompt: `What is the ${ordinal(n)} letter ${fromEnd ? "from the end " : ""}of "${text}"?${text.includes(" ") ? " Do not count spaces." : ""}`,
      answer: letter,
      steps: [
        `count ${fromEnd ? "from the end" : "from the start"}: ${numbered}`,
        `the ${ordinal(n)} letter is ${letter}`,
      ],
      check: { kind: "text", caseSensitive: false },
    };
  },
};

export const charFamilies = [letterCount, reverseWord, nthLetter];

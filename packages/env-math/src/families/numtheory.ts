// Number theory: Euclid, primes, factorizations, remainders.
import type { Family } from "../problem.js";
import { gcd, level } from "./util.js";

function euclid(a: number, b: number): string[] {
  const steps: string[] = [];
  let [x, y] = a >= b ? [a, b] : [b, a];
  while (y) {
    steps.push(`${x} = ${Math.floor(x / y)} x ${y} + ${x % y}`);
    [x, y] = [y, x % y];
  }
  return steps;
}

export const gcdFamily: Family = {
  name: "gcd",
  description: "greatest common divisor by Euclid's algorithm",
  topic: "number-theory",
  levels: ["numbers to 30", "numbers to 100", "numbers to 500", "numbers to 5000", "numbers to 100000"],
  draft(rng, d) {
    const max = level([30, 100, 500, 5000, 100000], d);
    const g = rng.int(1, Math.max(2, Math.floor(Math.sqrt(max))));
    const a = g * rng.int(1, Math.floor(max / g));
    const b = g * rng.int(1, Math.floor(max / g));
    const r = gcd(a, b);
    return {
      prompt: `What is the greatest common divisor of ${a} and ${b}?`,
      answer: String(r),
      steps: [...euclid(a, b), `the last nonzero remainder is ${r}`],
    };
  },
};

export const lcmFamily: Family = {
  name: "lcm",
  description: "least common multiple via the gcd",
  topic: "number-theory",
  levels: ["numbers to 12", "numbers to 30", "numbers to 100", "numbers to 500", "three numbers to 60"],
  draft(rng, d) {
    const max = level([12, 30, 100, 500, 60], d);
    const nums = Array.from({ length: d === 5 ? 3 : 2 }, () => rng.int(2, max));
    const steps: string[] = [];
    let acc = nums[0]!;
    for (const n of nums.slice(1)) {
      const g = gcd(acc, n);
      const l = (acc / g) * n;
      steps.push(`gcd(${acc}, ${n}) = ${g}`, `lcm(${acc}, ${n}) = ${acc} x ${n} / ${g} = ${l}`);
      acc = l;
    }
    return {
      prompt: `What is the least common multiple of ${nums.join(", ").replace(/, (\d+)$/, " and $1")}?`,
      answer: String(acc),
      steps,
    };
  },
};

function smallestFactor(n: number): number {
  if (n % 2 === 0) return 2;
  for (let p = 3; p * p <= n; p += 2) if (n % p === 0) return p;
  return n;
}

export const prime: Family = {
  name: "prime",
  description: "is a number prime? (yes/no, by trial division up to its square root)",
  topic: "number-theory",
  levels: [
    "numbers to 50",
    "numbers to 200",
    "numbers to 1000",
    "numbers to 10000",
    "numbers to 1000000, odd non-primes with large factors",
  ],
  draft(rng, d) {
    const max = level([50, 200, 1000, 10000, 1000000], d);
    let n = rng.int(2, max);
    if (d >= 3) {
      // half primes, half odd composites that are not obviously divisible
      const wantPrime = rng.chance(0.5);
      for (let i = 0; i < 10000; i++) {
        n = rng.int(3, max) | 1;
        const f = smallestFactor(n);
        if (wantPrime ? f === n : f !== n && f >= (d >= 5 ? 7 : 3)) break;
      }
    }
    const f = smallestFactor(n);
    const isPrime = f === n;
    const root = Math.floor(Math.sqrt(n));
    const steps = isPrime
      ? [`sqrt(${n}) is about ${root}, so try primes up to ${root}`, `none of them divides ${n}`]
      : [`${n} = ${f} x ${n / f}`, `${n} has the divisor ${f}`];
    return {
      prompt: `Is ${n} a prime number? Answer yes or no.`,
      answer: isPrime ? "yes" : "no",
      steps,
      check: { kind: "yesno" },
      metadata: { n },
    };
  },
};

export const factorize: Family = {
  name: "factorize",
  description: "prime factorization, e.g. 360 = 2^3 x 3^2 x 5",
  topic: "number-theory",
  levels: ["numbers to 50", "numbers to 200", "numbers to 1000", "numbers to 10000", "numbers to 100000"],
  draft(rng, d) {
    const max = level([50, 200, 1000, 10000, 100000], d);
    const n = rng.int(4, max);
    const steps: string[] = [];
    const powers = new Map<number, number>();
    let rest = n;
    while (rest > 1) {
      const p = smallestFactor(rest);
      steps.push(`${rest} = ${p} x ${rest / p}`);
      powers.set(p, (powers.get(p) ?? 0) + 1);
      rest /= p;
    }
    const answer = [...powers].map(([p, e]) => (e > 1 ? `${p}^${e}` : String(p))).join(" x ");
    steps.push(`so ${n} = ${answer}`);
    return {
      prompt: `Write the prime factorization of ${n}.`,
      answer,
      steps,
      check: { kind: "factorization" },
      metadata: { n },
    };
  },
};

export const mod: Family = {
  name: "mod",
  description: "remainders: a mod m, then products and powers mod m",
  topic: "number-theory",
  levels: [
    "2-digit mod 1-digit",
    "4-digit mod 2-digit",
    "6-digit mod 2-digit",
    "(a x b) mod m",
    "a^k mod m by repeated multiplication",
  ],
  draft(rng, d) {
    if (d <= 3) {
      const [lo, hi] = level(
        [
          [10, 99],
          [1000, 9999],
          [100000, 999999],
        ] as const,
        d,
      );
      const a = rng.int(lo, hi);
      const m = d === 1 ? rng.int(2, 9) : rng.int(11, 99);
      const q = Math.floor(a / m);
      return {
        prompt: `What is ${a} mod ${m}?`,
        answer: String(a % m),
        steps: [`${a} = ${m} x ${q} + ${a % m}`, `the remainder is ${a % m}`],
      };
    }
    const m = rng.int(3, 23);
    if (d === 4) {
      const a = rng.int(10, 999);
      const b = rng.int(10, 999);
      const r = ((a % m) * (b % m)) % m;
      return {
        prompt: `What is (${a} x ${b}) mod ${m}?`,
        answer: String(r),
        steps: [
          `${a} mod ${m} = ${a % m}`,
          `${b} mod ${m} = ${b % m}`,
          `${a % m} x ${b % m} = ${(a % m) * (b % m)}`,
          `${(a % m) * (b % m)} mod ${m} = ${r}`,
        ],
      };
    }
    const a = rng.int(2, 12);
    const k = rng.int(3, 10);
    const steps: string[] = [];
    let r = a % m;
    steps.push(`${a}^1 mod ${m} = ${r}`);
    for (let i = 2; i <= k; i++) {
      const next = (r * a) % m;
      steps.push(`${a}^${i} mod ${m} = ${r} x ${a} mod ${m} = ${next}`);
      r = next;
    }
    return { prompt: `What is ${a}^${k} mod ${m}?`, answer: String(r), steps };
  },
};

export const numberTheoryFamilies = [gcdFamily, lcmFamily, prime, factorize, mod];

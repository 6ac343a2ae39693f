import type { Family } from "../problem.js";
import { algebraFamilies } from "./algebra.js";
import { arithmeticFamilies } from "./arithmetic.js";
import { charFamilies } from "./chars.js";
import { countdownFamilies } from "./countdown.js";
import { dateFamilies } from "./dates.js";
import { decimalFamilies } from "./decimals.js";
import { fractionFamilies } from "./fractions.js";
import { listFamilies } from "./lists.js";
import { numberTheoryFamilies } from "./numtheory.js";
import { wordFamilies } from "./word.js";

export const FAMILIES: readonly Family[] = [
  ...arithmeticFamilies,
  ...decimalFamilies,
  ...fractionFamilies,
  ...charFamilies,
  ...numberTheoryFamilies,
  ...algebraFamilies,
  ...wordFamilies,
  ...countdownFamilies,
  ...listFamilies,
  ...dateFamilies,
];

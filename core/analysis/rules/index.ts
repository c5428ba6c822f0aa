// The pattern rules, in code order. Each is a small module with a stable code.

import type { Rule } from '../sites';
import { accumulatorOverflow } from './accumulator-overflow';
import { divisionByZero } from './division-by-zero';
import { mulOverflow } from './mul-overflow';
import { narrowingCast } from './narrowing-cast';
import { shiftOverflow } from './shift-overflow';
import { wrappingArith } from './wrapping-arith';

export const PATTERN_RULES: Rule[] = [mulOverflow, narrowingCast, shiftOverflow, accumulatorOverflow, divisionByZero, wrappingArith] as Rule[];

export { accumulatorOverflow, divisionByZero, mulOverflow, narrowingCast, shiftOverflow, wrappingArith };

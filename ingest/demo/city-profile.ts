/**
 * What makes the demo city look like 盐城: relative county sizes, the subject-type mix, and an
 * industry mix (GB/T 4754 divisions) that differs by county: chemicals on the coast (滨海, 响水),
 * textiles/machinery/agriculture in the south (大丰, 东台), services in the city districts (亭湖, 盐都).
 * Other seed cities get equal county weights and the base mix.
 */
import { Weighted } from './rng.ts';

/** Index = subject type code used throughout the generator (order of SUBJECT_TYPES in the schema). */
export const T_ENTERPRISE = 0; // 企业法人
export const T_NONLEGAL = 1; // 非法人企业 (branches, partnerships, sole proprietorships)
export const T_INDIVIDUAL = 2; // 个体工商户
export const T_COOP = 3; // 农民专业合作社
export const T_SOCIAL = 4; // 社会组织
export const T_PUBLIC = 5; // 事业单位
export const T_GOV = 6; // 机关

export const TYPE_WEIGHTS = [0.262, 0.035, 0.652, 0.03, 0.009, 0.009, 0.003];
/** USCC positions 1-2 by subject type (社会组织 may also be 52 民办非企业单位). */
export const TYPE_USCC: readonly (readonly [string, string])[] = [['9', '1'], ['9', '1'], ['9', '2'], ['9', '3'], ['5', '1'], ['1', '2'], ['1', '1']];

/** Relative number of subjects per county (Yancheng). */
const YANCHENG_COUNTY_WEIGHTS: Record<string, number> = {
  '320981': 16, '320902': 15.5, '320903': 12, '320904': 10.5, '320923': 9.5,
  '320924': 9.5, '320925': 9.5, '320922': 10, '320921': 6,
};

/** Short forms used in document numbers (滨市监处罚〔2025〕12号). */
const YANCHENG_SHORT: Record<string, string> = {
  '320902': '亭', '320903': '盐都', '320904': '大', '320921': '响', '320922': '滨',
  '320923': '阜', '320924': '射', '320925': '建', '320981': '东',
};

export function countyWeight(code: string): number {
  return YANCHENG_COUNTY_WEIGHTS[code] ?? 10;
}

export function countyShort(code: string, name: string): string {
  return YANCHENG_SHORT[code] ?? name.slice(0, 1);
}

/** Enterprise base mix, weight per two-digit division. */
const ENTERPRISE_BASE: Record<number, number> = {
  1: 2, 2: 0.3, 3: 1, 4: 1, 5: 1, 10: 0.2, 13: 2, 14: 1, 15: 0.4, 17: 2, 18: 2, 19: 0.4, 20: 0.6, 21: 0.6,
  22: 0.6, 23: 0.5, 24: 0.4, 25: 0.3, 26: 1.8, 27: 0.5, 28: 0.3, 29: 1.5, 30: 1.5, 31: 0.2, 32: 0.3, 33: 3,
  34: 2.5, 35: 2, 36: 1, 37: 0.3, 38: 2, 39: 1, 40: 0.3, 41: 0.4, 42: 0.4, 43: 0.3, 44: 0.5, 45: 0.2, 46: 0.2,
  47: 3, 48: 3, 49: 2, 50: 4, 51: 14, 52: 8, 54: 3, 55: 0.4, 58: 1, 59: 1, 60: 0.3, 61: 1, 62: 2, 63: 0.2,
  64: 1, 65: 3, 67: 0.3, 68: 0.2, 69: 0.5, 70: 2, 71: 1, 72: 7, 73: 0.3, 74: 3, 75: 5, 77: 1, 78: 0.5,
  80: 1.5, 81: 1, 83: 0.5, 84: 0.3, 86: 0.3, 87: 0.2, 88: 0.5, 89: 0.3, 90: 0.5,
};

const INDIVIDUAL_BASE: Record<number, number> = {
  52: 36, 62: 18, 80: 10, 81: 5, 51: 5, 54: 6, 50: 4, 61: 2, 1: 2, 3: 2, 4: 2, 13: 1, 33: 1, 72: 1, 90: 1.5,
  18: 0.5, 88: 0.3, 89: 0.3, 75: 0.5, 21: 0.3, 20: 0.3,
};

const COOP_BASE: Record<number, number> = { 1: 50, 3: 20, 4: 15, 5: 15 };
const SOCIAL_BASE: Record<number, number> = { 95: 55, 83: 25, 85: 12, 84: 4, 89: 4 };
const PUBLIC_BASE: Record<number, number> = { 83: 40, 84: 25, 5: 8, 88: 6, 87: 4, 73: 3, 74: 4, 78: 5, 92: 5 };
const GOV_BASE: Record<number, number> = { 92: 85, 91: 10, 95: 5 };

/** Multipliers of the enterprise mix by county (individuals get the square root of the same). */
const COUNTY_TILT: Record<string, Record<number, number>> = {
  // coast, chemical parks (陈家港, 滨海港): chemicals, pharma, fuels, power, shipping, fishing
  '320921': { 26: 6, 27: 3, 25: 5, 28: 2, 29: 1.4, 44: 2, 55: 2.5, 4: 1.8, 65: 0.4, 72: 0.6, 75: 0.5, 70: 0.6 },
  '320922': { 26: 6, 27: 3, 25: 4, 28: 2, 29: 1.5, 44: 2.5, 55: 2, 4: 1.5, 65: 0.4, 72: 0.6, 75: 0.5, 70: 0.6 },
  // south: textiles, machinery, electrical, food processing, agriculture and fisheries, wind power
  '320904': { 13: 2.2, 17: 3, 18: 2, 34: 2.5, 38: 2.5, 33: 1.5, 35: 1.5, 1: 2.5, 3: 1.5, 4: 2.5, 44: 2, 26: 0.5 },
  '320981': { 13: 2.5, 17: 3, 18: 2.5, 34: 2.5, 38: 2.5, 33: 1.5, 35: 1.5, 1: 2.5, 3: 1.5, 4: 2.5, 44: 1.5, 26: 0.4 },
  // city districts: trade, hotels and food, IT, finance, business and tech services, autos
  '320902': {
    51: 1.4, 52: 1.3, 61: 1.6, 62: 1.5, 64: 2.5, 65: 3, 67: 2, 69: 2, 70: 1.5, 72: 1.8, 74: 1.5, 75: 2, 80: 1.5,
    36: 2, 26: 0.2, 25: 0.2, 27: 0.5, 17: 0.5, 1: 0.3, 3: 0.3, 4: 0.3, 13: 0.6,
  },
  '320903': {
    51: 1.3, 52: 1.2, 61: 1.4, 62: 1.4, 64: 2, 65: 2.5, 67: 1.5, 69: 1.5, 70: 1.5, 72: 1.6, 74: 1.4, 75: 1.8,
    80: 1.4, 36: 2.5, 26: 0.3, 25: 0.2, 17: 0.6, 1: 0.6, 4: 0.5,
  },
  '320923': { 30: 2.2, 17: 1.5, 1: 2, 3: 1.5, 13: 1.4, 26: 0.6, 65: 0.6 },
  '320924': { 17: 2.2, 18: 1.5, 4: 3, 13: 1.6, 44: 2.5, 1: 1.8, 26: 0.8, 65: 0.6 },
  '320925': { 34: 2.5, 35: 2, 33: 1.6, 1: 1.6, 26: 0.5, 65: 0.7 },
};

function table(base: Record<number, number>, tilt: Record<number, number> | undefined, power: number): Weighted<number> {
  const divs = Object.keys(base).map(Number);
  return new Weighted(divs, divs.map((d) => base[d] * Math.pow(tilt?.[d] ?? 1, power)));
}

/** Industry tables per county and subject type. */
export class IndustryMix {
  private readonly tables = new Map<string, Weighted<number>>();

  /** A Weighted over division numbers for this county and subject type. */
  of(county: string, type: number): Weighted<number> {
    const key = `${county}:${type}`;
    let t = this.tables.get(key);
    if (!t) {
      const tilt = COUNTY_TILT[county];
      if (type === T_ENTERPRISE || type === T_NONLEGAL) t = table(ENTERPRISE_BASE, tilt, 1);
      else if (type === T_INDIVIDUAL) t = table(INDIVIDUAL_BASE, tilt, 0.5);
      else if (type === T_COOP) t = table(COOP_BASE, tilt, 1);
      else if (type === T_SOCIAL) t = table(SOCIAL_BASE, undefined, 1);
      else if (type === T_PUBLIC) t = table(PUBLIC_BASE, undefined, 1);
      else t = table(GOV_BASE, undefined, 1);
      this.tables.set(key, t);
    }
    return t;
  }
}

/** Enterprise scale mix (大型, 中型, 小型, 微型). */
export const SCALE_WEIGHTS = [0.003, 0.025, 0.17, 0.802];

/** Registration status mix: 存续, 在业, 注销, 吊销, 迁出. */
export const STATUS_WEIGHTS = [0.885, 0.02, 0.06, 0.027, 0.008];

/**
 * Subject names in the forms real registers use: 滨海县鑫源化工有限公司, 江苏恒泰机械股份有限公司,
 * 滨海县东坎街道张伟便利店, 射阳县合德镇瑞丰水产养殖专业合作社, 东台市富安镇中心小学, 建湖县教育局.
 * Names are unique across the register (a name already taken gets a longer trade name or a town).
 */
import {
  T_COOP, T_ENTERPRISE, T_GOV, T_INDIVIDUAL, T_NONLEGAL, T_PUBLIC, T_SOCIAL,
} from './city-profile.ts';
import {
  COOP_WORDS, ENTERPRISE_WORDS, GOV_NAMES, INDIVIDUAL_WORDS, PUBLIC_NAMES, SOCIAL_NAMES,
} from './industry-words.ts';
import { ordinal, townOf, tradeName } from './names.ts';
import type { Persons } from './persons.ts';
import type { Rng } from './rng.ts';
import type { CountyInfo, Subjects } from './subjects.ts';

function words<T>(table: Record<number, readonly T[]>, div: number, fallback: readonly T[]): readonly T[] {
  return table[div] ?? fallback;
}

/** Geographic prefix of a firm name. */
function firmPrefix(rng: Rng, c: CountyInfo, scale: number): string {
  const isDistrict = c.name.endsWith('区');
  const city = c.city.slice(0, -1);
  const x = rng.next();
  if (scale <= 1) return x < 0.5 ? c.province : x < 0.8 ? city : c.name;
  if (isDistrict) return x < 0.5 ? city : x < 0.8 ? `${c.city}${c.name}` : c.province;
  return x < 0.55 ? c.name : x < 0.65 ? c.name.slice(0, -1) : x < 0.88 ? city : c.province;
}

function enterpriseName(rng: Rng, s: Subjects, i: number, c: CountyInfo, attempt: number): string {
  const div = s.division[i];
  const word = rng.pick(words(ENTERPRISE_WORDS, div, ['科技']));
  const trade = tradeName(rng, attempt > 1 ? 3 : undefined);
  const prefix = firmPrefix(rng, c, s.scale[i]);
  if (s.type[i] === T_NONLEGAL) {
    const x = rng.next();
    if (x < 0.55) return `${c.city.slice(0, -1)}${trade}${word}有限公司${c.name}分公司`;
    if (x < 0.85) return `${c.name}${trade}${word}厂`;
    return `${c.city.slice(0, -1)}${trade}${word}中心（有限合伙）`;
  }
  const suffix = s.scale[i] <= 1 && rng.chance(0.3) ? '股份有限公司' : rng.chance(0.07) ? '有限责任公司' : '有限公司';
  return `${prefix}${trade}${word}${suffix}`;
}

function individualName(rng: Rng, s: Subjects, i: number, c: CountyInfo, persons: Persons, attempt: number): string {
  const word = rng.pick(words(INDIVIDUAL_WORDS, s.division[i], ['经营部']));
  const town = townOf(c.code, i);
  const who = attempt === 0 && rng.chance(0.4) ? persons.names[s.rep[i]] : tradeName(rng, attempt > 1 ? 3 : undefined);
  return `${c.name}${town}${who}${word}`;
}

function institutionName(rng: Rng, table: Record<number, readonly string[]>, div: number, c: CountyInfo, i: number, attempt: number, townFirst: boolean): string {
  const word = rng.pick(words(table, div, ['服务中心']));
  const town = townOf(c.code, i);
  if (attempt === 0) return townFirst ? `${c.name}${town}${word}` : `${c.name}${word}`;
  if (attempt === 1) return `${c.name}${town}${word}`;
  if (attempt < 4) return `${c.name}${town}${tradeName(rng, 2)}${word}`;
  return `${c.name}${town}第${ordinal(attempt)}${word}`;
}

/** A unique name for subject i. */
export function subjectName(rng: Rng, s: Subjects, i: number, c: CountyInfo, persons: Persons, seen: Set<string>): string {
  const t = s.type[i];
  const div = s.division[i];
  for (let attempt = 0; ; attempt++) {
    let name: string;
    if (t === T_ENTERPRISE || t === T_NONLEGAL) name = enterpriseName(rng, s, i, c, attempt);
    else if (t === T_INDIVIDUAL) name = individualName(rng, s, i, c, persons, attempt);
    else if (t === T_COOP) {
      name = `${c.name}${townOf(c.code, i)}${tradeName(rng, attempt > 1 ? 3 : 2)}${rng.pick(words(COOP_WORDS, div, ['种植']))}专业合作社`;
    } else if (t === T_SOCIAL) {
      name = div === 95 && attempt === 0
        ? `${c.name}${rng.pick(SOCIAL_NAMES[95])}`
        : `${c.name}${tradeName(rng, attempt > 2 ? 3 : 2)}${rng.pick(words(SOCIAL_NAMES, div, ['协会']))}`;
    } else if (t === T_PUBLIC) name = institutionName(rng, PUBLIC_NAMES, div, c, i, attempt, true);
    else if (t === T_GOV) name = institutionName(rng, GOV_NAMES, div, c, i, attempt, false);
    else name = `${c.name}${tradeName(rng)}`;
    if (attempt > 12) name += `（${attempt}）`;
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
  }
}

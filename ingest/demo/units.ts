/**
 * Government departments of the demo city: the authorities that decide (city bureaus and their
 * county branches, courts) and the EXPECTED source units (数据来源单位) that report to the credit
 * platform. Market regulation and emergency management report per county; every other department
 * reports through its city-level bureau. USCCs (11 = 机关) come from a fixed stream, so the unit
 * register does not change with the seed.
 */
import { randomUscc } from '../validators/uscc.ts';
import { Rng } from './rng.ts';

export interface Dept {
  id: string;
  /** City-level name; `{city}` is replaced by the city name (盐城市). */
  city: string;
  /** County-branch name; `{county}` / `{countyStem}` / `{city}` replaced; undefined = no branches. */
  county?: string;
  /** Document-number word (滨市监处罚〔2025〕1号 -> '市监'). */
  abbr: string;
  /** County branches are source units themselves. */
  countyReports?: boolean;
  /** Kinds this department reports (source_units.csv). */
  kinds: readonly string[];
  /** Kinds its county branches report, when they report themselves. */
  countyKinds?: readonly string[];
}

export const DEPTS: readonly Dept[] = [
  { id: 'amr', city: '{city}市场监督管理局', county: '{county}市场监督管理局', abbr: '市监', countyReports: true, kinds: ['subject', 'relation', 'license', 'penalty', 'serious_dishonest', 'honor', 'contract'], countyKinds: ['license', 'penalty', 'abnormal_operation', 'serious_dishonest'] },
  { id: 'tax', city: '国家税务总局{city}税务局', county: '国家税务总局{county}税务局', abbr: '税', kinds: ['tax_grade', 'penalty', 'serious_dishonest', 'honor'] },
  { id: 'env', city: '{city}生态环境局', county: '{city}{countyStem}生态环境局', abbr: '环', kinds: ['license', 'penalty', 'serious_dishonest'] },
  { id: 'safety', city: '{city}应急管理局', county: '{county}应急管理局', abbr: '应急', countyReports: true, kinds: ['license', 'penalty', 'serious_dishonest'], countyKinds: ['license', 'penalty', 'serious_dishonest'] },
  { id: 'housing', city: '{city}住房和城乡建设局', county: '{county}住房和城乡建设局', abbr: '住建', kinds: ['license', 'penalty', 'contract', 'serious_dishonest'] },
  { id: 'transport', city: '{city}交通运输局', county: '{county}交通运输局', abbr: '交', kinds: ['license', 'penalty', 'serious_dishonest'] },
  { id: 'health', city: '{city}卫生健康委员会', county: '{county}卫生健康委员会', abbr: '卫健', kinds: ['license', 'penalty'] },
  { id: 'hrss', city: '{city}人力资源和社会保障局', county: '{county}人力资源和社会保障局', abbr: '人社', kinds: ['license', 'penalty', 'serious_dishonest', 'honor'] },
  { id: 'court', city: '{city}中级人民法院', county: '{county}人民法院', abbr: '法', kinds: ['court_dishonest'] },
  { id: 'ndrc', city: '{city}发展和改革委员会', abbr: '发改', kinds: ['commitment', 'contract', 'honor', 'repair', 'objection'] },
  { id: 'finance', city: '{city}财政局', county: '{county}财政局', abbr: '财', kinds: ['contract', 'serious_dishonest'] },
  { id: 'agri', city: '{city}农业农村局', county: '{county}农业农村局', abbr: '农', kinds: ['license', 'penalty'] },
  { id: 'culture', city: '{city}文化广电和旅游局', county: '{county}文化广电和旅游局', abbr: '文旅', kinds: ['license', 'penalty'] },
  { id: 'police', city: '{city}公安局', county: '{county}公安局', abbr: '公', kinds: ['license', 'penalty'] },
  { id: 'land', city: '{city}自然资源和规划局', county: '{city}自然资源和规划局{countyStem}分局', abbr: '自然资源', kinds: ['license', 'penalty'] },
  { id: 'commerce', city: '{city}商务局', county: '{county}商务局', abbr: '商务', kinds: ['license'] },
  { id: 'approval', city: '{city}行政审批局', county: '{county}行政审批局', abbr: '审批', kinds: ['license'] },
  { id: 'medical', city: '{city}医疗保障局', county: '{county}医疗保障局', abbr: '医保', kinds: ['penalty', 'serious_dishonest'] },
  { id: 'stats', city: '{city}统计局', county: '{county}统计局', abbr: '统', kinds: ['penalty', 'serious_dishonest'] },
  { id: 'water', city: '{city}水利局', county: '{county}水务局', abbr: '水', kinds: ['license', 'penalty'] },
  { id: 'civil', city: '{city}民政局', county: '{county}民政局', abbr: '民', kinds: ['subject'] },
  { id: 'staffing', city: '中共{city}委机构编制委员会办公室', county: '中共{county}委机构编制委员会办公室', abbr: '编', kinds: ['subject'] },
];

/** Source units that miss some months (报送率 < 100%), by name pattern; chosen per seed. */
const GAP_CANDIDATES = ['{city}商务局', '{city}文化广电和旅游局', '{city}水利局', '{city}统计局', '阜宁县应急管理局', '建湖县市场监督管理局', '射阳县应急管理局'];

export interface Unit {
  index: number;
  dept: Dept;
  name: string;
  uscc: string;
  /** GB/T 2260 code of the unit's area (the city code for city-level units). */
  area: string;
  /** Index in the county list, -1 for city-level units. */
  county: number;
  /** Short prefix of document numbers (滨, 盐, 盐滨 ...). */
  prefix: string;
  /** Index of the unit that reports this unit's records. */
  source: number;
}

export interface CountyRef { code: string; name: string; short: string }

export class Units {
  readonly all: Unit[] = [];
  /** Indices of the expected source units, in source_units.csv order. */
  readonly sources: number[] = [];
  /** dept id -> unit index per county (slot 0 = city level, slot c + 1 = county c; -1 = none). */
  private readonly byDept = new Map<string, Int32Array>();
  private readonly nCounties: number;

  constructor(cityCode: string, cityName: string, counties: readonly CountyRef[]) {
    const rng = new Rng(0, `units:${cityCode}`);
    this.nCounties = counties.length;
    const cityShort = cityName.slice(0, 1);
    for (const dept of DEPTS) {
      const fill = (t: string, c?: CountyRef) =>
        t.replaceAll('{city}', cityName).replaceAll('{county}', c?.name ?? '').replaceAll('{countyStem}', c ? c.name.slice(0, -1) : '');
      const cityIdx = this.add(dept, fill(dept.city), cityCode, -1, cityShort, -1, rng);
      this.sources.push(cityIdx);
      if (!dept.county) continue;
      counties.forEach((c, ci) => {
        const prefix = dept.id === 'env' || dept.id === 'land' ? cityShort + c.short : c.short;
        const idx = this.add(dept, fill(dept.county!, c), c.code, ci, prefix, dept.countyReports ? -1 : cityIdx, rng);
        if (dept.countyReports) this.sources.push(idx);
      });
    }
  }

  private add(dept: Dept, name: string, area: string, county: number, prefix: string, source: number, rng: Rng): number {
    const index = this.all.length;
    const uscc = randomUscc(() => rng.next(), { dept: '1', type: '1', county6: area });
    this.all.push({ index, dept, name, uscc, area, county, prefix, source: source < 0 ? index : source });
    let slots = this.byDept.get(dept.id);
    if (!slots) {
      slots = new Int32Array(this.nCounties + 1).fill(-1);
      this.byDept.set(dept.id, slots);
    }
    slots[county + 1] = index;
    return index;
  }

  /** The unit of department `deptId` for county index `county` (-1 = city level). */
  get(deptId: string, county: number): Unit {
    const slots = this.byDept.get(deptId);
    if (!slots) throw new Error(`no unit for department '${deptId}'`);
    const i = slots[county + 1];
    return this.all[i >= 0 ? i : slots[0]];
  }

  /** Candidate source units for planted reporting gaps. */
  gapCandidates(cityName: string): Unit[] {
    const names = new Set(GAP_CANDIDATES.map((n) => n.replaceAll('{city}', cityName)));
    return this.sources.map((i) => this.all[i]).filter((u) => names.has(u.name));
  }

  /** source_units.csv: code,name,kinds,county_code (kinds separated by '|'). */
  sourceUnitsCsv(): string {
    const lines = ['code,name,kinds,county_code'];
    for (const i of this.sources) {
      const u = this.all[i];
      const kinds = u.county >= 0 ? u.dept.countyKinds ?? u.dept.kinds : u.dept.kinds;
      lines.push(`${u.uscc},${u.name},${kinds.join('|')},${u.area}`);
    }
    return lines.join('\n') + '\n';
  }
}

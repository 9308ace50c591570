/**
 * The early-warning configuration: the rule set (`analytics/rules.json`) and the responsible
 * departments by industry (`analytics/departments.json`). Both are plain JSON that users read and
 * edit, so both are validated on load with messages naming the rule (or industry code) and field.
 * A copy in `<data-dir>/config/` takes precedence over the one in the repository (deployment edits).
 *
 * Not a build step itself (the file name does not match the step pattern); `50_alerts.ts` uses it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { industryDivisions } from '../../ingest/reference/index.ts';
import { contract } from '../../ingest/schemas/contract.ts';

export const RULES_FILE = fileURLToPath(new URL('../rules.json', import.meta.url));
export const DEPARTMENTS_FILE = fileURLToPath(new URL('../departments.json', import.meta.url));

/** Warning levels, most severe first: 红 = I ... 蓝 = IV (突发事件应对法 Art. 42 colours). */
export const LEVELS = ['红', '橙', '黄', '蓝'] as const;
export type Level = (typeof LEVELS)[number];
export const levelRank = (l: Level): number => LEVELS.indexOf(l) + 1;

export class AlertConfigError extends Error {
  readonly code = 'CW_ERR_ALERT_CONFIG';
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is invalid (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Rule types: what each detector accepts. Parameters have defaults; escalation conditions are
// `min_<measure>` / `max_<measure>` over the measures the detector computes.
// ---------------------------------------------------------------------------------------------

type ParamSpec =
  | { kind: 'int'; min: number; max: number; default: number; doc: string }
  | { kind: 'number'; min: number; max: number; default: number; doc: string }
  | { kind: 'bool'; default: boolean; doc: string }
  | { kind: 'enumList'; values: readonly string[]; default: readonly string[]; doc: string }
  | { kind: 'intList'; min: number; max: number; default: readonly number[]; doc: string };

export interface RuleTypeSpec {
  entity: 'subject' | 'cell';
  params: Record<string, ParamSpec>;
  /** Measures escalations may test (name -> Chinese meaning). */
  measures: Record<string, string>;
}

const PUBLIC_CONTRACT_TYPES = contract.fields.find((f) => f.key === 'contract_type')!.values!;
export const BLACKLIST_CATEGORIES = ['serious_dishonest', 'court_dishonest'] as const;

export const RULE_TYPES = {
  subject_penalty_accumulation: {
    entity: 'subject',
    params: {
      window_months: { kind: 'int', min: 1, max: 120, default: 12, doc: 'months back from the as-of date' },
      min_count: { kind: 'int', min: 1, max: 1000, default: 3, doc: 'effective penalties needed to raise the alert' },
    },
    measures: { count: '有效行政处罚起数', fine_total: '罚款合计（万元）' },
  },
  serious_dishonesty_with_public_contracts: {
    entity: 'subject',
    params: {
      window_days: { kind: 'int', min: 1, max: 366, default: 30, doc: 'a listing is new for this many days' },
      contract_types: { kind: 'enumList', values: PUBLIC_CONTRACT_TYPES, default: ['政府采购', '招标投标', '政府投资项目', 'PPP项目'], doc: 'contract types that count' },
      contract_months: { kind: 'int', min: 1, max: 120, default: 24, doc: 'a contract counts if 履约中 or signed within this many months' },
      min_contracts: { kind: 'int', min: 1, max: 1000, default: 1, doc: 'public contracts needed' },
    },
    measures: { contracts: '公共合同份数', contract_amount: '公共合同金额合计（万元）' },
  },
  related_party_blacklisted: {
    entity: 'subject',
    params: {
      window_days: { kind: 'int', min: 1, max: 366, default: 30, doc: 'a listing is new for this many days' },
      max_hops: { kind: 'int', min: 1, max: 2, default: 2, doc: '1 = direct related parties only, 2 = also related parties of related parties' },
      blacklists: { kind: 'enumList', values: BLACKLIST_CATEGORIES, default: BLACKLIST_CATEGORIES, doc: 'which lists count as blacklisting' },
      max_degree: { kind: 'int', min: 2, max: 100000, default: 50, doc: 'nodes with more relations than this are not walked through (hubs)' },
    },
    measures: { hops: '最近关联距离（1 直接, 2 二度）', parties: '新列入名单的关联方个数' },
  },
  cell_penalty_jump: {
    entity: 'cell',
    params: {
      baseline_months: { kind: 'int', min: 6, max: 36, default: 12, doc: 'months in the baseline before the tested window' },
      windows: { kind: 'intList', min: 1, max: 6, default: [1, 2], doc: 'tested windows, in months ending at the as-of date' },
      min_count: { kind: 'number', min: 0, max: 100000, default: 5, doc: 'minimum penalties in the tested window to alert' },
      min_z: { kind: 'number', min: 0.5, max: 100, default: 3, doc: 'robust z-score needed to alert' },
      min_sigma: { kind: 'number', min: 0.1, max: 1000, default: 1, doc: 'absolute floor of the robust sigma' },
      poisson_floor: { kind: 'bool', default: true, doc: 'also floor sigma at sqrt(baseline median)' },
    },
    measures: { z: '稳健 z 分数', count: '窗口内处罚起数' },
  },
  commitment_breach_repeat: {
    entity: 'subject',
    params: {
      window_months: { kind: 'int', min: 1, max: 120, default: 24, doc: 'months back from the as-of date' },
      min_count: { kind: 'int', min: 1, max: 1000, default: 2, doc: 'effective breaches needed' },
    },
    measures: { count: '信用承诺违诺次数' },
  },
} as const satisfies Record<string, RuleTypeSpec>;

export type RuleType = keyof typeof RULE_TYPES;
export type ParamValue = number | boolean | string[] | number[];

export interface Escalation {
  level: Level;
  /** measure -> bound, e.g. { min_count: 5 } */
  conditions: { measure: string; op: '>=' | '<='; value: number }[];
}

export interface Rule {
  id: string;
  type: RuleType;
  name: string;
  description: string;
  enabled: boolean;
  level: Level;
  /** Every parameter of the type, defaults filled in. */
  params: Record<string, ParamValue>;
  escalations: Escalation[];
}

export interface RuleSet { file: string; rules: Rule[] }

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const hint = /\/\/|\/\*/.test(text) ? ' (comments are not allowed in JSON: explain a rule in its "description")' : '';
    throw new AlertConfigError(file, [`not valid JSON${hint}: ${(e as Error).message}`]);
  }
}

function checkParam(spec: ParamSpec, v: unknown): string | undefined {
  switch (spec.kind) {
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= spec.min && v <= spec.max ? undefined : `should be an integer from ${spec.min} to ${spec.max}`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= spec.min && v <= spec.max ? undefined : `should be a number from ${spec.min} to ${spec.max}`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'should be true or false';
    case 'enumList':
      return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && spec.values.includes(x)) && new Set(v).size === v.length
        ? undefined : `should be a non-empty list of distinct values from ${spec.values.map((x) => `'${x}'`).join(', ')}`;
    case 'intList':
      return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= spec.min && x <= spec.max) && new Set(v).size === v.length
        ? undefined : `should be a non-empty list of distinct integers from ${spec.min} to ${spec.max}`;
  }
}

const RULE_KEYS = ['id', 'type', 'name', 'description', 'enabled', 'level', 'parameters', 'escalations'];

/** Validates a parsed rule set; throws AlertConfigError listing every problem. */
export function validateRules(json: unknown, file = 'rules.json'): RuleSet {
  const problems: string[] = [];
  if (!isObj(json)) throw new AlertConfigError(file, ['the file should hold an object { "version": 1, "rules": [ ... ] }']);
  for (const k of Object.keys(json)) if (!['version', 'description', 'rules'].includes(k)) problems.push(`unknown top-level field '${k}' (expected version, description, rules)`);
  if (json.version !== undefined && json.version !== 1) problems.push(`version should be 1, instead got ${show(json.version)}`);
  if (!Array.isArray(json.rules)) throw new AlertConfigError(file, [...problems, '"rules" should be a list of rules']);
  const rules: Rule[] = [];
  const seen = new Set<string>();
  json.rules.forEach((raw: unknown, i: number) => {
    const where0 = `rule #${i + 1}`;
    if (!isObj(raw)) { problems.push(`${where0}: should be an object`); return; }
    const id = raw.id;
    const idOk = typeof id === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(id);
    const where = idOk ? `rule '${id}'` : where0;
    const p = (field: string, msg: string) => problems.push(`${where}: ${field} ${msg}`);
    if (!idOk) p('id', `should be a short identifier like 'R1' (letters, digits, _), instead got ${show(id)}`);
    else if (seen.has(id)) p('id', 'is used by more than one rule (ids must be unique: they are part of every alert_id)');
    else seen.add(id);
    for (const k of Object.keys(raw)) if (!RULE_KEYS.includes(k)) p(k, `is not a rule field (expected ${RULE_KEYS.join(', ')})`);
    const type = raw.type;
    const spec = typeof type === 'string' && Object.hasOwn(RULE_TYPES, type) ? (RULE_TYPES as Record<string, RuleTypeSpec>)[type] : undefined;
    if (!spec) p('type', `should be one of ${Object.keys(RULE_TYPES).join(', ')}, instead got ${show(type)}`);
    if (typeof raw.name !== 'string' || !raw.name.trim()) p('name', 'should be a non-empty Chinese name');
    if (typeof raw.description !== 'string' || !/[\u4e00-\u9fff]/.test(raw.description)) p('description', 'should explain the rule in Chinese (JSON has no comments)');
    if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') p('enabled', `should be true or false, instead got ${show(raw.enabled)}`);
    const level = raw.level;
    const levelOk = typeof level === 'string' && (LEVELS as readonly string[]).includes(level);
    if (!levelOk) p('level', `should be one of ${LEVELS.join(' ')}, instead got ${show(level)}`);
    const params: Record<string, ParamValue> = {};
    if (raw.parameters !== undefined && !isObj(raw.parameters)) p('parameters', 'should be an object');
    const given = isObj(raw.parameters) ? raw.parameters : {};
    if (spec) {
      for (const [k, v] of Object.entries(given)) {
        const ps = spec.params[k];
        if (!ps) { p(`parameters.${k}`, `is not a parameter of ${String(type)} (expected ${Object.keys(spec.params).join(', ')})`); continue; }
        const err = checkParam(ps, v);
        if (err) p(`parameters.${k}`, `${err}, instead got ${show(v)}`);
        else params[k] = v as ParamValue;
      }
      for (const [k, ps] of Object.entries(spec.params)) if (!(k in params)) params[k] = (Array.isArray(ps.default) ? [...ps.default] : ps.default) as ParamValue;
    }
    const escalations: Escalation[] = [];
    if (raw.escalations !== undefined && !Array.isArray(raw.escalations)) p('escalations', 'should be a list of { "level": ..., "min_<measure>": ... }');
    (Array.isArray(raw.escalations) ? raw.escalations : []).forEach((e: unknown, j: number) => {
      const f = `escalations[${j}]`;
      if (!isObj(e)) { p(f, 'should be an object'); return; }
      const el = e.level;
      if (typeof el !== 'string' || !(LEVELS as readonly string[]).includes(el)) { p(`${f}.level`, `should be one of ${LEVELS.join(' ')}, instead got ${show(el)}`); return; }
      if (levelOk && levelRank(el as Level) >= levelRank(level as Level)) p(`${f}.level`, `'${el}' should be more severe than the rule's level '${String(level)}' (红 > 橙 > 黄 > 蓝)`);
      const conditions: Escalation['conditions'] = [];
      for (const [k, v] of Object.entries(e)) {
        if (k === 'level') continue;
        const m = /^(min|max)_(.+)$/.exec(k);
        if (!m || !spec || !(m[2] in spec.measures)) {
          p(`${f}.${k}`, `is not a condition of ${String(type)}${spec ? ` (expected min_/max_ of ${Object.keys(spec.measures).join(', ')})` : ''}`);
          continue;
        }
        if (typeof v !== 'number' || !Number.isFinite(v)) { p(`${f}.${k}`, `should be a number, instead got ${show(v)}`); continue; }
        conditions.push({ measure: m[2], op: m[1] === 'min' ? '>=' : '<=', value: v });
      }
      if (!Object.keys(e).some((k) => k !== 'level')) p(f, 'needs at least one condition such as "min_count": 5');
      escalations.push({ level: el as Level, conditions });
    });
    if (idOk && spec && levelOk) {
      rules.push({
        id: id as string, type: type as RuleType, name: String(raw.name ?? ''), description: String(raw.description ?? ''),
        enabled: raw.enabled !== false, level: level as Level, params, escalations,
      });
    }
  });
  if (problems.length) throw new AlertConfigError(file, problems);
  return { file, rules };
}

/** The rule set in force: `<data-dir>/config/rules.json` if present, else `analytics/rules.json`. */
export function loadRules(dataDir?: string, file?: string): RuleSet {
  const f = file ?? (dataDir && existsSync(join(dataDir, 'config', 'rules.json')) ? join(dataDir, 'config', 'rules.json') : RULES_FILE);
  return validateRules(parseJson(readFileSync(f, 'utf8'), f), f);
}

// ---------------------------------------------------------------------------------------------
// Departments by industry
// ---------------------------------------------------------------------------------------------

export interface DepartmentMap {
  file: string;
  /** City-level departments when no industry code matches. */
  default: string[];
  /** City-level departments that have no county-level office (not rewritten to '<县>…'). */
  cityLevelOnly: string[];
  /** Industry code (section letter, or 2-4 digit division/group/class prefix) -> city-level departments. */
  byIndustry: Map<string, string[]>;
}

const isDeptList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.trim().length > 0);

/** Validates a parsed departments file; throws AlertConfigError listing every problem. */
export function validateDepartments(json: unknown, file = 'departments.json'): DepartmentMap {
  const problems: string[] = [];
  if (!isObj(json)) throw new AlertConfigError(file, ['the file should hold an object { "default": [...], "by_industry": { ... } }']);
  for (const k of Object.keys(json)) if (!['description', 'default', 'city_level_only', 'by_industry'].includes(k)) problems.push(`unknown top-level field '${k}' (expected description, default, city_level_only, by_industry)`);
  if (!isDeptList(json.default)) problems.push('default should be a non-empty list of department names, e.g. ["市市场监督管理局"]');
  const cityOnly = json.city_level_only ?? [];
  if (!Array.isArray(cityOnly) || !cityOnly.every((x) => typeof x === 'string')) problems.push('city_level_only should be a list of department names');
  const divisions = new Set(industryDivisions().map((d) => d.division));
  const sections = new Set(industryDivisions().map((d) => d.section));
  const byIndustry = new Map<string, string[]>();
  if (!isObj(json.by_industry)) problems.push('by_industry should be an object mapping GB/T 4754 codes to { "name": ..., "departments": [...] }');
  else {
    for (const [code, entry] of Object.entries(json.by_industry)) {
      const where = `by_industry '${code}'`;
      const okCode = /^[A-T]$/.test(code) ? sections.has(code) : /^\d{2,4}$/.test(code) && divisions.has(code.slice(0, 2));
      if (!okCode) problems.push(`${where}: not a GB/T 4754-2017 section letter (A-T) or a 2-4 digit code starting with a valid division`);
      if (!isObj(entry)) { problems.push(`${where}: should be { "name": "...", "departments": ["市…局"] }`); continue; }
      for (const k of Object.keys(entry)) if (!['name', 'departments'].includes(k)) problems.push(`${where}: unknown field '${k}' (expected name, departments)`);
      if (!isDeptList(entry.departments)) problems.push(`${where}: departments should be a non-empty list of department names, instead got ${show(entry.departments)}`);
      else if (okCode) byIndustry.set(code, entry.departments);
    }
  }
  if (problems.length) throw new AlertConfigError(file, problems);
  return { file, default: json.default as string[], cityLevelOnly: cityOnly as string[], byIndustry };
}

/** The department map in force: `<data-dir>/config/departments.json` if present, else the repository's. */
export function loadDepartments(dataDir?: string, file?: string): DepartmentMap {
  const f = file ?? (dataDir && existsSync(join(dataDir, 'config', 'departments.json')) ? join(dataDir, 'config', 'departments.json') : DEPARTMENTS_FILE);
  return validateDepartments(parseJson(readFileSync(f, 'utf8'), f), f);
}

/**
 * Which record kind a file holds, and which header cell feeds which field. Matching is on the
 * normalized label (full/half-width brackets, spaces, case of XK_/CF_ codes), against the field's
 * national label and its aliases.
 */
import { normalizeHeaderLabel } from '../readers/header.ts';
import { KINDS, type FieldDef, type KindSchema } from '../schemas/index.ts';

export interface HeaderMapping {
  kind: KindSchema;
  /** field key -> index of the header cell that feeds it */
  columns: Map<string, number>;
  /** header cells that match no field (kept in the raw file; reported) */
  unmapped: string[];
  /** required (unconditional) fields with no column: every row will be rejected for them */
  missingRequired: FieldDef[];
}

function labelsOf(f: FieldDef): string[] {
  return [f.label, ...(f.aliases ?? [])].map(normalizeHeaderLabel);
}

/** Maps header cells to the fields of `kind`. A field label wins over an alias of another field. */
export function mapHeader(header: readonly string[], kind: KindSchema): HeaderMapping {
  const norm = header.map(normalizeHeaderLabel);
  const columns = new Map<string, number>();
  const used = new Set<number>();
  // Pass 1: exact national labels; pass 2: aliases. So '统一社会信用代码' goes to the field whose
  // label it is, not to a field that merely lists it as an alias.
  for (const pass of [0, 1] as const) {
    for (const f of kind.fields) {
      if (columns.has(f.key)) continue;
      const wanted = pass === 0 ? [normalizeHeaderLabel(f.label)] : labelsOf(f).slice(1);
      const idx = norm.findIndex((h, i) => !used.has(i) && wanted.includes(h));
      if (idx >= 0) {
        columns.set(f.key, idx);
        used.add(idx);
      }
    }
  }
  const unmapped = header.filter((h, i) => !used.has(i) && h !== '__extra__');
  const missingRequired = kind.fields.filter((f) => f.required === true && !columns.has(f.key));
  return { kind, columns, unmapped, missingRequired };
}

export interface Recognition {
  best?: HeaderMapping;
  /** Candidates with their score, best first (for the error message). */
  scores: { kind: string; score: number }[];
}

/**
 * Scores every kind by the share of its required fields and of its signature labels present. A kind
 * is only chosen when at least half its signature labels and 30 % of its required fields are
 * present, so an unrelated table is "unknown kind", not a bad guess.
 */
export function recognizeKind(header: readonly string[]): Recognition {
  const scored = KINDS.map((kind) => {
    const m = mapHeader(header, kind);
    const required = kind.fields.filter((f) => f.required === true);
    const reqShare = required.filter((f) => m.columns.has(f.key)).length / Math.max(1, required.length);
    // A signature label counts when its field is present under any of its spellings (XK_/CF_ codes too).
    const sigFields = kind.signature.map((s) => kind.fields.find((f) => f.label === s)?.key ?? s);
    const sig = sigFields.filter((k) => m.columns.has(k)).length / kind.signature.length;
    const mapped = m.columns.size / kind.fields.length;
    return { m, score: reqShare * 2 + sig * 2 + mapped, ok: sig >= 0.5 && reqShare >= 0.3 };
  }).sort((a, b) => b.score - a.score);
  const top = scored[0];
  return {
    best: top && top.ok ? top.m : undefined,
    scores: scored.slice(0, 3).map((s) => ({ kind: s.m.kind.kind, score: Math.round(s.score * 100) / 100 })),
  };
}

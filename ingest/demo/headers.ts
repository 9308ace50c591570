/**
 * Header rows and enum code forms, all taken from the kind schemas so that the ingest recognizes
 * every file: the national labels, the XK_* column codes of local platforms, Chinese aliases, or
 * labels with half-width brackets and stray spaces (as hand-edited spreadsheets have them).
 */
import type { KindSchema } from '../schemas/types.ts';

export type HeaderStyle = 'label' | 'xk' | 'alias' | 'spaced';

const CODE_LIKE = /^[A-Za-z0-9_]/;

export function headerOf(schema: KindSchema, style: HeaderStyle): string[] {
  return schema.fields.map((f) => {
    const aliases = f.aliases ?? [];
    if (style === 'xk') return aliases.find((a) => a.startsWith('XK_') || a === 'BZ') ?? f.label;
    if (style === 'alias') {
      if (f.type === 'uscc') return f.label;
      return aliases.find((a) => !CODE_LIKE.test(a)) ?? f.label;
    }
    if (style === 'spaced') {
      if (f.key === 'fine_amount') return f.label.replace('（', '(').replace('）', ')');
      if (f.key === 'decision_date') return f.label + ' ';
      if (f.key === 'authority') return ' ' + f.label;
    }
    return f.label;
  });
}

/** Per column: canonical enum value -> its first alias (code form), or null. */
export function inverseCodes(schema: KindSchema): (Map<string, string> | null)[] {
  return schema.fields.map((f) => {
    if (f.type !== 'enum' || !f.valueAliases) return null;
    const m = new Map<string, string>();
    // integer-like keys ('0', '1') enumerate first; '0' (a legacy 无效) should not win over '2'
    for (const [alias, canonical] of Object.entries(f.valueAliases)) {
      if (!m.has(canonical) || m.get(canonical) === '0') m.set(canonical, alias);
    }
    return m;
  });
}

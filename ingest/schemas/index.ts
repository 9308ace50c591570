/**
 * The registry of record kinds. One definition per kind lives in its own file; everything else
 * (ingest SQL, demo generator, lake views, docs) reads it from here.
 */
import { abnormalOperation } from './abnormal-operation.ts';
import { commitment } from './commitment.ts';
import { contract } from './contract.ts';
import { courtDishonest } from './court-dishonest.ts';
import { honor } from './honor.ts';
import { license } from './license.ts';
import { objection } from './objection.ts';
import { penalty } from './penalty.ts';
import { relation } from './relation.ts';
import { repair } from './repair.ts';
import { seriousDishonest } from './serious-dishonest.ts';
import { subject } from './subject.ts';
import { taxGrade } from './tax-grade.ts';
import type { FieldDef, KindSchema } from './types.ts';

export type { FieldDef, FieldType, FieldCondition, KindSchema } from './types.ts';

export const KINDS: readonly KindSchema[] = [
  subject, relation, license, penalty, courtDishonest, seriousDishonest, abnormalOperation,
  commitment, contract, taxGrade, honor, repair, objection,
];

export type KindId =
  | 'subject' | 'relation' | 'license' | 'penalty' | 'court_dishonest' | 'serious_dishonest' | 'abnormal_operation'
  | 'commitment' | 'contract' | 'tax_grade' | 'honor' | 'repair' | 'objection';

const BY_ID = new Map(KINDS.map((k) => [k.kind, k]));

/** The schema of a kind id, or of its Chinese label (行政处罚); undefined if unknown. */
export function findKind(idOrLabel: string): KindSchema | undefined {
  return BY_ID.get(idOrLabel) ?? KINDS.find((k) => k.label === idOrLabel);
}

export function getKind(id: string): KindSchema {
  const k = findKind(id);
  if (!k) throw new Error(`unknown record kind '${id}'; expected one of ${KINDS.map((x) => x.kind).join(', ')}`);
  return k;
}

/** Fields whose values are natural-person ID numbers (stored as hash + mask only). */
export function idFields(schema: KindSchema): FieldDef[] {
  return schema.fields.filter((f) => f.type === 'idno');
}

export { abnormalOperation, commitment, contract, courtDishonest, honor, license, objection, penalty, relation, repair, seriousDishonest, subject, taxGrade };

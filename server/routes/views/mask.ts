/**
 * Natural persons in view bodies. The warehouse already holds persons only as a keyed hash and a
 * partly masked label such as `李*（3209**********4795）`; users without personal-data access see
 * even less (auth's maskPerson keeps the first character), and labels embedded in text (risk
 * paths) are masked the same way. Users with access see the warehouse label, and that view is
 * audited (serve.ts).
 */
import { isPersonKey, maskPerson, seesPersonalData } from '../../plugins/auth.ts';
import type { SessionUser } from '../../types.ts';
import { column, type Frame } from '../../arrow.ts';

export const NATURAL_PERSON = '自然人';

/** A person label as the warehouse writes it: surname + stars + a masked ID number in brackets. */
const PERSON_LABEL = /[\u4e00-\u9fff·]{1,4}\*+\s*[（(][0-9]{2,6}\*+[0-9]{0,4}[0-9Xx]?[）)]/g;

export function isPerson(subjectType: unknown, key?: unknown): boolean {
  return subjectType === NATURAL_PERSON || subjectType === 'person' || isPersonKey(key);
}

/**
 * The name as this user may see it: the warehouse label for users with personal-data access;
 * otherwise the name part alone (the bracketed, already masked ID number is dropped), masked.
 */
export function personName(user: SessionUser | null, name: string | null): string | null {
  if (name === null || seesPersonalData(user)) return name;
  const namePart = name.replace(/\s*[（(][^）)]*[）)]\s*$/, '') || name;
  return maskPerson(user, namePart, 'name');
}

/** Masks person labels inside free text (e.g. risk paths) for users without personal-data access. */
export function maskText(user: SessionUser | null, text: string | null): string | null {
  if (text === null || seesPersonalData(user)) return text;
  return text.replace(PERSON_LABEL, (m) => personName(user, m) ?? m);
}

/**
 * Masks the `nameCol` of rows whose `typeCol` (or `keyCol`) marks a natural person, in place;
 * returns the keys of the persons in the frame.
 */
export function maskFramePersons(user: SessionUser | null, f: Frame, o: { nameCol: string; typeCol?: string; keyCol?: string }): string[] {
  const names = column(f, o.nameCol);
  const types = o.typeCol ? column(f, o.typeCol) : undefined;
  const keys = o.keyCol ? column(f, o.keyCol) : undefined;
  const persons: string[] = [];
  if (!names) return persons;
  const sees = seesPersonalData(user);
  for (let i = 0; i < f.length; i++) {
    if (!isPerson(types?.[i], keys?.[i])) continue;
    persons.push(String(keys?.[i] ?? names[i]));
    if (!sees) names[i] = personName(user, names[i] as string | null);
  }
  return persons;
}

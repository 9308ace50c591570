/**
 * The data-API test city: the shared server fixture (server/test-helpers.ts serverFixture) plus
 * what the map and graph views need: coordinates, legal representatives and addresses on the
 * firms, and relations that form two risk clusters across the scoped demo accounts:
 *   cluster "王五": legal rep of firms 0 (滨海县 C), 5 (大丰区 K), 10 (滨海县 F): all three-penalty firms;
 *   cluster "赵六": legal rep of firms 15 (盐都区 C) and 20 (亭湖区 H);
 * and one investment edge firm 1 -> firm 7. Firm i sits in FIXTURE_CELLS[i % 6]. Tests only.
 */
import { testIdNumber, testUscc, type FixtureRecords } from '../../../analytics/test-support.ts';
import { FIXTURE_CELLS, serverFixture } from '../../test-helpers.ts';

export const firmUscc = (i: number) => testUscc(i, FIXTURE_CELLS[i % FIXTURE_CELLS.length][0]);
export const firmName = (i: number) => `测试${FIXTURE_CELLS[i % FIXTURE_CELLS.length][0]}企业${i}有限公司`;
/** Firms without coordinates (not on the map). */
export const UNPLACED = (i: number) => i % 11 === 3;

export const CLUSTER_A = { person: '王五', id: testIdNumber(11), firms: [0, 5, 10] };
export const CLUSTER_B = { person: '赵六', id: testIdNumber(12), firms: [15, 20] };

function legalRep(i: number, person: string, id: string): Record<string, string> {
  return {
    subject_uscc: firmUscc(i), subject_name: firmName(i), relation_type: '法定代表人', related_party_type: '自然人',
    related_name: person, related_id_type: '身份证', related_id_number: id, start_date: '2019/05/01',
  };
}

export function viewsFixture(): FixtureRecords {
  const r = serverFixture();
  r.subject = r.subject!.map((s, i) => ({
    ...s,
    legal_rep: i % 2 ? `李${i}` : `王${i}`,
    address: `江苏省盐城市测试路${i}号`,
    ...(UNPLACED(i) ? {} : { lon: (120.0 + (i % 6) * 0.05 + i * 0.0001).toFixed(6), lat: (33.3 + (i % 4) * 0.04 + i * 0.0001).toFixed(6) }),
  }));
  r.relation = [
    ...CLUSTER_A.firms.map((i) => legalRep(i, CLUSTER_A.person, CLUSTER_A.id)),
    ...CLUSTER_B.firms.map((i) => legalRep(i, CLUSTER_B.person, CLUSTER_B.id)),
    {
      subject_uscc: firmUscc(1), subject_name: firmName(1), relation_type: '对外投资', related_party_type: '法人及非法人组织',
      related_name: firmName(7), related_uscc: firmUscc(7), share_ratio: '30', start_date: '2020/01/01',
    },
  ];
  return r;
}

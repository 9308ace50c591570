/**
 * Chinese name parts for people, trade names (字号), towns and roads. The surname weights follow the
 * rough order of frequency in northern Jiangsu; towns are the real township-level units of the nine
 * Yancheng counties (other cities fall back to generated town names).
 */
import { Rng, Weighted } from './rng.ts';

const SURNAME_TEXT =
  '陈12 王11 张9 徐7 朱6 周6 吴6 刘6 李6 孙5 杨5 沈4 顾3 陆3 蒋3 姜3 唐3 薛3 夏3 胡3 黄3 赵3 高3 ' +
  '孟2 季2 卞2 丁2 曹2 戴2 蔡2 袁2 葛2 许2 韩2 冯2 仇2 邵2 邹2 潘2 于2 严2 钱2 单2 成2 崔2 仓1 ' +
  '梁1 宋1 郭1 何1 林1 罗1 郑1 谢1 彭1 曾1 肖1 田1 董1 杜1 程1 苏1 魏1 吕1 任1 姚1 卢1 钟1 谭1 汪1 ' +
  '范1 金1 石1 贾1 秦1 江1 尹1 段1 侯1 史1 陶1 贺1 毛1 龚1 万1 武1 孔1 汤1 倪1 左1 柏1 乔1 吉1';

export const SURNAMES: Weighted<string> = (() => {
  const pairs = SURNAME_TEXT.split(' ').map((t) => [t.slice(0, 1), Number(t.slice(1))] as const);
  return new Weighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
})();

const MALE_CHARS = '伟强军磊勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊峰建国志文林成亮海东兵春宏永庆德金龙'.split('');
const FEMALE_CHARS = '芳娟敏静丽艳霞红燕玲萍婷雪梅兰琴慧颖洁琳晶凤英秀云丹倩月娜莉欣悦佳'.split('');
const SHARED_CHARS = '晓小志建春海雨立新家子文思嘉'.split('');

/** A person's name; `male` picks the character pool. */
export function personName(rng: Rng, male: boolean): string {
  const pool = male ? MALE_CHARS : FEMALE_CHARS;
  const sur = SURNAMES.pick(rng);
  if (rng.chance(0.22)) return sur + rng.pick(pool);
  const first = rng.chance(0.35) ? rng.pick(SHARED_CHARS) : rng.pick(pool);
  return sur + first + rng.pick(pool);
}

const TRADE_CHARS =
  '华盛鑫源恒泰瑞丰达隆宏金海阳德新通利顺安康永昌兴佳福明远润中天博嘉诚信和众联创汇景裕晟骏凯瀚宇辰伟正卓越邦品优鼎荣祥旺盈鸿茂益宝成发富荣腾飞鹏程锦绣星晨东方宏图'.split('');

/** A two- or three-character trade name (字号). */
export function tradeName(rng: Rng, len = rng.chance(0.85) ? 2 : 3): string {
  let s = '';
  while (s.length < len) {
    const c = rng.pick(TRADE_CHARS);
    if (!s.endsWith(c)) s += c;
  }
  return s;
}

/** Towns (乡镇/街道) of the Yancheng counties. */
export const TOWNS: Record<string, readonly string[]> = {
  '320902': ['文峰街道', '先锋街道', '新洋街道', '五星街道', '毓龙街道', '南洋镇', '盐东镇', '黄尖镇', '便仓镇', '步凤镇', '新兴镇'],
  '320903': ['潘黄街道', '盐渎街道', '张庄街道', '大冈镇', '龙冈镇', '大纵湖镇', '楼王镇', '学富镇', '尚庄镇', '秦南镇', '郭猛镇', '义丰镇'],
  '320904': ['大中街道', '草堰镇', '白驹镇', '刘庄镇', '西团镇', '小海镇', '新丰镇', '大桥镇', '草庙镇', '万盈镇', '南阳镇', '三龙镇'],
  '320921': ['响水镇', '陈家港镇', '小尖镇', '黄圩镇', '大有镇', '双港镇', '南河镇', '运河镇'],
  '320922': ['东坎街道', '八滩镇', '滨淮镇', '天场镇', '陈涛镇', '五汛镇', '蔡桥镇', '正红镇', '通榆镇', '界牌镇', '八巨镇', '滨海港镇'],
  '320923': ['阜城街道', '沟墩镇', '陈良镇', '三灶镇', '郭墅镇', '新沟镇', '陈集镇', '羊寨镇', '芦蒲镇', '板湖镇', '东沟镇', '益林镇', '古河镇', '罗桥镇'],
  '320924': ['合德镇', '临海镇', '千秋镇', '四明镇', '海河镇', '海通镇', '兴桥镇', '新坍镇', '长荡镇', '盘湾镇', '特庸镇', '洋马镇', '黄沙港镇'],
  '320925': ['近湖街道', '钟庄街道', '上冈镇', '冈东镇', '庆丰镇', '建阳镇', '颜单镇', '沿河镇', '芦沟镇', '蒋营镇', '宝塔镇', '高作镇', '恒济镇'],
  '320981': ['东台镇', '溱东镇', '时堰镇', '五烈镇', '梁垛镇', '安丰镇', '南沈灶镇', '富安镇', '唐洋镇', '新街镇', '许河镇', '三仓镇', '头灶镇', '弶港镇'],
};

/** The town of subject `i` (fixed, so that its name and address agree). */
export function townOf(countyCode: string, i: number): string {
  const towns = townsOf(countyCode);
  return towns[(Math.imul(i + 1, 2654435761) >>> 0) % towns.length];
}

const GENERIC_TOWN_STEMS = '城东 城西 城南 城北 新港 红旗 永丰 长安 胜利 团结 友谊 光明 和平 三河 双河 五里 七里 高桥 马庄 王集'.split(' ');

/** Towns of a county; a generated list for counties without a table. */
export function townsOf(countyCode: string): readonly string[] {
  return TOWNS[countyCode] ?? GENERIC_TOWN_STEMS.map((s, i) => s + (i < 4 ? '街道' : '镇'));
}

export const ROADS = [
  '人民路', '解放路', '建设路', '开放大道', '世纪大道', '希望大道', '青年路', '建军路', '新都路', '文港路',
  '黄海路', '幸福路', '振兴路', '工业路', '迎宾大道', '长江路', '淮河路', '通榆路', '健康路', '育才路',
  '海洋路', '港城路', '光明路', '朝阳路', '东进路', '西环路', '南环路', '北环路', '中心大街', '商业街',
] as const;

/** Chinese ordinal for small numbers (第二, 第三 ...). */
export function ordinal(n: number): string {
  const d = '零一二三四五六七八九十';
  if (n <= 10) return d[n];
  if (n < 20) return '十' + d[n - 10];
  return d[Math.floor(n / 10)] + '十' + (n % 10 ? d[n % 10] : '');
}

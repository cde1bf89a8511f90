//! Merchant names and their matching core (SPEC §4–§5, KYC.md §2).
//!
//! A fraud ring re-registers the same shop as `老王烟酒店`, `老王烟酒商行`,
//! `老王煙酒經營部` and `深圳市福田区老王烟酒店`; a company appears as
//! `深圳市某某科技有限公司` and `某某科技(深圳)有限公司`. Matching compares the
//! name's *core*: the words that name this business, without the region it
//! sits in, its legal form or the kind of shop sign.
//!
//! The core is computed as follows, then the last two steps are repeated
//! until nothing changes:
//!
//! 1. [`simplified`](super::simplified) (text folding, traditional →
//!    simplified);
//! 2. bracketed parts removed with their content when the content is a
//!    region (`(深圳)`, `(中国)`), a legal form (`(普通合伙)`) or a branch
//!    (`(福田店)`); other brackets are dropped and their content kept;
//! 3. everything but letters and digits removed, ASCII upper-cased;
//! 4. a leading `个体户`/`个体工商户`, or a leading region name: province
//!    and city names full or short (`广东省`, `广东`, `深圳市`, `深圳`),
//!    district full names (`福田区`), and a district's short name right
//!    after its city (`深圳福田…`). A region prefix stays when what is left
//!    would be less than two characters or only trade words (`兰州拉面`,
//!    `沙县小吃`, `北京烤鸭`: there the place is the name);
//! 5. one ending from [`NAME_SUFFIXES`] (legal forms and shop types), and
//!    after a branch ending (`分店`, `店`, `分公司`…) the branch's own name:
//!    a number (`二店`, `第3分店`) or region names (`福田分店`). `店` stays
//!    in `酒店`, `饭店`, `书店`, `花店`, `药店`, where it is part of the
//!    trade, unless a trade word precedes it (`烟酒店` → `烟酒`).
//!
//! Words that carry meaning are kept: `超市`, `餐厅`, `馆`, `厂`, `中心`,
//! `工作室`, `行` (`车行`). A name that is nothing but a suffix keeps it.

use crate::gazetteer::{Division, DivisionLevel};

use super::address::{city_of, is_region, region_prefix, region_suffix};
use super::simplified;

/// Legal-form and shop-type endings removed from a name (step 5 above).
pub const NAME_SUFFIXES: &[&str] = &[
    "有限责任公司",
    "股份有限公司",
    "个人独资企业",
    "特殊普通合伙",
    "有限公司",
    "股份公司",
    "合伙企业",
    "普通合伙",
    "有限合伙",
    "个体工商户",
    "分公司",
    "经营部",
    "门市部",
    "营业部",
    "专卖店",
    "专营店",
    "旗舰店",
    "加盟店",
    "连锁店",
    "个体户",
    "公司",
    "集团",
    "商行",
    "商店",
    "总店",
    "分店",
    "门店",
    "分部",
    "分行",
    "支行",
    "店",
];

/// Endings after which a branch name (a number, a region) is removed too.
const BRANCH_SUFFIXES: &[&str] = &[
    "分公司",
    "营业部",
    "专卖店",
    "专营店",
    "旗舰店",
    "加盟店",
    "连锁店",
    "总店",
    "分店",
    "门店",
    "分部",
    "分行",
    "支行",
    "店",
];

/// Words where the final `店` belongs to the trade.
const KEEP_DIAN: &[&str] = &["酒店", "饭店", "书店", "花店", "药店"];

/// Bracket contents that are legal forms (step 2 above).
const LEGAL_FORMS: &[&str] = &[
    "普通合伙",
    "有限合伙",
    "特殊普通合伙",
    "个体工商户",
    "个体户",
    "个人独资",
];

/// Common trade words: what a shop sells or does. They split a core into
/// its owner part and its trade part ([`NameCore::tokens`]) and keep a
/// region prefix that is the only distinctive part of a name.
pub const TRADE_WORDS: &[&str] = &[
    "烟酒",
    "烟草",
    "酒水",
    "名酒",
    "茶叶",
    "茶行",
    "便利",
    "超市",
    "百货",
    "日杂",
    "杂货",
    "副食",
    "食品",
    "粮油",
    "水果",
    "蔬菜",
    "生鲜",
    "果蔬",
    "肉类",
    "海鲜",
    "冻品",
    "干货",
    "母婴",
    "童装",
    "服装",
    "服饰",
    "女装",
    "男装",
    "内衣",
    "鞋业",
    "鞋帽",
    "箱包",
    "眼镜",
    "钟表",
    "珠宝",
    "黄金",
    "饰品",
    "化妆品",
    "美妆",
    "手机",
    "通讯",
    "数码",
    "电脑",
    "电器",
    "家电",
    "五金",
    "建材",
    "装饰",
    "装修",
    "家具",
    "家居",
    "灯饰",
    "陶瓷",
    "卫浴",
    "油漆",
    "门窗",
    "窗帘",
    "大药房",
    "药房",
    "药店",
    "医药",
    "诊所",
    "门诊",
    "口腔",
    "汽修",
    "汽配",
    "洗车",
    "轮胎",
    "维修",
    "家政",
    "干洗",
    "洗衣",
    "开锁",
    "图文",
    "印刷",
    "广告",
    "摄影",
    "婚纱",
    "影楼",
    "鲜花",
    "花店",
    "宠物",
    "书店",
    "文具",
    "体育",
    "健身",
    "瑜伽",
    "足浴",
    "按摩",
    "推拿",
    "养生",
    "美容",
    "美发",
    "理发",
    "发廊",
    "美甲",
    "网吧",
    "网咖",
    "棋牌",
    "台球",
    "KTV",
    "酒吧",
    "茶楼",
    "茶馆",
    "咖啡",
    "奶茶",
    "甜品",
    "蛋糕",
    "烘焙",
    "面包",
    "冷饮",
    "餐饮",
    "餐厅",
    "饭店",
    "酒店",
    "宾馆",
    "旅馆",
    "酒楼",
    "饭馆",
    "快餐",
    "小吃",
    "火锅",
    "烧烤",
    "串串",
    "麻辣烫",
    "冒菜",
    "米粉",
    "米线",
    "面馆",
    "拉面",
    "饺子",
    "包子",
    "早餐",
    "炸鸡",
    "汉堡",
    "烤鸭",
    "卤味",
    "熟食",
    "凉皮",
    "烤鱼",
    "农家乐",
    "民宿",
    "客栈",
    "物流",
    "快递",
    "搬家",
    "货运",
    "运输",
    "租赁",
    "中介",
    "房产",
    "置业",
    "商贸",
    "贸易",
    "实业",
    "科技",
    "信息",
    "网络",
    "电子商务",
    "电子",
    "商务",
    "文化",
    "传媒",
    "教育",
    "培训",
    "咨询",
    "服务",
    "管理",
    "投资",
    "农业",
    "养殖",
    "种植",
    "建筑",
    "工程",
    "劳务",
    "环保",
    "能源",
    "医疗",
    "器械",
    "机械",
    "设备",
    "制造",
    "加工",
    "纺织",
    "化工",
    "塑料",
    "包装",
    "钢材",
    "五金交电",
    "工艺品",
    "礼品",
    "玩具",
    "批发",
    "零售",
];

/// Characters that mark a nickname rather than the surname itself in an
/// owner part of two or three characters: 老王, 小王, 阿王 / 王记, 王氏, 王家.
const NICKNAME_PREFIXES: &[char] = &['老', '小', '阿'];
const NICKNAME_SUFFIXES: &[char] = &['记', '氏', '家', '哥', '姐', '嫂', '叔', '姨', '仔'];

/// A merchant name as declared, with its matching core.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyName {
    text: String,
    core: NameCore,
}

impl CompanyName {
    /// Folds the text for display (`text`: full width, spaces, brackets) and
    /// computes the core. Never fails: an empty name has an empty core.
    pub fn new(raw: &str) -> CompanyName {
        CompanyName {
            text: super::text(raw),
            core: name_core(raw),
        }
    }

    /// The name as declared, text-folded, in its original script.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The matching core.
    pub fn core(&self) -> &NameCore {
        &self.core
    }
}

/// The part of a merchant name that matching compares, and a coarser
/// family key (see the module documentation for the rules).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NameCore {
    /// The core: simplified, letters and digits only.
    core: String,
    /// Byte length of the owner part at the start of `core`.
    owner_len: usize,
    /// Owner stem + trade words, see [`NameCore::family`].
    family: String,
}

/// A core split into who and what: `老王烟酒` → owner `老王`, trade `烟酒`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTokens<'a> {
    /// Everything before the trailing trade words; may be empty.
    pub owner: &'a str,
    /// The trailing run of [`TRADE_WORDS`]; empty when the core ends in none.
    pub trade: &'a str,
}

impl NameCore {
    /// The core (`老王烟酒`).
    pub fn as_str(&self) -> &str {
        &self.core
    }

    /// Whether nothing is left (an empty or punctuation-only name).
    pub fn is_empty(&self) -> bool {
        self.core.is_empty()
    }

    /// The owner part and the trade part.
    pub fn tokens(&self) -> NameTokens<'_> {
        let (owner, trade) = self.core.split_at(self.owner_len);
        NameTokens { owner, trade }
    }

    /// A blocking key for shop-name families: the owner part with nickname
    /// markers removed, then the trade part. `老王烟酒`, `王记烟酒` and
    /// `小王烟酒` all give `王烟酒`. Without a trade part it is the core
    /// itself (a bare `王记` says too little). Coarse by design: it proposes
    /// candidates, it is not evidence (many 王 sell 烟酒).
    pub fn family(&self) -> &str {
        &self.family
    }

    fn from_core(core: String) -> NameCore {
        let owner_len = owner_len(&core);
        let (owner, trade) = core.split_at(owner_len);
        let family = if trade.is_empty() {
            core.clone()
        } else {
            format!("{}{trade}", owner_stem(owner))
        };
        NameCore {
            owner_len,
            family,
            core,
        }
    }
}

impl std::fmt::Display for NameCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.core)
    }
}

/// The matching core of a merchant name. Idempotent:
/// `name_core(name_core(s).as_str()) == name_core(s)`.
///
/// `name_core("深圳市老王煙酒店").as_str()` is `"老王烟酒"`.
pub fn name_core(raw: &str) -> NameCore {
    let s = remove_brackets(&simplified(raw));
    let mut core = letters_and_digits(&s);
    // Removing spaces and punctuation, or a prefix or suffix, can bring
    // together the two characters of one of the t2s context rules (`看 著`):
    // fold again until stable, so the core is a fixed point of this step and
    // `name_core` is idempotent. Two rounds suffice in practice.
    for _ in 0..4 {
        let next = strip(simplified(&core));
        if next == core {
            break;
        }
        core = next;
    }
    NameCore::from_core(core)
}

fn letters_and_digits(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Step 2: brackets and, where it is noise, their content.
fn remove_brackets(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, '(' | '[' | '〔' | '「') {
            let Some(close) =
                (i + 1..chars.len()).find(|&j| matches!(chars[j], ')' | ']' | '〕' | '」'))
            else {
                // An unclosed bracket: drop the bracket, keep the text.
                i += 1;
                continue;
            };
            let content: String = chars[i + 1..close].iter().collect();
            if !bracket_is_noise(&letters_and_digits(&content)) {
                out.push_str(&content);
            }
            i = close + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn bracket_is_noise(content: &str) -> bool {
    content.is_empty()
        || is_region(content)
        || LEGAL_FORMS.contains(&content)
        || BRANCH_SUFFIXES.iter().any(|b| content.ends_with(b))
}

/// Steps 4 and 5 until nothing changes.
fn strip(mut s: String) -> String {
    // The city stripped from this name, which lets its districts' short
    // names go too (`深圳福田…`). Only ever widens what step 4 removes, so a
    // core, re-read without it, is still left alone: idempotence holds.
    let mut city: Option<&'static Division> = None;
    while let Some(next) = strip_once(&s, &mut city) {
        s = next;
    }
    s
}

fn strip_once(s: &str, city: &mut Option<&'static Division>) -> Option<String> {
    for prefix in ["个体工商户", "个体户"] {
        if let Some(rest) = s.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return Some(rest.to_owned());
        }
    }
    if let Some((end, d)) = region_prefix(s, *city) {
        let rest = &s[end..];
        if worth_a_name(rest) {
            match d.level {
                DivisionLevel::City => *city = Some(d),
                DivisionLevel::District => *city = city_of(d).or(*city),
                DivisionLevel::Province => {}
            }
            return Some(rest.to_owned());
        }
    }
    strip_suffix(s)
}

/// Whether `rest` still names a business once its suffixes are gone.
fn worth_a_name(rest: &str) -> bool {
    let mut r = rest.to_owned();
    while let Some(next) = strip_suffix(&r) {
        r = next;
    }
    r.chars().count() >= 2 && owner_len(&r) > 0
}

/// Removes one ending (step 5), or `None` when there is none to remove.
fn strip_suffix(s: &str) -> Option<String> {
    for suffix in NAME_SUFFIXES {
        let Some(rest) = s.strip_suffix(suffix) else {
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        if *suffix == "店" && !dian_is_a_sign(s, rest) {
            continue;
        }
        if BRANCH_SUFFIXES.contains(suffix) {
            return Some(strip_branch_name(rest));
        }
        return Some(rest.to_owned());
    }
    None
}

/// Whether the final 店 of `s` is a shop sign (`烟酒店`, `老王店`) rather than
/// part of the trade (`酒店`, `书店`).
fn dian_is_a_sign(s: &str, rest: &str) -> bool {
    TRADE_WORDS.iter().any(|t| rest.ends_with(t)) || !KEEP_DIAN.iter().any(|w| s.ends_with(w))
}

/// The branch's own name before a branch ending: `二`, `第3`, `2号`,
/// `深圳福田`.
fn strip_branch_name(rest: &str) -> String {
    let mut r = rest;
    let numbered = r.strip_suffix('号').unwrap_or(r);
    let digits_from = numbered
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_ascii_digit() || "零〇一二三四五六七八九十百千两".contains(c))
        .last()
        .map(|(i, _)| i);
    if let Some(from) = digits_from {
        let base = &numbered[..from];
        let base = base.strip_suffix('第').unwrap_or(base);
        if !base.is_empty() {
            r = base;
        }
    }
    while let Some(from) = region_suffix(r) {
        r = &r[..from];
    }
    r.to_owned()
}

/// Byte length of the owner part: the core minus its trailing trade words
/// (longest match first, repeated: `某某电子商务` → `某某` + `电子商务`).
fn owner_len(core: &str) -> usize {
    let mut end = core.len();
    while let Some(t) = TRADE_WORDS
        .iter()
        .filter(|t| core[..end].ends_with(**t))
        .max_by_key(|t| t.len())
    {
        end -= t.len();
    }
    end
}

/// 老王 → 王, 王记 → 王; longer owner parts are left alone.
fn owner_stem(owner: &str) -> &str {
    let n = owner.chars().count();
    if !(2..=3).contains(&n) {
        return owner;
    }
    let mut stem = owner;
    if let Some(rest) = stem.strip_prefix(NICKNAME_PREFIXES)
        && !rest.is_empty()
    {
        stem = rest;
    }
    if let Some(rest) = stem.strip_suffix(NICKNAME_SUFFIXES)
        && !rest.is_empty()
    {
        stem = rest;
    }
    stem
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn assert_core(raw: &str, core: &str) {
        assert_eq!(name_core(raw).as_str(), core, "{raw}");
    }

    #[test]
    fn suffix_changes_keep_the_core() {
        for raw in [
            "老王烟酒店",
            "老王烟酒商行",
            "老王煙酒經營部",
            "老王 烟酒 门市部",
            "老王烟酒商店",
            "老王烟酒有限公司",
            "老王烟酒(个体工商户)",
        ] {
            assert_core(raw, "老王烟酒");
        }
    }

    #[test]
    fn region_prefix_and_bracketed_region_give_the_same_core() {
        assert_core("深圳市某某科技有限公司", "某某科技");
        assert_core("某某科技(深圳)有限公司", "某某科技");
        assert_core("某某科技（深圳）有限公司", "某某科技");
        assert_core("广东省深圳市某某科技股份有限公司", "某某科技");
        assert_core("某某科技(中国)有限公司", "某某科技");
        assert_core("深圳某某科技有限责任公司", "某某科技");
        assert_core("某某投资集团有限公司", "某某投资");
        assert_core("深圳市某某投资合伙企业(有限合伙)", "某某投资");
    }

    #[test]
    fn district_prefixes_go_in_full_or_after_their_city() {
        assert_core("广东省深圳市福田区老王烟酒店", "老王烟酒");
        assert_core("福田区老王烟酒店", "老王烟酒");
        assert_core("深圳福田老王烟酒店", "老王烟酒");
        // A district's short name alone is too often a word (白云, 长安).
        assert_core("福田老王烟酒店", "福田老王烟酒");
    }

    #[test]
    fn branch_names_are_removed() {
        assert_core("老王烟酒(福田店)", "老王烟酒");
        assert_core("老王烟酒福田分店", "老王烟酒");
        assert_core("老王烟酒深圳福田分店", "老王烟酒");
        assert_core("老王烟酒二店", "老王烟酒");
        assert_core("老王烟酒第3分店", "老王烟酒");
        assert_core("老王烟酒2号店", "老王烟酒");
        assert_core("中國銀行股份有限公司深圳分行", "中国银行");
    }

    #[test]
    fn a_place_that_is_the_name_stays() {
        assert_core("沙县小吃", "沙县小吃");
        assert_core("兰州拉面", "兰州拉面");
        assert_core("北京烤鸭店", "北京烤鸭");
        assert_core("深圳市", "深圳市");
        assert_core("深圳市场监督管理局", "深圳市场监督管理局");
    }

    #[test]
    fn dian_stays_where_it_is_the_trade() {
        assert_core("如家酒店", "如家酒店");
        assert_core("如家酒店有限公司", "如家酒店");
        assert_core("张三饭店", "张三饭店");
        assert_core("新华书店", "新华书店");
        assert_core("老王便利店", "老王便利");
        assert_core("超市", "超市");
        assert_core("老王超市", "老王超市");
    }

    #[test]
    fn individual_business_prefixes_go() {
        assert_core("个体户张三", "张三");
        assert_core("个体工商户张三烟酒店", "张三烟酒");
    }

    #[test]
    fn traditional_full_width_and_spacing_variants_agree() {
        assert_core("老王煙酒店", "老王烟酒");
        assert_core("老 王 烟 酒 店", "老王烟酒");
        assert_core("７－１１便利店", "711便利");
        assert_core("ｋｆｃ肯德基", "KFC肯德基");
        assert_core("買買提·艾力超市", "买买提艾力超市");
    }

    #[test]
    fn tokens_split_owner_and_trade() {
        let core = name_core("老王烟酒商行");
        assert_eq!(
            core.tokens(),
            NameTokens {
                owner: "老王",
                trade: "烟酒"
            }
        );
        let core = name_core("深圳市某某电子商务有限公司");
        assert_eq!(core.tokens().owner, "某某");
        assert_eq!(core.tokens().trade, "电子商务");
        let core = name_core("腾讯");
        assert_eq!(core.tokens().trade, "");
    }

    #[test]
    fn nickname_variants_share_a_family() {
        let family = |s: &str| name_core(s).family().to_owned();
        assert_eq!(family("老王烟酒店"), "王烟酒");
        assert_eq!(family("王记烟酒"), "王烟酒");
        assert_eq!(family("小王烟酒商行"), "王烟酒");
        assert_eq!(name_core("王记烟酒").as_str(), "王记烟酒");
        assert_eq!(family("王记"), "王记");
        assert_ne!(family("老李烟酒"), family("老王烟酒"));
    }

    #[test]
    fn company_name_keeps_the_display_form() {
        let name = CompanyName::new("  老王煙酒店（福田店） ");
        assert_eq!(name.as_str(), "老王煙酒店(福田店)");
        assert_eq!(name.core().as_str(), "老王烟酒");
    }

    fn fragment() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("老王"),
            Just("王记"),
            Just("烟酒"),
            Just("煙酒"),
            Just("店"),
            Just("分店"),
            Just("商行"),
            Just("有限公司"),
            Just("集团"),
            Just("个体户"),
            Just("深圳市"),
            Just("深圳"),
            Just("福田"),
            Just("福田区"),
            Just("广东"),
            Just("("),
            Just(")"),
            Just("（深圳）"),
            Just("二"),
            Just("2号"),
            Just("第"),
            Just("酒"),
            Just("酒店"),
            Just("书"),
            Just("沙县"),
            Just("小吃"),
            Just("科技"),
            Just("市"),
            Just("场"),
            Just(" "),
            Just("·"),
            Just("a"),
            Just("(普通合伙)"),
            Just("超市"),
            Just("路"),
        ]
    }

    proptest! {
        #[test]
        fn name_core_is_idempotent(parts in proptest::collection::vec(fragment(), 0..10)) {
            let core = name_core(&parts.concat());
            prop_assert_eq!(name_core(core.as_str()), core.clone());
        }

        #[test]
        fn name_core_is_idempotent_on_any_text(s in "\\PC*") {
            let core = name_core(&s);
            prop_assert_eq!(name_core(core.as_str()), core.clone());
        }
    }
}

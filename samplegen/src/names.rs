//! Word pools for people, shops, companies and streets.
//!
//! Surname weights follow the published frequency ranking (王、李、张、刘、陈
//! together cover about 30 % of the population); given names are weighted so
//! that 张伟, 王伟, 王芳, 李娜 and their like recur as often as they do in real
//! registries, which is what makes common-name hard negatives hard.

use crate::rng::{self, Rng};

/// Surnames with weights in tenths of a percent of the population.
pub(crate) const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 13),
    ("郭", 11),
    ("何", 11),
    ("高", 11),
    ("林", 10),
    ("罗", 9),
    ("郑", 9),
    ("梁", 9),
    ("谢", 8),
    ("宋", 7),
    ("唐", 7),
    ("许", 6),
    ("韩", 6),
    ("冯", 6),
    ("邓", 6),
    ("曹", 6),
    ("彭", 5),
    ("曾", 5),
    ("肖", 5),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 1),
    ("黎", 1),
    ("贺", 1),
    ("顾", 1),
    ("毛", 1),
    ("郝", 1),
    ("龚", 1),
    ("邵", 1),
    ("万", 1),
    ("钱", 1),
    ("严", 1),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
    ("欧阳", 1),
];

/// Male given names; the first few carry most of the weight.
pub(crate) const MALE_GIVEN: &[(&str, u32)] = &[
    ("伟", 40),
    ("强", 18),
    ("磊", 18),
    ("军", 16),
    ("勇", 14),
    ("杰", 14),
    ("涛", 12),
    ("斌", 10),
    ("超", 10),
    ("明", 10),
    ("刚", 9),
    ("平", 8),
    ("辉", 8),
    ("鹏", 8),
    ("华", 8),
    ("飞", 7),
    ("鑫", 6),
    ("波", 6),
    ("健", 6),
    ("浩", 6),
    ("建华", 5),
    ("建国", 5),
    ("志强", 5),
    ("志明", 4),
    ("海涛", 4),
    ("俊杰", 4),
    ("晓东", 4),
    ("文博", 3),
    ("子轩", 3),
    ("浩然", 3),
    ("宇轩", 3),
    ("国庆", 3),
    ("建军", 4),
    ("永强", 3),
    ("德明", 2),
    ("家豪", 2),
    ("志伟", 3),
    ("建平", 3),
    ("海波", 2),
    ("立新", 2),
    ("振华", 2),
    ("红军", 2),
    ("卫东", 2),
    ("文杰", 2),
    ("少华", 2),
    ("新民", 2),
    ("宏伟", 2),
    ("春生", 1),
    ("金龙", 1),
    ("长青", 1),
];

/// Female given names; the first few carry most of the weight.
pub(crate) const FEMALE_GIVEN: &[(&str, u32)] = &[
    ("芳", 30),
    ("娜", 26),
    ("敏", 20),
    ("静", 20),
    ("丽", 16),
    ("艳", 14),
    ("娟", 12),
    ("霞", 10),
    ("秀英", 10),
    ("桂英", 8),
    ("玉兰", 6),
    ("婷", 8),
    ("雪", 6),
    ("琳", 6),
    ("燕", 8),
    ("红", 8),
    ("慧", 6),
    ("洁", 5),
    ("颖", 5),
    ("晶", 5),
    ("欣怡", 3),
    ("梓涵", 2),
    ("雨涵", 2),
    ("思琪", 2),
    ("佳怡", 2),
    ("淑珍", 3),
    ("秀兰", 4),
    ("丽华", 3),
    ("美玲", 2),
    ("春梅", 3),
    ("海燕", 3),
    ("晓红", 2),
    ("凤英", 2),
    ("玉梅", 2),
    ("丽娟", 2),
    ("小红", 2),
];

/// The names that collide most in real registries, used for common-name
/// hard negatives (每个名字都有数十万人).
pub(crate) const COMMON_FULL_NAMES: &[(&str, bool)] = &[
    ("张伟", false),
    ("王伟", false),
    ("王芳", true),
    ("李伟", false),
    ("李娜", true),
    ("张敏", true),
    ("李静", true),
    ("王静", true),
    ("刘伟", false),
    ("王秀英", true),
    ("张丽", true),
    ("李秀英", true),
    ("王丽", true),
    ("张静", true),
    ("刘洋", false),
];

/// Shop trades: what the goods word is, the usual MCC, and the name patterns.
/// In patterns `{s}` is a surname, `{w}` a trade-name word and `{g}` the goods.
#[derive(Debug)]
pub(crate) struct Trade {
    /// The goods or service word (烟酒, 五金, 拉面 …).
    pub(crate) goods: &'static str,
    /// The MCC acquirers usually give this trade.
    pub(crate) mcc: &'static str,
    /// Shop-name suffixes used with this trade (店, 商行, 超市 …).
    pub(crate) suffixes: &'static [&'static str],
    /// Relative frequency among small merchants.
    pub(crate) weight: u32,
}

pub(crate) const TRADES: &[Trade] = &[
    Trade {
        goods: "烟酒",
        mcc: "5921",
        suffixes: &["店", "商行", "行"],
        weight: 8,
    },
    Trade {
        goods: "便利",
        mcc: "5499",
        suffixes: &["店"],
        weight: 10,
    },
    Trade {
        goods: "生活超市",
        mcc: "5411",
        suffixes: &[""],
        weight: 8,
    },
    Trade {
        goods: "超市",
        mcc: "5411",
        suffixes: &[""],
        weight: 6,
    },
    Trade {
        goods: "家常菜",
        mcc: "5812",
        suffixes: &["馆", ""],
        weight: 8,
    },
    Trade {
        goods: "饭店",
        mcc: "5812",
        suffixes: &[""],
        weight: 5,
    },
    Trade {
        goods: "面馆",
        mcc: "5814",
        suffixes: &[""],
        weight: 5,
    },
    Trade {
        goods: "小吃",
        mcc: "5814",
        suffixes: &["店", ""],
        weight: 5,
    },
    Trade {
        goods: "五金",
        mcc: "5251",
        suffixes: &["店", "建材", "商行"],
        weight: 5,
    },
    Trade {
        goods: "美发",
        mcc: "7230",
        suffixes: &["店", "工作室"],
        weight: 5,
    },
    Trade {
        goods: "大药房",
        mcc: "5912",
        suffixes: &[""],
        weight: 4,
    },
    Trade {
        goods: "服装",
        mcc: "5691",
        suffixes: &["店", "商行"],
        weight: 5,
    },
    Trade {
        goods: "手机",
        mcc: "5732",
        suffixes: &["店", "通讯"],
        weight: 4,
    },
    Trade {
        goods: "水果",
        mcc: "5499",
        suffixes: &["店", "行"],
        weight: 5,
    },
    Trade {
        goods: "家电",
        mcc: "5722",
        suffixes: &["商场", "店"],
        weight: 3,
    },
    Trade {
        goods: "宾馆",
        mcc: "7011",
        suffixes: &[""],
        weight: 3,
    },
    Trade {
        goods: "面包",
        mcc: "5462",
        suffixes: &["坊", "店"],
        weight: 3,
    },
    Trade {
        goods: "鲜花",
        mcc: "5992",
        suffixes: &["店"],
        weight: 2,
    },
    Trade {
        goods: "宠物",
        mcc: "5995",
        suffixes: &["店"],
        weight: 2,
    },
    Trade {
        goods: "洗车",
        mcc: "7542",
        suffixes: &["店", "行"],
        weight: 2,
    },
    Trade {
        goods: "百货",
        mcc: "5311",
        suffixes: &["商店", "店"],
        weight: 4,
    },
    Trade {
        goods: "鞋业",
        mcc: "5661",
        suffixes: &["店", "商行"],
        weight: 2,
    },
    Trade {
        goods: "茶叶",
        mcc: "5499",
        suffixes: &["店", "行"],
        weight: 2,
    },
    Trade {
        goods: "粮油",
        mcc: "5411",
        suffixes: &["店", "商行"],
        weight: 3,
    },
];

/// Trade-name words shop owners favour (吉利, 兴旺 …).
pub(crate) const SHOP_WORDS: &[&str] = &[
    "鑫源",
    "恒达",
    "福满多",
    "佳和",
    "兴旺",
    "金鼎",
    "好运来",
    "顺发",
    "宏达",
    "明珠",
    "阳光",
    "华美",
    "富贵",
    "嘉禾",
    "聚福",
    "盛世",
    "鸿运",
    "天天",
    "金海",
    "新星",
    "东方",
    "万家",
    "利民",
    "安康",
    "好又多",
    "佳佳",
    "快客",
    "邻家",
    "美宜",
    "百家",
    "惠民",
    "万家福",
    "红星",
    "金鑫",
    "永盛",
    "祥和",
    "春天",
    "幸福",
    "家家乐",
    "乐购",
    "鑫隆",
    "和顺",
    "昌盛",
    "吉祥",
    "龙腾",
    "凤凰",
    "锦绣",
    "丰收",
    "旺旺",
    "日日鲜",
    "诚信",
    "四季",
    "小城",
    "老街",
];

/// Word stems for company names (恒达 in 深圳市恒达贸易有限公司).
pub(crate) const COMPANY_WORDS: &[&str] = &[
    "恒达",
    "鑫源",
    "华瑞",
    "宏图",
    "金诚",
    "博远",
    "盛通",
    "启航",
    "卓越",
    "汇丰源",
    "天诚",
    "瑞祥",
    "中和",
    "永泰",
    "正信",
    "嘉盛",
    "银河",
    "东方红",
    "锦程",
    "新视界",
    "信达",
    "鼎盛",
    "弘业",
    "泰和",
    "聚鑫",
    "安泰",
    "宝丰",
    "国鑫",
    "润华",
    "海纳",
    "创新源",
    "德信",
    "广源",
];

/// Company industries with their MCC.
pub(crate) const COMPANY_INDUSTRIES: &[(&str, &str)] = &[
    ("贸易", "5311"),
    ("商贸", "5399"),
    ("餐饮管理", "5812"),
    ("酒店管理", "7011"),
    ("电子科技", "5732"),
    ("服饰", "5691"),
    ("食品", "5411"),
    ("医药连锁", "5912"),
    ("家电", "5722"),
    ("建材", "5251"),
    ("汽车服务", "7542"),
    ("文化传媒", "7399"),
    ("美容美发", "7230"),
    ("超市", "5411"),
];

/// Chain brands whose outlets are run by unrelated franchisees.
pub(crate) const CHAIN_BRANDS: &[(&str, &str)] = &[
    ("沙县小吃", "5814"),
    ("兰州拉面", "5814"),
    ("华莱士", "5814"),
    ("黄焖鸡米饭", "5814"),
    ("蜜雪冰城", "5814"),
    ("正新鸡排", "5814"),
];

/// Street-name stems; combined with a direction and 路/街/大道.
pub(crate) const STREET_STEMS: &[&str] = &[
    "人民", "解放", "中山", "建设", "和平", "新华", "胜利", "文化", "朝阳", "长江", "黄河", "东风",
    "青年", "幸福", "民主", "光明", "工业", "学府", "迎宾", "滨河", "南京", "北京", "上海", "天山",
    "振兴", "团结", "友谊", "育才", "花园", "金桥", "锦绣", "平安", "新村", "府前", "站前", "环城",
    "沿江", "滨江", "湖滨", "凤凰", "翠竹", "桂花", "银杏", "海棠", "紫荆", "红旗", "五一", "八一",
    "建国", "兴业", "创业", "科技", "商业", "富民", "康宁", "泰山", "华山", "望江", "江南", "城南",
    "城北", "西关", "东门", "北门", "龙泉", "清泉",
];

/// Shopping malls and commercial buildings.
pub(crate) const MALLS: &[&str] = &[
    "万达广场",
    "银泰城",
    "吾悦广场",
    "万象城",
    "天虹商场",
    "步步高广场",
    "国贸大厦",
    "时代广场",
    "世纪商城",
    "百货大楼",
    "新世界商厦",
    "中心商业街",
    "财富中心",
    "金街购物中心",
];

/// Banks with a debit-card BIN, the card length, and the corporate-account length.
pub(crate) const BANKS: &[(&str, &str, usize, usize)] = &[
    ("中国工商银行", "622202", 19, 19),
    ("中国工商银行", "621226", 19, 19),
    ("中国农业银行", "622848", 19, 17),
    ("中国银行", "621661", 19, 12),
    ("中国建设银行", "621700", 19, 20),
    ("交通银行", "622262", 19, 21),
    ("招商银行", "622588", 16, 15),
    ("中国邮政储蓄银行", "621799", 19, 18),
    ("中信银行", "621771", 19, 16),
    ("兴业银行", "622909", 18, 18),
    ("浦发银行", "622521", 16, 16),
    ("中国民生银行", "622622", 16, 16),
    ("平安银行", "623058", 19, 15),
];

/// Names of outsourced service providers (收单外包服务机构) that settle for merchants.
pub(crate) const OUTSOURCER_WORDS: &[&str] = &[
    "汇付通",
    "快钱宝",
    "易收银",
    "融联支付",
    "通联达",
    "聚合付",
    "收钱吧通",
];

/// A person's full name: weighted surname plus weighted given name.
pub(crate) fn person_name(rng: &mut Rng, female: bool) -> String {
    let surname = rng::pick_weighted(rng, SURNAMES);
    let given = if female {
        rng::pick_weighted(rng, FEMALE_GIVEN)
    } else {
        rng::pick_weighted(rng, MALE_GIVEN)
    };
    format!("{surname}{given}")
}

/// The surname of a generated full name (compound surnames are in the table).
pub(crate) fn surname_of(name: &str) -> &str {
    SURNAMES
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| s.chars().count() > 1)
        .find(|s| name.starts_with(s))
        .unwrap_or_else(|| {
            let end = name.char_indices().nth(1).map_or(name.len(), |(i, _)| i);
            &name[..end]
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mcc_in_the_pools_exists() {
        let mccs = TRADES
            .iter()
            .map(|t| t.mcc)
            .chain(COMPANY_INDUSTRIES.iter().map(|(_, m)| *m))
            .chain(CHAIN_BRANDS.iter().map(|(_, m)| *m));
        for mcc in mccs {
            assert!(matcher::Mcc::parse(mcc).is_ok(), "{mcc}");
        }
    }

    #[test]
    fn surnames_are_split_off_correctly() {
        assert_eq!(surname_of("欧阳娜"), "欧阳");
        assert_eq!(surname_of("王芳"), "王");
    }
}

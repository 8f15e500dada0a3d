"""Chinese text of the generated cases: report openings, descriptions, addresses, event notes.

Templates hold `{a}` (a phrase from the subcategory's list) and `{n}` (a number drawn from
the subcategory's range); each is filled a few times per run to give the variants that the
incidents pick from, so no text is built per incident.
"""

from __future__ import annotations

import numpy as np

# How a report opens, by source.
OPENINGS: dict[str, str] = {
    "hotline_12345": "市民致电12345反映：",
    "grid_patrol": "网格员巡查发现：",
    "police_110": "110接警：",
    "mini_program": "群众通过“我要报事”反映：",
    "online_message": "网民在留言板反映：",
    "letters_visits": "来访群众反映：",
    "petition": "群众来信反映：",
    "court_case": "法院诉前调解案件：",
}

# subcategory -> (templates, phrases for {a}, range for {n})
DESCRIPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[int, int]]] = {
    "neighbour": (
        (
            "楼上住户{a}，多次沟通未果，双方发生争执，请求社区调解。",
            "因{a}与邻居产生矛盾，已持续{n}个月，请求调解。",
        ),
        ("装修噪音持续", "漏水渗到楼下", "占用楼道堆放杂物", "饲养犬只扰民"),
        (1, 12),
    ),
    "family": (
        (
            "家庭成员因{a}发生矛盾，情绪激动，请求帮助调解。",
            "因{a}产生纠纷，老人{n}岁，请求村社干部介入。",
        ),
        ("赡养老人", "财产分割", "子女抚养", "宅院继承"),
        (60, 92),
    ),
    "loan": (
        ("借给他人{n}元逾期未还，多次催要无果，请求协调。", "与{a}发生借贷纠纷，涉及金额{n}元。"),
        ("亲戚", "同村村民", "生意伙伴", "同事"),
        (5_000, 300_000),
    ),
    "wage_arrears": (
        (
            "{n}名务工人员反映在{a}务工被拖欠工资，要求尽快支付。",
            "在{a}打工被拖欠工资，涉及{n}人，临近年底情绪激动。",
        ),
        ("某建筑工地", "某装修公司", "某餐饮店", "某物流园", "某市政项目"),
        (3, 60),
    ),
    "property_management": (
        (
            "小区物业{a}，业主意见较大，要求物业公司整改。",
            "业主与物业公司因{a}发生纠纷，涉及{n}户。",
        ),
        ("电梯长期故障无人维修", "公共区域卫生无人清扫", "擅自上调物业费", "停车收费不合理"),
        (10, 300),
    ),
    "demolition_resettlement": (
        (
            "{n}户被拆迁群众反映安置房迟迟未分配，要求说明{a}。",
            "对{a}有异议，{n}户群众要求重新协商。",
        ),
        ("安置进度", "补偿标准", "过渡费发放", "回迁房面积"),
        (5, 200),
    ),
    "overdue_delivery": (
        (
            "所购商品房已逾期{n}个月未交房，业主要求开发商给出{a}。",
            "{a}迟迟不能落实，逾期交房已{n}个月，业主情绪激动。",
        ),
        ("交房时间", "违约赔偿", "复工计划", "办证时间"),
        (3, 36),
    ),
    "land": (
        ("村民因{a}发生纠纷，要求村委会协调处理。", "两户村民因{a}争执多年，涉及土地{n}亩。"),
        ("承包地边界", "宅基地权属", "林地承包", "灌溉用水"),
        (1, 30),
    ),
    "fire": (
        ("{a}，存在火灾隐患，请尽快处理。", "{a}，已提醒{n}次仍未整改。"),
        ("消防通道被车辆占用", "楼道堆放易燃杂物", "消防栓无水", "商铺私拉电线"),
        (2, 6),
    ),
    "gas": (
        ("{a}，请燃气公司上门检查。", "{a}，涉及住户{n}户。"),
        ("楼道内有燃气异味", "餐饮店违规使用液化气罐", "燃气管道老化锈蚀", "燃气报警器频繁报警"),
        (2, 80),
    ),
    "building": (
        ("{a}，居民担心存在安全隐患。", "{a}，涉及住户{n}户，要求鉴定。"),
        ("老旧楼房墙体出现裂缝", "阳台外墙瓷砖脱落", "楼顶防水层破损漏水", "房屋地基下沉"),
        (4, 60),
    ),
    "ebike_charging": (
        ("有住户{a}，存在安全隐患。", "小区内{a}，已发现{n}处。"),
        (
            "将电动车推入楼道充电",
            "从窗户飞线给电动车充电",
            "在室内给电瓶充电",
            "在楼梯间停放电动车",
        ),
        (2, 15),
    ),
    "road_traffic": (
        ("{a}，存在交通安全隐患。", "{a}，已持续{n}天。"),
        ("路口信号灯故障", "路面塌陷形成坑洞", "学校门口缺少减速带", "道路护栏损坏"),
        (1, 20),
    ),
    "production": (
        ("{a}，存在安全生产隐患。", "{a}，现场约{n}名工人。"),
        (
            "施工工地工人高空作业未系安全带",
            "小作坊违规储存危化品",
            "塔吊作业区域未设置警戒",
            "厂房安全出口被封堵",
        ),
        (5, 80),
    ),
    "geological": (
        ("{a}，威胁下方{n}户居民安全。", "雨后{a}，请求排查。"),
        ("山体出现裂缝", "边坡有滑坡迹象", "沟道淤积可能引发泥石流", "挡土墙出现鼓胀"),
        (3, 40),
    ),
    "heating": (
        ("家中暖气不热，室温仅{n}度，要求供热公司处理。", "{a}，室温{n}度。"),
        ("整栋楼暖气不热", "暖气管道漏水", "供暖后仍未通暖", "暖气忽冷忽热"),
        (8, 15),
    ),
    "water_power": (
        ("小区{a}已{n}小时，未收到任何通知。", "{a}，影响{n}户居民生活。"),
        ("停水", "停电", "水压不足", "天然气停供"),
        (3, 48),
    ),
    "sanitation": (
        ("{a}，气味难闻，请尽快处理。", "{a}，已持续{n}天。"),
        ("垃圾清运不及时垃圾桶满溢", "小区化粪池外溢", "背街小巷垃圾堆积", "公厕无人保洁"),
        (2, 15),
    ),
    "noise": (
        ("附近{a}夜间噪音扰民，影响休息。", "{a}噪音持续到夜间{n}点。"),
        ("工地施工", "烧烤店", "广场舞", "酒吧"),
        (11, 12),
    ),
    "municipal": (
        ("{a}，请相关部门维修。", "{a}，已有{n}天无人处理。"),
        ("路灯损坏", "井盖缺失", "人行道破损", "公交站棚损坏"),
        (2, 30),
    ),
    "social_security": (
        ("咨询{a}问题，多次办理未果。", "{a}已申请{n}个月仍未办结。"),
        ("医保异地报销", "养老保险转移", "低保申请", "社保卡补办"),
        (1, 8),
    ),
    "education": (
        ("孩子{a}遇到困难，要求教育部门答复。", "反映{a}问题，涉及学生{n}人。"),
        ("就近入学", "学位分配", "校车接送", "课后服务收费"),
        (1, 40),
    ),
    "elderly_care": (
        ("独居老人{n}岁，{a}，希望社区提供帮助。", "{a}，老人{n}岁，请求协调。"),
        ("行动不便无人照料", "申请居家养老服务", "高龄补贴未到账", "希望入住养老院"),
        (70, 96),
    ),
    "theft": (
        ("停放在楼下的{a}被盗。", "{a}被盗，损失约{n}元。"),
        ("电动车", "自行车", "电瓶", "快递包裹"),
        (200, 8_000),
    ),
    "fight": (
        ("{a}有人发生肢体冲突，请求处置。", "{a}约{n}人发生争吵推搡。"),
        ("饭店门口", "小区门口", "市场内", "网吧内"),
        (2, 10),
    ),
    "nuisance": (
        ("有人在{a}酒后滋事，扰乱秩序。", "{a}有人寻衅滋事，涉及{n}人。"),
        ("夜市", "小区广场", "公交站", "KTV门口"),
        (2, 8),
    ),
    "gambling_drugs": (
        ("群众举报{a}疑似聚众赌博。", "举报{a}有可疑人员出入，约{n}人。"),
        ("某出租屋内", "某棋牌室", "某小区地下室", "某农家院"),
        (4, 20),
    ),
    "impersonation": (
        ("接到自称{a}的电话，被骗转账{n}元。", "被冒充{a}人员以涉案为由骗取{n}元。"),
        ("公安局", "检察院", "社保局", "快递客服"),
        (2_000, 500_000),
    ),
    "investment": (
        ("通过{a}投资被骗{n}元，平台已无法提现。", "在{a}投资理财，损失{n}元。"),
        ("网络理财平台", "虚拟货币群", "股票荐股群", "养老投资项目"),
        (5_000, 800_000),
    ),
    "task_scam": (
        ("参与{a}被骗{n}元。", "通过{a}被诱导垫付资金{n}元。"),
        ("网络刷单返利", "点赞关注任务", "游戏账号交易", "兼职打字"),
        (500, 60_000),
    ),
    "loan_scam": (
        ("在网贷APP申请贷款，被以{a}为由骗取{n}元。", "以{a}为名被骗{n}元。"),
        ("缴纳保证金", "解冻账户", "刷流水", "提高额度"),
        (1_000, 50_000),
    ),
}

# Address endings by grid kind, appended to the grid's own place (estate, village group,
# building or market), itself after district, street and community.
ESTATE_SUFFIXES = ["小区", "家园", "花园", "苑", "新村", "公寓"]
_BUILDINGS = [f"{b}号楼{u}单元" for b in range(1, 13) for u in range(1, 5)]
_HOUSES = [f"{h}号" for h in range(1, 121)]
_FLOORS = [f"{f}层" for f in range(1, 21)] + [f"{s}号商铺" for s in range(1, 21)]
ADDRESS_ENDINGS: dict[str, list[str]] = {
    "urban": _BUILDINGS,
    "rural": _HOUSES,
    "dedicated": _FLOORS,
}

# Notes of the events, by action (resolved: by result; closed: by the resident's rating).
# Routine steps carry no note: the action says it all.
NOTES: dict[str, str] = {
    "reported": "",
    "assigned": "",
    "accepted": "",
    "returned": "非本级职责，申请退回",
    "reassigned": "核实后重新交办",
    "urged": "催办：即将超期，请加快办理",
    "escalated": "超出本级处置能力，提级办理",
    "supervised": "督办：已超期，请限时办结",
    "reopened": "群众回访不满意，重新办理",
}
RESOLVED_NOTES: dict[str, str] = {
    "resolved": "已办结：问题已解决",
    "unresolved": "已办结：经调解未达成一致，已告知其他解决途径",
    "withdrawn": "当事人撤回诉求",
}
FEEDBACK_NOTES: dict[str, str] = {
    "satisfied": "回访：满意",
    "basically_satisfied": "回访：基本满意",
    "dissatisfied": "回访：不满意",
    "unreachable": "回访：多次联系未接通",
}


def description_variants(subcategory: str, count: int, rng: np.random.Generator) -> list[str]:
    """`count` filled-in descriptions of a subcategory (without the source's opening)."""
    templates, phrases, (low, high) = DESCRIPTIONS[subcategory]
    t = rng.integers(0, len(templates), count)
    a = rng.integers(0, len(phrases), count)
    n = rng.integers(low, high + 1, count)
    return [
        templates[i].format(a=phrases[j], n=f"{k:,}" if k >= 10_000 else k)
        for i, j, k in zip(t, a, n, strict=True)
    ]

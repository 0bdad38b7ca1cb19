"""The demo's names: the district and sub-districts, neighborhoods, roads, people's names, offices, line
departments, premises and the article's named organisations."""

from __future__ import annotations

from fangkong.core.choices import Domain
from fangkong.registry.choices import (
    DepartmentKind,
    OrganizationKind,
    PremisesKind,
)

# --- names ------------------------------------------------------------------------------------------------

DISTRICT = ("虹口区", "310109")
SUBDISTRICTS = [
    ("江湾镇街道", "JW"),
    ("广中路街道", "GZ"),
    ("欧阳路街道", "OY"),
    ("曲阳路街道", "QY"),
    ("凉城新村街道", "LC"),
    ("四川北路街道", "SC"),
    ("北外滩街道", "BW"),
    ("嘉兴路街道", "JX"),
]
NEIGHBORHOODS = (
    "安汾 新南二 新南一 虹教 公安街 万安 丰镇一 丰镇二 奎照 车站 学府 纪念路 沽源 逸仙 场中 汶水 水电 "
    "广灵 塘沽 新市 恒业 体育会 飞虹 东体 花园城 江湾 西江湾 新沪 中山 场中二 沽源二 汶水二 万安二 奎照二"
).split()
HOOD_SYLLABLES = (
    "东 西 南 北 新 丰 虹 江 广 凉 欧 曲 嘉 明 华 兴 安 康 和 平 乐 福 秀 春 景 泰 云 阳 林 城".split()
)
ROADS = (
    "万安路 沽源路 汶水东路 纪念路 丰镇路 奎照路 水电路 场中路 广纪路 车站南路 西江湾路 逸仙路 学府街 公安街 "
    "新市南路 东体育会路 花园路 广灵四路"
).split()
COMPOUND_SUFFIXES = ("新村", "小区", "苑", "公寓", "花园", "大楼")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤施奚"
)
GIVEN_M = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国文东升彬盛灏"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪梅莉婷慧颖洁佳倩岚琴云莲雯瑜华美"

OFFICES = [
    ("社区党建办", [Domain.PAIRING]),
    ("社区发展办", [Domain.REGISTRY]),
    ("社区平安办", [Domain.RETURNEES]),
    ("社区服务办", [Domain.MASKS]),
    ("社区管理办", [Domain.REGISTRY, Domain.MASKS]),
    ("社区自治办", [Domain.REGISTRY]),
]
# (name, kind, how many of the sub-district's 100 cadres it sends)
DEPARTMENTS = [
    ("区教育局", DepartmentKind.EDUCATION, 34),
    ("区市场监管局", DepartmentKind.MARKET_REGULATION, 12),
    ("江湾城管中队", DepartmentKind.CITY_MANAGEMENT, 8),
    ("区卫健委", DepartmentKind.HEALTH, 10),
    ("区公安分局", DepartmentKind.PUBLIC_SECURITY, 6),
    ("区民政局", DepartmentKind.CIVIL_AFFAIRS, 8),
    ("区司法局", DepartmentKind.OTHER, 5),
    ("区总工会", DepartmentKind.OTHER, 5),
    ("区发展改革委", DepartmentKind.OTHER, 4),
    ("区财政局", DepartmentKind.OTHER, 4),
    ("团区委", DepartmentKind.OTHER, 4),
]
NAMED_CADRES = {"区市场监管局": ["袁国盛"], "江湾城管中队": ["奚文灏"]}
PREMISES = [
    ("中图蓝桥", PremisesKind.OFFICE_TOWER),
    ("元和投资大厦", PremisesKind.OFFICE_TOWER),
    ("万安商务楼", PremisesKind.OFFICE_TOWER),
    ("江湾国际大厦", PremisesKind.OFFICE_TOWER),
    ("纪念路科技楼", PremisesKind.OFFICE_TOWER),
    ("沽源大厦", PremisesKind.OFFICE_TOWER),
    ("虹丰商务中心", PremisesKind.OFFICE_TOWER),
    ("学府大楼", PremisesKind.OFFICE_TOWER),
    ("联合数字", PremisesKind.BUSINESS_PARK),
    ("1876老站创意园区", PremisesKind.BUSINESS_PARK),
    ("江湾文化创意园", PremisesKind.BUSINESS_PARK),
    ("汶水科技园", PremisesKind.BUSINESS_PARK),
    ("场中智慧园", PremisesKind.BUSINESS_PARK),
    ("丰镇产业园", PremisesKind.BUSINESS_PARK),
    ("万安路北沿街商铺", PremisesKind.STREET_SHOPS),
    ("万安路南沿街商铺", PremisesKind.STREET_SHOPS),
    ("沽源路沿街商铺", PremisesKind.STREET_SHOPS),
    ("汶水东路沿街商铺", PremisesKind.STREET_SHOPS),
    ("纪念路沿街商铺", PremisesKind.STREET_SHOPS),
    ("奎照路沿街商铺", PremisesKind.STREET_SHOPS),
    ("车站南路沿街商铺", PremisesKind.STREET_SHOPS),
    ("江湾农贸市场", PremisesKind.MARKET),
]
# Named organisations from the article and its kind: (name, kind, industry, registration prefix).
NAMED_ORGS = [
    ("上海银康老年公寓", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("上海粤海大酒店", OrganizationKind.HOTEL, "住宿", "91"),
    ("上海银建出租汽车有限公司", OrganizationKind.ENTERPRISE, "道路运输", "91"),
    ("上海铁岳有限公司", OrganizationKind.ENTERPRISE, "商务服务", "91"),
    ("上海新文创地产投资管理有限公司", OrganizationKind.ENTERPRISE, "房地产", "91"),
    ("市北燃气公司", OrganizationKind.PARTNER_UNIT, "燃气供应", "91"),
    ("市北供电江湾营业所", OrganizationKind.PARTNER_UNIT, "电力供应", "91"),
    ("城投水务江湾营业所", OrganizationKind.PARTNER_UNIT, "自来水供应", "91"),
    ("江湾电梯维保站", OrganizationKind.PARTNER_UNIT, "设备维修", "91"),
    ("江湾市场监督管理所", OrganizationKind.PUBLIC, "市场监管", "11"),
    ("江湾镇街道社区卫生服务中心", OrganizationKind.PUBLIC, "卫生", "12"),
    ("江湾敬老院", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("丰镇长者照护之家", OrganizationKind.ELDERLY_HOME, "养老服务", "52"),
    ("江湾宾馆", OrganizationKind.HOTEL, "住宿", "91"),
    ("万安商务酒店", OrganizationKind.HOTEL, "住宿", "91"),
    ("沽源快捷酒店", OrganizationKind.HOTEL, "住宿", "91"),
]
ORG_WORDS_A = "江湾 万安 虹丰 新汇 沪北 联创 永昌 恒瑞 嘉禾 盛达 宏图 金桥 华亿 天合 瑞丰 鼎信 博远 中图 汇通 立新".split()
ORG_WORDS_B = (
    "科技 贸易 实业 文化 信息 物流 餐饮 建设 商务 传媒 咨询 电子 服饰 食品 印务 设计 教育 健康".split()
)
ORG_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "工作室", "商行")
INDUSTRIES = (
    "批发零售 信息技术 商务服务 餐饮 建筑装饰 文化创意 物业管理 教育培训 科技研发 广告传媒 物流运输".split()
)
SOCIAL_FORMS = ("社工服务社", "志愿者协会", "文化促进会", "养老服务中心", "青少年服务中心", "调解工作室")
VOLUNTEER_SKILLS = ("测温", "登记", "消毒", "送菜上门", "心理疏导", "驾驶", "外语", "信息录入")
AVAILABILITY = ("工作日白天", "工作日晚上", "周末", "全天")
ID_REGIONS = (
    ["310109"] * 12
    + ["310101", "310104", "310105", "310106", "310107", "310110", "310112", "310113", "310115"]
    + ["320102", "330102", "340102", "420102", "510104", "410102", "370102"]
)

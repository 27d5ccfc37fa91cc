"""The three data sets. Each function drives a ``Builder``; see the package docstring for
what each contains."""

from __future__ import annotations

from datetime import date

from zhtj_tui.demo.build import Builder, OrgRef, Profile, cohort_window
from zhtj_tui.demo.people import age_birth_window

UNIVERSITY = "石河子大学"
HIGH_SCHOOLS = ("石河子第一中学", "乌鲁木齐市第一中学", "昌吉州第一中学", "郑州市第一中学", "成都七中",
                "洛阳市第一高级中学", "库尔勒市第二中学", "兰州一中", "西安中学", "奎屯市第一高级中学")


def academic_year(today: date) -> int:
    """The newest cohort: this year's from September, last year's before."""
    return today.year if today.month >= 9 else today.year - 1


def undergrad(cohort: int) -> Profile:
    return Profile(cohort_window(cohort, 18), 14, 16, ("11",), (1.0,), 0.03, 0.005, HIGH_SCHOOLS)


# -- small -------------------------------------------------------------------------------
#: Members of an ordinary class branch at small scale.
SMALL_CLASS = 36
DEMO_PASSWORD = "demo2026zhtj"


def small(b: Builder, today: date) -> dict:
    """石河子大学团委, 4 colleges, 30 class branches, 1,010 members and the planted defects."""
    y = academic_year(today)
    top = b.org(None, "02", f"{UNIVERSITY}团委", f"共青团{UNIVERSITY}委员会", industry="03",
                staffing=(4, 3, 2, 2), phone="0993-2058888", email="tuanwei@example.edu.cn", created_days_ago=60)
    b.committee_people(top, None, login=True)
    colleges = [
        # (short name, category, majors: (major, cohorts back from y, classes))
        ("信息科学与技术学院团委", "02", [("计算机专业", 4, 2), ("软件工程专业", 2, 2)]),
        ("师范学院团委", "02", [("汉语言文学专业", 4, 2), ("数学专业", 2, 1)]),
        ("医学院团委", "02", [("临床医学专业", 4, 2)]),
        ("马克思主义学院团总支", "04", []),
    ]
    defects = {
        "no_branches": "马克思主义学院团总支",
        "no_secretary": f"计算机专业{y}级2班团支部",
        "no_admin": f"临床医学专业{y}级2班团支部",
        "over_age": f"汉语言文学专业{y - 3}级1班团支部",
        "few_members": f"数学专业{y}级1班团支部",
    }
    for college_name, category, majors in colleges:
        unit = college_name.removesuffix("团委").removesuffix("团总支")
        college = b.org(top, category, college_name, f"共青团{UNIVERSITY}{unit}委员会", industry="03",
                         staffing=(2, 1, 1, 1), created_days_ago=50)
        b.committee_people(college, top, login=True)
        for major, years, classes in majors:
            for cohort in range(y - years + 1, y + 1):
                for k in range(1, classes + 1):
                    name = f"{major}{cohort}级{k}班团支部"
                    fresh = name == defects["no_admin"]
                    branch = b.org(college, "05", name, f"{UNIVERSITY}{unit}{name}", industry="03",
                                   has_secretary=name != defects["no_secretary"], filled=not fresh,
                                   created_days_ago=12 if cohort == y else 40)
                    if fresh:
                        b.open_code(branch, college)
                        continue
                    n = 2 if name == defects["few_members"] else SMALL_CLASS
                    b.members(branch, college, n, undergrad(cohort), secretary=name != defects["no_secretary"],
                              login=name == f"计算机专业{y - 3}级1班团支部",
                              over_age=1 if name == defects["over_age"] else 0)
    seed_tasks(b, top, y)
    return defects


def seed_tasks(b: Builder, top: OrgRef, y: int) -> None:
    """The seed's two deadline tasks, in the clock's academic year (R-PROG-3)."""
    b.task(top, f"{y}级团支部建立（含书记、管理员）", "cohort_branches", y, date(y, 11, 9))
    b.task(top, "全体团员信息录入", "members_entered", None, date(y, 11, 15))


# -- university --------------------------------------------------------------------------
COLLEGES = (
    "农学院", "动物科技学院", "机械电气工程学院", "水利建筑工程学院", "化学化工学院", "食品学院",
    "信息科学与技术学院", "理学院", "经济与管理学院", "政法学院", "文学艺术学院", "外国语学院",
    "师范学院", "体育学院", "医学院", "药学院", "护理学院", "生命科学学院", "马克思主义学院",
    "国际教育学院", "第一附属医院", "第二附属医院", "研究生院", "科技学院", "新疆兵团屯垦戍边研究中心",
    "绿洲生态研究院", "材料科学与工程学院", "能源与环境学院", "数学与统计学院", "物理学院",
    "土木工程学院", "艺术设计学院", "音乐学院", "新闻传播学院", "历史文化学院", "管理学院",
    "计算机学院", "电子信息学院", "人工智能学院",
)
MAJORS = (
    "农学", "园艺", "植物保护", "种子科学", "动物医学", "动物科学", "机械设计", "电气工程", "自动化",
    "水利水电", "土木工程", "建筑学", "化学工程", "应用化学", "食品科学", "生物工程", "计算机", "软件工程",
    "网络工程", "数据科学", "数学", "物理学", "统计学", "会计学", "经济学", "工商管理", "市场营销", "法学",
    "社会工作", "汉语言文学", "新闻学", "英语", "俄语", "日语", "学前教育", "小学教育", "心理学", "体育教育",
    "临床医学", "预防医学", "口腔医学", "药学", "中药学", "护理学", "生物技术", "生态学", "环境工程",
    "材料科学", "新能源", "美术学", "音乐学", "历史学", "旅游管理", "人工智能", "电子信息", "通信工程",
)
#: Branches of the big continuing-education college: the node with 2,000 children.
DISTANCE_BRANCHES = 2000


def university(b: Builder, today: date) -> dict:
    """About 3,000 organisations and 60,000 members: 39 colleges with their class
    branches, and 继续教育学院团委 with 2,000 small branches of adult learners."""
    rng = b.rng
    y = academic_year(today)
    top = b.org(None, "02", f"{UNIVERSITY}团委", f"共青团{UNIVERSITY}委员会", industry="03",
                staffing=(6, 5, 3, 3), phone="0993-2058888", email="tuanwei@example.edu.cn", created_days_ago=90)
    b.committee_people(top, None, login=True)
    for ci, college_name in enumerate(COLLEGES):
        general = ci % 7 == 6
        suffix = "团总支" if general else "团委"
        college = b.org(top, "04" if general else "02", college_name + suffix,
                        f"共青团{UNIVERSITY}{college_name}委员会", industry="03", staffing=(2, 1, 1, 1),
                        created_days_ago=80)
        b.committee_people(college, top, login=ci < 3, admin=rng.random() > 0.03)
        majors = rng.sample(MAJORS, rng.randint(2, 4))
        for major in majors:
            for cohort in range(y - 3, y + 1):
                for k in range(1, rng.randint(1, 3) + 1):
                    _class_branch(b, college, f"{major}专业{cohort}级{k}班团支部",
                                  f"{UNIVERSITY}{college_name}{major}专业{cohort}级{k}班团支部",
                                  rng.randint(25, 40), undergrad(cohort), cohort == y)
        b.checkpoint()
    distance = b.org(top, "02", "继续教育学院团委", f"共青团{UNIVERSITY}继续教育学院委员会", industry="03",
                     staffing=(2, 1, 1, 1), created_days_ago=80)
    b.committee_people(distance, top)
    adults = Profile(age_birth_window(today, 20, 27), 14, 17, ("09", "11"), (0.6, 0.4), 0.03, 0.01)
    made = 0
    for cohort in (y - 2, y - 1, y):
        for major in MAJORS:
            for k in range(1, 13):
                if made >= DISTANCE_BRANCHES:
                    break
                _class_branch(b, distance, f"函授{major}专业{cohort}级{k}班团支部",
                              f"{UNIVERSITY}继续教育学院函授{major}专业{cohort}级{k}班团支部",
                              rng.randint(10, 20), adults, cohort == y)
                made += 1
                b.checkpoint()
    seed_tasks(b, top, y)
    return {}


def _class_branch(b: Builder, parent: OrgRef, name: str, full: str, n: int, profile: Profile,
                  new: bool, industry: str = "03") -> None:
    """A branch with members; a few of the newest are still untouched (no administrator),
    and a few have no secretary yet."""
    r = b.rng.random()
    fresh = new and r < 0.08
    no_secretary = not fresh and r > 0.97
    branch = b.org(parent, "05", name, full, industry=industry, has_secretary=not no_secretary,
                   filled=not fresh, created_days_ago=12 if new else 60)
    if fresh:
        b.open_code(branch, parent)
        return
    b.members(branch, parent, n, profile, secretary=not no_secretary)


# -- province ----------------------------------------------------------------------------
PROVINCE = "河南"
CITIES = ("郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡",
          "南阳", "商丘", "信阳", "周口", "驻马店", "济源")
COUNTY_STEMS = ("城关", "东城", "西城", "南城", "北城", "新华", "建设", "解放", "人民", "和平", "红旗", "光明",
                "长青", "永安", "文峰", "卫东")
BRANDS = ("中原", "豫", "黄河", "嵩山", "伏牛", "宏达", "天瑞", "恒通", "金星", "华信", "新世纪", "瑞丰", "鑫源",
          "广源", "正大", "康达", "明珠", "长城", "东方", "华夏")
TRADES = ("机械", "纺织", "食品", "建材", "电子", "物流", "化工", "电力", "建设", "农业科技", "医药", "汽车配件")
DEPARTMENTS = ("生产一车间", "生产二车间", "生产三车间", "装配车间", "质检部", "技术部", "销售部", "物流部",
               "财务部", "行政部", "研发中心", "客服中心", "仓储部", "安全环保部", "设备部", "采购部")
#: Units of the city-centre high-tech zone: the node with 2,000 children.
ZONE_UNITS = 2000


def province(b: Builder, today: date) -> dict:
    """About 300,000 organisations and 5,000,000 members: 河南团省委 → 18 团市委 → about
    180 团区委/团县委 → schools and enterprises (团委) → their branches."""
    rng = b.rng
    y = academic_year(today)
    top = b.org(None, "01", f"{PROVINCE}团省委", f"共青团{PROVINCE}省委员会", staffing=(40, 36, 20, 18),
                phone="0371-65900000", email="tsw@example.gov.cn", created_days_ago=120)
    b.committee_people(top, None, login=True)
    high = lambda cohort: Profile(cohort_window(cohort, 15), 14, 15, ("05",), (1.0,), 0.0, 0.0)  # noqa: E731
    vocational = lambda cohort: Profile(cohort_window(cohort, 15), 14, 15, ("07",), (1.0,), 0.0, 0.0)  # noqa: E731
    workers = Profile(age_birth_window(today, 18, 27), 14, 17, ("04", "06", "08", "10"), (0.25, 0.2, 0.35, 0.2),
                      0.02, 0.04)
    for ci, city in enumerate(CITIES):
        city_org = b.org(top, "01", f"{city}团市委", f"共青团{city}市委员会", staffing=(12, 10, 6, 5),
                         phone=f"0{371 + ci}-6{ci:02d}00000", email=f"tsw{ci}@example.gov.cn", created_days_ago=110)
        b.committee_people(city_org, top, login=ci < 2)
        stems = rng.sample(COUNTY_STEMS, 10)
        counties = [(f"{city}{s}区", f"{s}团区委", None) for s in stems]
        if ci == 0:
            counties.append((f"{city}高新技术产业开发区", "高新区团工委", ZONE_UNITS))
        for county_full, county_short, zone in counties:
            county = b.org(city_org, "03" if zone else "01", county_short, f"共青团{county_full}委员会",
                           industry=None if not zone else "01", staffing=(4, 3, 2, 2), phone="0371-60000000",
                           email="tqw@example.gov.cn", created_days_ago=100)
            b.committee_people(county, city_org)
            units = zone or rng.randint(110, 190)
            for u in range(1, units + 1):
                _province_unit(b, county, county_full, u, zone is not None, y, high, vocational, workers)
                b.checkpoint()
    seed_tasks(b, top, y)
    return {}


def _province_unit(b: Builder, county: OrgRef, county_full: str, u: int, zone: bool, y: int,
                   high, vocational, workers) -> None:
    rng = b.rng
    kind = "enterprise" if zone else rng.choices(("high", "vocational", "enterprise"), (0.35, 0.15, 0.5))[0]
    if kind == "high":
        unit = f"第{u}高级中学"
        industry = "05"
    elif kind == "vocational":
        unit = f"第{u}职业中等专业学校"
        industry = "04"
    else:
        unit = f"{rng.choice(BRANDS)}{rng.choice(TRADES)}第{u}有限公司"
        industry = rng.choice(("08", "10", "10"))
    org = b.org(county, "02", f"{unit}团委", f"共青团{county_full}{unit}委员会", industry=industry,
                staffing=(1, 1, 0, 0), created_days_ago=90)
    b.committee_people(org, county, admin=rng.random() > 0.02)
    if kind == "enterprise":
        depts = rng.sample(DEPARTMENTS, 1 if zone else rng.randint(4, 12))
        for d in depts:
            _class_branch(b, org, f"{d}团支部", f"{county_full}{unit}{d}团支部", rng.randint(8, 26), workers,
                          False, industry)
        return
    profile = high if kind == "high" else vocational
    for cohort in (y - 2, y - 1, y):
        for k in range(1, rng.randint(3, 5) + 1):
            _class_branch(b, org, f"{cohort}级{k}班团支部", f"{county_full}{unit}{cohort}级{k}班团支部",
                          rng.randint(13, 28), profile(cohort), cohort == y, industry)


SCALES = {"small": small, "university": university, "province": province}

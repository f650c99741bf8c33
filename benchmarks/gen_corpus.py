#!/usr/bin/env python3
"""Deterministic synthetic corpus in site_builder's content format (see DESIGN.md).

    python benchmarks/gen_corpus.py OUT_DIR --stories 10000 [--seed 1]

Writes OUT_DIR/site.yaml, OUT_DIR/stories/<slug>.en.md + <slug>.zh.md and
OUT_DIR/{people,orgs,places}/<id>.yaml. Entity counts scale with N (N/5 people,
N/12.5 orgs, 3N/100 places, with minimums) unless given. Entities are drawn with a
Zipf-like popularity, so at N=10,000 the most popular ones appear in thousands of
stories. The only randomness is ``random.Random(seed)``; for the same arguments
the output is byte-identical on every run.
"""
from __future__ import annotations

import argparse
import bisect
import calendar
import datetime as _dt
import json
import os
import random
import re
import shutil
import sys
import time

GENERATOR_VERSION = "1"

# --------------------------------------------------------------------------- pools

EN_WORDS = """
the province city delegation cooperation agreement memorandum signed investment trade
exchange officials visit forum industrial park logistics corridor railway freight exports
imports companies startups innovation centre technology research university students
culture tourism festival exhibition market partnership growth economy regional local
government mayor governor ministry department agency development zone platform digital
data semiconductor battery automotive manufacturing supply chain agriculture food health
medical education training youth programme network offices consulate representative
cooperation friendship sister-city anniversary meeting talks leaders discussed plans
projects funding billion million won yuan dollars percent year month week new first
second third several major key joint bilateral western southern northern eastern central
inland coastal port airport route flights direct service cargo containers warehouse
pilot zone free trade policy support services incubator accelerator venture capital fund
the of and to in for with on at by from as a an their its this that these those which
while after before during across between through under over into about more most also
further expanded strengthen promote deepen launch launched opened hosted attended said
announced agreed expected reported noted added highlighted welcomed invited organised
""".split()

EN_HEADINGS = [
    "Background", "What was agreed", "Who took part", "Why it matters", "Next steps",
    "The numbers", "Earlier contacts", "Reactions", "Trade and investment", "Timeline",
    "Context", "Key figures", "Outlook", "On the ground", "The partners",
]

ZH_WORDS = """
合作 交流 发展 经济 贸易 投资 企业 项目 协议 签署 备忘录 代表团 访问 论坛 会议 会谈
双方 地区 城市 政府 省长 市长 知事 部门 机构 开发区 园区 物流 通道 铁路 货运 出口 进口
创新 中心 科技 研究 大学 学生 文化 旅游 节日 展览 市场 伙伴 增长 区域 地方 数字 数据
半导体 电池 汽车 制造 供应链 农业 食品 健康 医疗 教育 培训 青年 计划 网络 办事处 领事馆
友好 城市 周年 会见 讨论 规划 资金 亿元 万元 百分之 今年 去年 首次 进一步 扩大 加强
推动 深化 启动 举办 出席 表示 宣布 同意 预计 报道 指出 欢迎 邀请 组织 西部 内陆 港口
机场 航线 直航 服务 货物 集装箱 仓库 试点 自贸区 政策 支持 孵化器 加速器 风险 基金 平台
共同 积极 全面 持续 重要 务实 互利 共赢 长期 稳定 高质量 新兴 产业 人才 成果 机会 领域
""".split()

ZH_HEADINGS = [
    "背景", "合作内容", "参与方", "意义", "下一步", "数据", "此前的交流", "各方反应",
    "贸易与投资", "时间线", "相关情况", "主要人物", "展望", "现场", "合作伙伴",
]

KO_SURNAMES = [("Kim", "金"), ("Lee", "李"), ("Park", "朴"), ("Choi", "崔"), ("Jung", "郑"),
               ("Kang", "姜"), ("Cho", "赵"), ("Yoon", "尹"), ("Jang", "张"), ("Lim", "林"),
               ("Han", "韩"), ("Oh", "吴"), ("Seo", "徐"), ("Shin", "申"), ("Kwon", "权"),
               ("Hwang", "黄"), ("Ahn", "安"), ("Song", "宋"), ("Yoo", "柳"), ("Hong", "洪")]
KO_GIVEN = [("min", "敏"), ("jun", "俊"), ("seo", "瑞"), ("ji", "智"), ("hyun", "贤"),
            ("woo", "宇"), ("young", "英"), ("soo", "秀"), ("jae", "在"), ("sung", "成"),
            ("hee", "熙"), ("eun", "恩"), ("dong", "东"), ("ho", "浩"), ("jin", "珍"),
            ("kyung", "京"), ("tae", "泰"), ("hye", "惠"), ("chul", "哲"), ("sang", "相")]
ZH_SURNAMES = [("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"),
               ("Yang", "杨"), ("Huang", "黄"), ("Zhao", "赵"), ("Wu", "吴"), ("Zhou", "周"),
               ("Xu", "徐"), ("Sun", "孙"), ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"),
               ("Guo", "郭"), ("He", "何"), ("Lin", "林"), ("Luo", "罗"), ("Tang", "唐")]
ZH_GIVEN = [("wei", "伟"), ("fang", "芳"), ("min", "敏"), ("jing", "静"), ("li", "丽"),
            ("qiang", "强"), ("lei", "磊"), ("jun", "军"), ("yang", "洋"), ("yong", "勇"),
            ("jie", "杰"), ("tao", "涛"), ("ming", "明"), ("chao", "超"), ("xiu", "秀"),
            ("hua", "华"), ("ping", "平"), ("gang", "刚"), ("hui", "辉"), ("bin", "斌")]

CN_SYL = [("Long", "龙"), ("Quan", "泉"), ("Shan", "山"), ("He", "河"), ("Jiang", "江"),
          ("Yang", "阳"), ("An", "安"), ("Ping", "平"), ("Xin", "新"), ("Hua", "华"),
          ("Dong", "东"), ("Nan", "南"), ("Xi", "西"), ("Bei", "北"), ("Jin", "金"),
          ("Shui", "水"), ("Yun", "云"), ("Tian", "天"), ("Feng", "丰"), ("Kai", "开"),
          ("Bai", "白"), ("Qing", "青"), ("Lin", "林"), ("Shi", "石"), ("Gu", "古")]
KO_SYL = [("Gim", "金"), ("cheon", "川"), ("Su", "水"), ("won", "原"), ("Yong", "龙"),
          ("In", "仁"), ("Pyeong", "平"), ("taek", "泽"), ("An", "安"), ("san", "山"),
          ("Gwang", "光"), ("ju", "州"), ("Chang", "昌"), ("seong", "城"), ("Nam", "南"),
          ("Bu", "富"), ("Hwa", "华"), ("po", "浦"), ("Dong", "东"), ("yang", "阳")]

COUNTRIES = [("south-korea", "South Korea", "韩国", "ko"), ("china", "China", "中国", "cn"),
             ("japan", "Japan", "日本", "cn"), ("vietnam", "Vietnam", "越南", "cn")]
PROVINCES = {
    "south-korea": [("gyeonggi", "Gyeonggi", "京畿道", "province"),
                    ("gangwon", "Gangwon", "江原道", "province"),
                    ("north-chungcheong", "North Chungcheong", "忠清北道", "province"),
                    ("south-chungcheong", "South Chungcheong", "忠清南道", "province"),
                    ("north-gyeongsang", "North Gyeongsang", "庆尚北道", "province"),
                    ("south-gyeongsang", "South Gyeongsang", "庆尚南道", "province"),
                    ("north-jeolla", "North Jeolla", "全罗北道", "province"),
                    ("south-jeolla", "South Jeolla", "全罗南道", "province"),
                    ("jeju", "Jeju", "济州", "province"),
                    ("seoul", "Seoul", "首尔", "municipality"),
                    ("busan", "Busan", "釜山", "municipality"),
                    ("incheon", "Incheon", "仁川", "municipality"),
                    ("daegu", "Daegu", "大邱", "municipality"),
                    ("daejeon", "Daejeon", "大田", "municipality")],
    "china": [("chongqing", "Chongqing", "重庆", "municipality"),
              ("sichuan", "Sichuan", "四川", "province"),
              ("shaanxi", "Shaanxi", "陕西", "province"),
              ("yunnan", "Yunnan", "云南", "province"),
              ("guizhou", "Guizhou", "贵州", "province"),
              ("gansu", "Gansu", "甘肃", "province"),
              ("qinghai", "Qinghai", "青海", "province"),
              ("ningxia", "Ningxia", "宁夏", "province"),
              ("guangxi", "Guangxi", "广西", "province"),
              ("xinjiang", "Xinjiang", "新疆", "province"),
              ("beijing", "Beijing", "北京", "municipality"),
              ("shanghai", "Shanghai", "上海", "municipality"),
              ("tianjin", "Tianjin", "天津", "municipality")],
}

DEPTS = [("Commerce", "商务"), ("Foreign Affairs", "外事"), ("Science and Technology", "科技"),
         ("Culture and Tourism", "文化旅游"), ("Education", "教育"), ("Industry", "工业"),
         ("Agriculture", "农业"), ("Transport", "交通"), ("Health", "卫生"),
         ("Investment Promotion", "投资促进")]
COMPANY_WORDS = [("Hanbit", "韩光"), ("Daesung", "大成"), ("Xinghe", "星河"), ("Tianfu", "天府"),
                 ("Samjin", "三进"), ("Changjiang", "长江"), ("Mirae", "未来"), ("Bashu", "巴蜀"),
                 ("Seorak", "雪岳"), ("Jialing", "嘉陵"), ("Nuri", "努里"), ("Huayu", "华宇")]
COMPANY_SUFFIX = [("Electronics", "电子"), ("Logistics", "物流"), ("Motors", "汽车"),
                  ("Bio", "生物"), ("Semiconductor", "半导体"), ("Foods", "食品"),
                  ("Energy", "能源"), ("Holdings", "控股"), ("Systems", "系统")]
ORG_KINDS = ["government", "department", "agency", "company", "association", "media",
             "mission", "zone", "programme", "other"]
ORG_KIND_WEIGHTS = [8, 14, 10, 26, 8, 6, 5, 8, 9, 6]

ROLE_TITLES = [("Governor", "知事"), ("Mayor", "市长"), ("Director", "主任"),
               ("Chairman", "董事长"), ("Chief Executive", "首席执行官"),
               ("Consul General", "总领事"), ("Vice Governor", "副知事"),
               ("Party Secretary", "党委书记"), ("President", "社长"),
               ("Deputy Director", "副主任"), ("Head of Division", "处长"),
               ("Researcher", None), ("Spokesperson", "发言人"), ("Ambassador", "大使")]

TAGS = [("trade", "Trade", "贸易"), ("investment", "Investment", "投资"),
        ("innovation", "Innovation", "创新"), ("big-data", "Big data", "大数据"),
        ("logistics", "Logistics", "物流"), ("culture", "Culture", "文化"),
        ("tourism", "Tourism", "旅游"), ("education", "Education", "教育"),
        ("health", "Health", "医疗卫生"), ("manufacturing", "Manufacturing", "制造业"),
        ("agriculture", "Agriculture", "农业"), ("diplomacy", "Diplomacy", "外交"),
        ("energy", "Energy", "能源"), ("semiconductors", "Semiconductors", "半导体"),
        ("automotive", "Automotive", None), ("youth-exchange", None, None)]

PUBLISHERS = ["iChongqing", "Yonhap News Agency", "The Korea Herald", "China Daily",
              "Chongqing Daily", "Busan Ilbo", "Gyeonggi Provincial Government",
              "Xinhua", "Sichuan Daily", "The Korea Times", "Global Times",
              "Korea JoongAng Daily", "Chengdu Economic Daily", "KOTRA"]

HEADLINE_VERBS = [("sign", "signs"), ("launch", "launches"), ("open", "opens"),
                  ("discuss", "discusses"), ("expand", "expands"), ("celebrate", "celebrates"),
                  ("host", "hosts"), ("agree on", "agrees on"), ("review", "reviews"),
                  ("promote", "promotes")]
HEADLINE_OBJECTS = ["cooperation pact", "trade corridor", "innovation centre",
                    "investment forum", "youth exchange", "logistics route",
                    "culture festival", "data partnership", "trade fair", "joint fund"]
ZH_HEADLINE_OBJECTS = ["合作协议", "贸易通道", "创新中心", "投资论坛", "青年交流",
                       "物流线路", "文化节", "数据合作", "博览会", "联合基金"]
ZH_HEADLINE_VERBS = ["签署", "启动", "开设", "商讨", "扩大", "庆祝", "举办", "商定", "回顾", "推动"]

YEAR_MIN, YEAR_MAX = 2012, 2025

# --------------------------------------------------------------------------- YAML output

_PLAIN_OK = re.compile(r"^[A-Za-z\u3400-\u9fff][^:#\[\]{},\"'&*!|>%@`\n]*$")
_RESERVED = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def ys(s: str) -> str:
    """A YAML scalar for a string: plain when unambiguous, JSON-quoted otherwise."""
    if _PLAIN_OK.match(s) and not s.endswith(" ") and s.lower() not in _RESERVED:
        return s
    return json.dumps(s, ensure_ascii=False)


def ytext(t) -> str:
    """A translatable text: plain string or {en: …, zh: …} flow map."""
    if isinstance(t, str):
        return ys(t)
    return "{" + ", ".join(f"{k}: {ys(v)}" for k, v in t.items()) + "}"


def yids(ids) -> str:
    return "[" + ", ".join(ids) + "]"


# --------------------------------------------------------------------------- helpers


def slugify(s: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return re.sub(r"-{2,}", "-", s)


class Ids:
    """Unique ids across people, orgs and places."""

    def __init__(self):
        self.used = set()

    def take(self, base: str) -> str:
        base = slugify(base) or "x"
        if base not in self.used:
            self.used.add(base)
            return base
        i = 2
        while f"{base}-{i}" in self.used:
            i += 1
        self.used.add(f"{base}-{i}")
        return f"{base}-{i}"


class Zipf:
    """Draw items with probability ~ 1/rank**s (rank order shuffled once)."""

    def __init__(self, rng: random.Random, items, s=1.0):
        self.items = list(items)
        rng.shuffle(self.items)
        cum, t = [], 0.0
        for r in range(len(self.items)):
            t += 1.0 / (r + 1) ** s
            cum.append(t)
        self.cum = cum
        self.total = t

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.total)]

    def sample(self, rng: random.Random, k: int):
        """k distinct items, popular ones more likely."""
        k = min(k, len(self.items))
        out, seen, tries = [], set(), 0
        while len(out) < k and tries < k * 20:
            tries += 1
            x = self.items[bisect.bisect_left(self.cum, rng.random() * self.total)]
            if x not in seen:
                seen.add(x)
                out.append(x)
        return out


def partial_date(rng: random.Random, y: int, m: int | None = None, d: int | None = None,
                 precision: str | None = None):
    """Return (text, precision) where text is YYYY, YYYY-MM or YYYY-MM-DD."""
    precision = precision or rng.choices(["y", "m", "d"], [15, 30, 55])[0]
    m = m or rng.randint(1, 12)
    if precision == "y":
        return f"{y:04d}", precision
    if precision == "m":
        return f"{y:04d}-{m:02d}", precision
    d = d or rng.randint(1, calendar.monthrange(y, m)[1])
    return f"{y:04d}-{m:02d}-{d:02d}", precision


def later_date(rng: random.Random, text: str, precision: str):
    """A date of the same precision strictly after ``text``."""
    parts = [int(p) for p in text.split("-")]
    if precision == "y":
        return f"{parts[0] + rng.randint(1, 4):04d}"
    if precision == "m":
        y, m = parts[0], parts[1] + rng.randint(1, 14)
        y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
        return f"{y:04d}-{m:02d}"
    day = _dt.date(*parts) + _dt.timedelta(days=rng.randint(1, 60))
    return day.isoformat()


# --------------------------------------------------------------------------- generator


class Corpus:
    def __init__(self, n_stories: int, seed: int, people: int | None = None,
                 orgs: int | None = None, places: int | None = None,
                 untranslated: float = 0.0, drafts: float = 0.005):
        self.n = n_stories
        self.seed = seed
        self.rng = random.Random(seed)
        self.n_people = people if people is not None else max(12, round(n_stories / 5))
        self.n_orgs = orgs if orgs is not None else max(10, round(n_stories / 12.5))
        self.n_places = places if places is not None else max(8, round(n_stories * 3 / 100))
        self.untranslated = untranslated
        self.drafts = drafts
        self.ids = Ids()
        self.places = []  # dicts with id, name, kind, parent, summary, level, flavour
        self.orgs = []
        self.people = []
        self.names = {}  # id -> (en, zh or None)

    # ---------------------------------------------------------------- text pools
    def build_pools(self):
        rng = self.rng
        en = []
        for _ in range(3000):
            words = rng.choices(EN_WORDS, k=rng.randint(8, 20))
            words[0] = words[0].capitalize()
            if rng.random() < 0.35:
                i = rng.randrange(2, len(words) - 1)
                words[i] += ","
            if rng.random() < 0.08:
                i = rng.randrange(len(words))
                words[i] = f"**{words[i].rstrip(',')}**"
            elif rng.random() < 0.08:
                i = rng.randrange(len(words))
                words[i] = f"*{words[i].rstrip(',')}*"
            en.append(" ".join(words) + ".")
        zh = []
        for _ in range(3000):
            words = rng.choices(ZH_WORDS, k=rng.randint(6, 16))
            if len(words) > 8:
                words.insert(rng.randrange(3, len(words) - 2), "，")
            if rng.random() < 0.06:
                i = rng.randrange(len(words))
                if words[i] != "，":
                    words[i] = f"**{words[i]}**"
            zh.append("".join(words) + "。")
        self.en_sent = en
        self.zh_sent = zh

    # ---------------------------------------------------------------- entities
    def gen_places(self):
        rng = self.rng
        n = self.n_places
        out = []
        for cid, en, zh, fl in COUNTRIES[: max(2, min(4, n // 20 + 2))]:
            out.append(dict(id=self.ids.take(cid), name={"en": en, "zh": zh}, kind="country",
                             parent=None, level=0, flavour=fl))
        for country in list(out):
            for pid, en, zh, kind in PROVINCES.get(country["id"], []):
                if len(out) >= max(n // 4, 6) and pid not in ("gyeonggi", "chongqing",
                                                               "sichuan", "busan"):
                    continue
                out.append(dict(id=self.ids.take(pid), name={"en": en, "zh": zh}, kind=kind,
                                parent=country["id"], level=1, flavour=country["flavour"]))
        level_kinds = {2: ["city", "city", "county", "district"],
                       3: ["district", "district", "county", "site"],
                       4: ["site", "site", "other"]}
        while len(out) < n:
            parent = rng.choice([p for p in out[: len(out)] if p["level"] < 4 and
                                 (p["level"] > 0 or rng.random() < 0.1)] or out)
            level = parent["level"] + 1 if parent["level"] > 0 else 1
            kind = rng.choice(level_kinds.get(level, ["city"]))
            syl = KO_SYL if parent["flavour"] == "ko" else CN_SYL
            a, b = rng.sample(syl, 2)
            en = (a[0].capitalize() + b[0].lower())
            zhn = a[1] + b[1]
            suffix = {"city": ("", "市"), "county": (" County", "县"),
                      "district": (" District", "区"), "site": (" Park", "园"),
                      "other": (" Area", "片区"), "province": ("", "省")}[kind]
            en += suffix[0]
            zhn += suffix[1]
            name = {"en": en, "zh": zhn} if rng.random() < 0.85 else {"en": en}
            out.append(dict(id=self.ids.take(en), name=name, kind=kind, parent=parent["id"],
                            level=level, flavour=parent["flavour"]))
        names = {p["id"]: p["name"]["en"] for p in out}
        for p in out:
            r = rng.random()
            if r < 0.4:
                parent = names[p["parent"]] if p["parent"] else "Asia"
                p["summary"] = {"en": f"{p['name']['en']} is a {p['kind']} in {parent}.",
                                "zh": self.plain(rng.choice(self.zh_sent))}
            elif r < 0.6:
                p["summary"] = self.plain(rng.choice(self.en_sent))
            self.names[p["id"]] = (p["name"]["en"], p["name"].get("zh"))
        self.places = out

    @staticmethod
    def plain(s):
        return s.replace("*", "")

    def gen_orgs(self):
        rng = self.rng
        places = self.places
        place_zipf = Zipf(rng, [p["id"] for p in places], 0.9)
        out = []
        for i in range(self.n_orgs):
            kind = rng.choices(ORG_KINDS, ORG_KIND_WEIGHTS)[0]
            pid = place_zipf.pick(rng)
            pen, pzh = self.names[pid]
            pzh = pzh or pen
            short = None
            if kind == "government":
                en, zh = f"{pen} Government", f"{pzh}政府"
            elif kind == "department":
                d = rng.choice(DEPTS)
                en, zh = f"{pen} Bureau of {d[0]}", f"{pzh}{d[1]}局"
                short = "".join(w[0] for w in d[0].split() if w[0].isupper()) + "B"
            elif kind == "agency":
                d = rng.choice(DEPTS)
                en, zh = f"{pen} {d[0]} Agency", f"{pzh}{d[1]}振兴院"
            elif kind == "company":
                w, s = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_SUFFIX)
                en, zh = f"{w[0]} {s[0]}", f"{w[1]}{s[1]}"
                short = None if rng.random() < 0.7 else (w[0][:2] + s[0][:1]).upper()
            elif kind == "association":
                d = rng.choice(DEPTS)
                en, zh = f"{pen} {d[0]} Association", f"{pzh}{d[1]}协会"
            elif kind == "media":
                en, zh = f"{pen} {rng.choice(['Daily', 'News', 'Broadcasting'])}", f"{pzh}日报"
            elif kind == "mission":
                en = f"Consulate General of the Republic of Korea in {pen}"
                zh = f"大韩民国驻{pzh}总领事馆"
                short = "ROK CG " + pen
            elif kind == "zone":
                z = rng.choice([("Hi-tech Zone", "高新区"), ("Free Trade Zone", "自贸区"),
                                ("Economic Development Zone", "经开区"), ("Science Park", "科学园")])
                en, zh = f"{pen} {z[0]}", f"{pzh}{z[1]}"
            elif kind == "programme":
                other = self.names[place_zipf.pick(rng)]
                p = rng.choice([("Corridor", "通道"), ("Fair", "博览会"), ("Initiative", "倡议")])
                en, zh = f"{pen}–{other[0]} {p[0]}", f"{pzh}—{other[1] or other[0]}{p[1]}"
            else:
                en, zh = f"{pen} Cooperation Office {i}", f"{pzh}合作办公室"
            oid = self.ids.take(en if len(en) < 40 else (short or en[:40]))
            org = dict(id=oid, name={"en": en, "zh": zh} if rng.random() < 0.8 else {"en": en},
                       kind=kind)
            if short:
                org["short"] = short
            if out and rng.random() < 0.3:
                # parent among earlier orgs: acyclic by construction
                prefer = [o for o in out[-200:] if o["kind"] == "government"]
                org["parent"] = (rng.choice(prefer) if prefer and kind == "department"
                                 else rng.choice(out))["id"]
            if rng.random() < 0.85:
                org["place"] = pid
            r = rng.random()
            if r < 0.5:
                org["summary"] = {"en": self.plain(rng.choice(self.en_sent)),
                                  "zh": self.plain(rng.choice(self.zh_sent))}
            elif r < 0.8:
                org["summary"] = self.plain(rng.choice(self.en_sent))
            if rng.random() < 0.5:
                org["url"] = f"https://{oid}.example.org/"
            self.names[oid] = (org["name"]["en"], org["name"].get("zh"))
            out.append(org)
        self.orgs = out

    def gen_people(self):
        rng = self.rng
        org_zipf = Zipf(rng, [o["id"] for o in self.orgs], 0.8)
        out = []
        for _ in range(self.n_people):
            korean = rng.random() < 0.5
            if korean:
                sur = rng.choice(KO_SURNAMES)
                g1, g2 = rng.sample(KO_GIVEN, 2)
                en = f"{sur[0]} {g1[0].capitalize()}-{g2[0]}"
                zh = sur[1] + g1[1] + g2[1] if rng.random() < 0.6 else None
            else:
                sur = rng.choice(ZH_SURNAMES)
                given = rng.sample(ZH_GIVEN, rng.choice([1, 2, 2]))
                en = f"{sur[0]} " + "".join(g[0] for g in given).capitalize()
                zh = sur[1] + "".join(g[1] for g in given)
            pid = self.ids.take(en)
            person = dict(id=pid, name={"en": en, "zh": zh} if zh else {"en": en})
            r = rng.random()
            if r < 0.5:
                person["summary"] = {"en": self.plain(rng.choice(self.en_sent)),
                                     "zh": self.plain(rng.choice(self.zh_sent))}
            elif r < 0.75:
                person["summary"] = {"en": self.plain(rng.choice(self.en_sent))}
            roles = []
            for _ in range(rng.choices([0, 1, 2, 3], [10, 45, 30, 15])[0]):
                t = rng.choice(ROLE_TITLES)
                role = {"title": {"en": t[0], "zh": t[1]} if t[1] else {"en": t[0]},
                        "org": org_zipf.pick(rng)}
                if rng.random() < 0.85:
                    y = rng.randint(YEAR_MIN - 8, YEAR_MAX - 1)
                    start, prec = partial_date(rng, y, precision=rng.choice("yym"))
                    role["start"] = start
                    if rng.random() < 0.6:
                        role["end"] = later_date(rng, start, prec)
                roles.append(role)
            if roles:
                person["roles"] = roles
            if rng.random() < 0.2 and roles:
                person["aliases"] = [f"{roles[0]['title']['en']} {en.split()[0]}"]
            self.names[pid] = (en, zh)
            out.append(person)
        self.people = out

    # ---------------------------------------------------------------- stories
    def link(self, eid, lang, with_text):
        if not with_text:
            return f"[[{eid}]]"
        en, zh = self.names[eid]
        text = en.split()[0] if lang == "en" else (zh or en)[:4]
        return f"[[{eid}|{text}]]"

    def body(self, lang, ents, slug):
        rng = self.rng
        sents = self.en_sent if lang == "en" else self.zh_sent
        heads = EN_HEADINGS if lang == "en" else ZH_HEADINGS
        sep = " " if lang == "en" else ""
        parts = []

        def para(k):
            ss = rng.choices(sents, k=k)
            if ents and rng.random() < 0.7:
                i = rng.randrange(len(ss))
                eid = rng.choice(ents)
                ss[i] = ss[i][:-1] + (" with " if lang == "en" else "，与") + \
                    self.link(eid, lang, rng.random() < 0.3) + ss[i][-1]
            if rng.random() < 0.25:
                i = rng.randrange(len(ss))
                label = "the report" if lang == "en" else "报道"
                ss[i] = ss[i][:-1] + f" ([{label}](https://news.example.com/{slug}/{i}))" + ss[i][-1]
            return sep.join(ss)

        parts.append(para(rng.randint(3, 4)))
        nsec = rng.randint(3, 4)
        for h in rng.sample(heads, nsec):
            parts.append("## " + h)
            parts.append(para(rng.randint(3, 5)))
            r = rng.random()
            if r < 0.35:
                items = rng.choices(sents, k=rng.randint(3, 5))
                if ents:
                    items[0] = self.link(rng.choice(ents), lang, rng.random() < 0.5) + \
                        (": " if lang == "en" else "：") + items[0]
                parts.append("\n".join("- " + it for it in items))
            elif r < 0.55:
                items = rng.choices(sents, k=rng.randint(2, 4))
                parts.append("\n".join(f"{j}. {it}" for j, it in enumerate(items, 1)))
            elif r < 0.62:
                hdr = ("| Item | Value |", "|---|---|") if lang == "en" else ("| 项目 | 数值 |", "|---|---|")
                rows = [f"| {rng.choice(EN_WORDS if lang == 'en' else ZH_WORDS)} | "
                        f"{rng.randint(1, 999)} |" for _ in range(rng.randint(2, 4))]
                parts.append("\n".join(hdr + tuple(rows)))
            elif r < 0.67:
                parts.append("> " + para(2))
            parts.append(para(rng.randint(2, 4)))
        if rng.random() < 0.1:
            parts[-1] += "[^1]"
            parts.append("[^1]: " + rng.choice(sents))
        return "\n\n".join(parts) + "\n"

    def stories(self):
        """Yield (slug, en_text, zh_text or None) in order."""
        rng = self.rng
        pz = Zipf(rng, [p["id"] for p in self.people], 1.0)
        oz = Zipf(rng, [o["id"] for o in self.orgs], 1.0)
        lz = Zipf(rng, [p["id"] for p in self.places], 1.0)
        tz = Zipf(rng, [t[0] for t in TAGS], 0.7)
        start = _dt.date(YEAR_MIN, 1, 1).toordinal()
        span = _dt.date(YEAR_MAX, 12, 31).toordinal() - start
        for i in range(self.n):
            date = _dt.date.fromordinal(start + rng.randint(0, span))
            people = pz.sample(rng, rng.choices([0, 1, 2, 3, 4, 5, 6], [8, 15, 25, 22, 15, 10, 5])[0])
            orgs = oz.sample(rng, rng.choices([1, 2, 3, 4], [30, 35, 25, 10])[0])
            places = lz.sample(rng, rng.choices([1, 2, 3], [40, 40, 20])[0])
            tags = tz.sample(rng, rng.choices([0, 1, 2, 3], [15, 40, 30, 15])[0])
            o1 = self.names[orgs[0]]
            o2 = self.names[orgs[1]] if len(orgs) > 1 else None
            pl = self.names[places[0]]
            vi = rng.randrange(len(HEADLINE_VERBS))
            ob = rng.randrange(len(HEADLINE_OBJECTS))
            title_en = (f"{o1[0]}{' and ' + o2[0] if o2 else ''} "
                        f"{HEADLINE_VERBS[vi][0 if o2 else 1]} {HEADLINE_OBJECTS[ob]} in {pl[0]}")
            title_zh = (f"{o1[1] or o1[0]}{'与' + (o2[1] or o2[0]) if o2 else ''}在"
                        f"{pl[1] or pl[0]}{ZH_HEADLINE_VERBS[vi]}{ZH_HEADLINE_OBJECTS[ob]}")
            slug = f"{date.isoformat()}-{slugify(HEADLINE_OBJECTS[ob])}-{slugify(pl[0])}-{i:05d}"
            summary_en = self.plain(" ".join(rng.choices(self.en_sent, k=rng.randint(1, 2))))
            summary_zh = self.plain("".join(rng.choices(self.zh_sent, k=rng.randint(1, 2))))
            fm = ["---", f"title: {ys(title_en)}", f"date: {date.isoformat()}",
                  f"summary: {ys(summary_en)}", "source:",
                  f"  publisher: {ys(rng.choice(PUBLISHERS))}",
                  f"  title: {ys(title_en.replace(' in ', ' meet in ', 1) if rng.random() < 0.5 else title_en + ': report')}"]
            if rng.random() < 0.8:
                fm.append(f"  url: https://news.example.com/{date.year}/{slug}")
            if rng.random() < 0.6:
                fm.append(f"  author: {ys(rng.choice(self.people)['name']['en'] if rng.random() < 0.3 else rng.choice(['Dai Yuan', 'Park Ji-won', 'Staff reporter', 'Li Ming']))}")
            if people or rng.random() < 0.5:
                fm.append(f"people: {yids(people)}")
            fm.append(f"orgs: {yids(orgs)}")
            fm.append(f"places: {yids(places)}")
            if tags:
                fm.append(f"tags: {yids(tags)}")
            nev = rng.choices([0, 1, 2, 3], [30, 35, 25, 10])[0]
            if nev:
                fm.append("events:")
                for _ in range(nev):
                    y = rng.randint(max(YEAR_MIN - 5, date.year - 5), date.year)
                    d, prec = partial_date(rng, y)
                    if d > date.isoformat():
                        d, prec = partial_date(rng, date.year, date.month, date.day, "d") \
                            if prec == "d" else partial_date(rng, date.year, date.month,
                                                             precision=prec)
                    fm.append(f"  - date: {d}")
                    if rng.random() < 0.2:
                        fm.append(f"    end: {later_date(rng, d, prec)}")
                    eo = rng.randrange(len(HEADLINE_OBJECTS))
                    who = self.names[(people or orgs)[0]]
                    ev = rng.randrange(4)
                    t = {"en": f"{who[0]} {('attends', 'opens', 'announces', 'visits')[ev]} "
                               f"{HEADLINE_OBJECTS[eo]}",
                         "zh": f"{who[1] or who[0]}{('出席', '开幕', '宣布', '考察')[ev]}"
                               f"{ZH_HEADLINE_OBJECTS[eo]}"}
                    if rng.random() < 0.1:
                        del t["zh"]
                    fm.append(f"    title: {ytext(t)}")
                    for key, pool in (("people", people), ("orgs", orgs), ("places", places)):
                        sub = [x for x in pool if rng.random() < 0.6]
                        if sub or (key == "orgs" and rng.random() < 0.2):
                            fm.append(f"    {key}: {yids(sub)}")
            if rng.random() < self.drafts:
                fm.append("draft: true")
            elif rng.random() < 0.02:
                fm.append("draft: false")
            fm.append("---")
            ents = people + orgs + places
            en_text = "\n".join(fm) + "\n" + self.body("en", ents, slug)
            zh_text = None
            if rng.random() >= self.untranslated:
                zfm = ["---", f"title: {ys(title_zh)}"]
                if rng.random() < 0.95:
                    zfm.append(f"summary: {ys(summary_zh)}")
                zfm.append("---")
                zh_text = "\n".join(zfm) + "\n" + self.body("zh", ents, slug)
            yield slug, en_text, zh_text

    # ---------------------------------------------------------------- files
    def site_yaml(self):
        lines = ["title: {en: Korea–West China Briefing, zh: 韩国与中国西部合作简报}",
                 "tagline: {en: Sub-national cooperation between South Korea and western China, "
                 "zh: 韩国与中国西部的地方合作}",
                 "base_url: https://briefing.example.org/",
                 "languages: [en, zh]",
                 "default_language: en",
                 "tags:"]
        for tid, en, zh in TAGS:
            if en is None:
                continue
            lines.append(f"  {tid}: {ytext({'en': en, 'zh': zh} if zh else {'en': en})}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def place_yaml(p):
        lines = [f"name: {ytext(p['name'])}", f"kind: {p['kind']}"]
        if p["parent"]:
            lines.append(f"parent: {p['parent']}")
        if "summary" in p:
            lines.append(f"summary: {ytext(p['summary'])}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def org_yaml(o):
        lines = [f"name: {ytext(o['name'])}"]
        if "short" in o:
            lines.append(f"short: {ys(o['short'])}")
        lines.append(f"kind: {o['kind']}")
        for k in ("parent", "place"):
            if k in o:
                lines.append(f"{k}: {o[k]}")
        if "summary" in o:
            lines.append(f"summary: {ytext(o['summary'])}")
        if "url" in o:
            lines.append(f"url: {o['url']}")
        return "\n".join(lines) + "\n"

    @staticmethod
    def person_yaml(p):
        lines = [f"name: {ytext(p['name'])}"]
        if "summary" in p:
            lines.append(f"summary: {ytext(p['summary'])}")
        if "roles" in p:
            lines.append("roles:")
            for r in p["roles"]:
                lines.append(f"  - title: {ytext(r['title'])}")
                lines.append(f"    org: {r['org']}")
                for k in ("start", "end"):
                    if k in r:
                        lines.append(f"    {k}: {r[k]}")
        if "aliases" in p:
            lines.append("aliases: [" + ", ".join(ys(a) for a in p["aliases"]) + "]")
        return "\n".join(lines) + "\n"

    def write(self, out: str):
        self.build_pools()
        self.gen_places()
        self.gen_orgs()
        self.gen_people()
        for sub in ("stories", "people", "orgs", "places"):
            os.makedirs(os.path.join(out, sub), exist_ok=True)

        def w(path, text):
            with open(os.path.join(out, path), "w", encoding="utf-8", newline="\n") as f:
                f.write(text)

        w("site.yaml", self.site_yaml())
        for p in self.places:
            w(f"places/{p['id']}.yaml", self.place_yaml(p))
        for o in self.orgs:
            w(f"orgs/{o['id']}.yaml", self.org_yaml(o))
        for p in self.people:
            w(f"people/{p['id']}.yaml", self.person_yaml(p))
        n = 0
        for slug, en, zh in self.stories():
            w(f"stories/{slug}.en.md", en)
            if zh is not None:
                w(f"stories/{slug}.zh.md", zh)
            n += 1
        return n


def generate(out: str, stories: int, seed: int = 1, force: bool = False, **kw) -> dict:
    if os.path.exists(out) and os.listdir(out):
        if not force:
            raise SystemExit(f"{out} is not empty (use --force to replace it)")
        for sub in ("stories", "people", "orgs", "places"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
        if os.path.exists(os.path.join(out, "site.yaml")):
            os.remove(os.path.join(out, "site.yaml"))
    c = Corpus(stories, seed, **kw)
    c.write(out)
    return {"stories": stories, "people": len(c.people), "orgs": len(c.orgs),
            "places": len(c.places)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", metavar="OUT_DIR")
    ap.add_argument("--stories", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", type=int, help="default: N/5 (min 12)")
    ap.add_argument("--orgs", type=int, help="default: N/12.5 (min 10)")
    ap.add_argument("--places", type=int, help="default: 3N/100 (min 8)")
    ap.add_argument("--untranslated", type=float, default=0.0,
                    help="fraction of stories without a .zh.md (default 0)")
    ap.add_argument("--drafts", type=float, default=0.005, help="fraction of drafts")
    ap.add_argument("--force", action="store_true", help="replace an existing corpus")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    info = generate(a.out, a.stories, a.seed, a.force, people=a.people, orgs=a.orgs,
                    places=a.places, untranslated=a.untranslated, drafts=a.drafts)
    print(f"wrote {info['stories']} stories, {info['people']} people, {info['orgs']} orgs, "
          f"{info['places']} places to {a.out} in {time.perf_counter() - t0:.1f}s",
          file=sys.stderr)


if __name__ == "__main__":
    main()

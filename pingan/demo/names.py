"""Plausible, deterministic Chinese names for the demo county's places and people.

Place names combine two syllable lists the way real south-western place names do (石 + 桥,
龙 + 潭, 白 + 岩 …). Every name is drawn from a pool shuffled by the seed and popped, so no
two towns or villages in the county share a name. People's names are common surnames plus
one or two given-name characters.
"""

from __future__ import annotations

import random

# First syllables: colours, directions, animals, trees, sizes.
_PLACE_HEADS = "青石白黄红新大小东西南北上下中龙凤马牛羊杨柳松竹梅桃花金银铁云水长高平安"
# Second syllables: landforms and settlement words.
_PLACE_TAILS = "山河湾桥坪坝岩溪塘田寨堡沟岭林场坡园湖口关店庄营井渡洞滩"
# 街道 are named after the old town's quarters.
_STREET_NAMES = (
    "城东",
    "城西",
    "城南",
    "城北",
    "东门",
    "西关",
    "南关",
    "北门",
    "文昌",
    "钟鼓楼",
    "凤凰",
    "滨河",
)
# Urban 社区 take street or civic names.
_COMMUNITY_NAMES = (
    "新华",
    "人民",
    "建设",
    "和平",
    "团结",
    "胜利",
    "解放",
    "文化",
    "民主",
    "光明",
    "幸福",
    "红旗",
    "友谊",
    "朝阳",
    "桂花",
    "花园",
    "育才",
    "书院",
    "中山",
    "兴隆",
    "富民",
    "振兴",
    "长征",
    "迎宾",
    "锦绣",
    "金桥",
    "阳光",
    "滨江",
    "翠屏",
    "春晖",
    "龙井",
    "泰和",
    "丰收",
    "康宁",
    "北苑",
    "南苑",
    "东苑",
    "西苑",
    "新城",
    "老街",
    "步行街",
    "火车站",
    "汽车站",
    "体育路",
    "学府",
    "医院路",
    "仓储",
    "工业园",
    "商贸城",
    "温泉",
    "望江",
    "紫荆",
    "玉兰",
    "青年路",
    "胜景",
    "栖霞",
    "观澜",
    "清风",
    "明月",
    "太平",
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱覃武戴孔"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞斌宇浩凯健俊"
    "帆帅旭宁婷雪琳晶燕玲欣梅莉海波林峰云志红春燕荣新德成光亮"
)


class NamePool:
    """Draws unique names for one build. Same seed → same names in the same order."""

    def __init__(self, seed: int) -> None:
        # Not for secrets: a reproducible shuffle of place names.
        self._rng = random.Random(f"pingan-demo-names-{seed}")  # noqa: S311
        stems = [head + tail for head in _PLACE_HEADS for tail in _PLACE_TAILS if head != tail]
        self._stems = self._shuffled(stems)
        self._streets = self._shuffled(list(_STREET_NAMES))
        self._communities = self._shuffled(list(_COMMUNITY_NAMES))

    def _shuffled(self, items: list[str]) -> list[str]:
        self._rng.shuffle(items)
        return items

    def _stem(self) -> str:
        if not self._stems:
            raise ValueError("demo name pool exhausted")
        return self._stems.pop()

    def street(self) -> str:
        """A 街道 name, e.g. 城东街道."""
        base = self._streets.pop() if self._streets else self._stem()
        return f"{base}街道"

    def town(self) -> str:
        """A 镇 name, e.g. 青山镇."""
        return f"{self._stem()}镇"

    def township(self) -> str:
        """A 乡 name, e.g. 白岩乡."""
        return f"{self._stem()}乡"

    def community(self) -> str:
        """A 社区 name, e.g. 新华社区 (civic names first, then place stems)."""
        base = self._communities.pop() if self._communities else self._stem()
        return f"{base}社区"

    def village(self) -> str:
        """A 村 name, e.g. 河湾村."""
        return f"{self._stem()}村"

    def person(self) -> str:
        """A plausible full name, e.g. 王建国 (repeats are fine, as in life)."""
        given_length = 1 if self._rng.random() < 0.3 else 2
        given = "".join(self._rng.choice(_GIVEN) for _ in range(given_length))
        return self._rng.choice(_SURNAMES) + given


def grid_name(village_name: str, number: int) -> str:
    """e.g. 河湾村第3网格."""
    return f"{village_name}第{number}网格"


def microgrid_name(grid_name_: str, number: int) -> str:
    """e.g. 新华社区第1网格2号微网格 (in towns a micro-grid is usually one block or building)."""
    return f"{grid_name_}{number}号微网格"

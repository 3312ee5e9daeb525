"""Synthetic residents for the registry benchmarks: names, addresses, valid ID numbers, and
a known number of people typed in a second time with the slips real registries see.

Names are a weighted common surname plus one or two given-name characters; their pinyin is
composed from each character's `pinyin.name_keys` (characters chosen with one reading).
Addresses are `示范县…镇…村N组M号`. A planted duplicate copies an earlier person with one of
these slips (`SLIPS`), and gets its own valid ID number (what a slip in the ID number that
still passes the GB 11643 check looks like):

* ``homophone`` — a given-name character replaced by one that sounds the same (明 → 铭),
  same birth date, the address with its numbers written in Chinese (3组 → 三组), the phone
  in half of the cases;
* ``near_sound`` — a character whose pinyin is one letter off (三 → 山), same birth date and
  address, no phone;
* ``birth_typo`` — same name, one digit of the birth date changed, same address and phone;
* ``moved`` — same name and birth date, a different address, same phone;
* ``one_char`` — in a three-character name one given-name character replaced by an
  unrelated one (a two-character name gets a homophone instead: 张伟 / 张强 are two names),
  same birth date, address and phone.
"""

from __future__ import annotations

import datetime as dt
import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭萧田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯健俊帆帅旭宁"
    "龙林玲峰铭玮莉君颖婧蔷阳燕洁鹃韬潮侠钢贵宏虹晖彬锋剑雯山三兵新星晶金海波云飞亮成志东"
    "春梅雪琴慧佳欣怡嘉源泽瑞博睿子晨雨思诗梦琳悦婷倩丹宏嘉"
)
TOWNS = ("城关", "河东")
VILLAGES = tuple(
    "东风红旗胜利前进和平新华光明向阳团结幸福永安太平长青石桥柳树"
    "杏花梨园桃源白沙青山黄土马家李家高庄王庄张湾陈坪大坝小河中心"[i : i + 2]
    for i in range(0, 60, 2)
)
SLIPS = ("homophone", "near_sound", "birth_typo", "moved", "one_char")
CN_DIGITS = "〇一二三四五六七八九"


def _cn(number: int) -> str:
    if number < 10:
        return CN_DIGITS[number]
    tens, units = divmod(number, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[units] if units else "")


class Residents:
    """Deterministic generator (one seed): `person(i)` for everyone, `duplicate(...)`."""

    def __init__(self, seed: int = 20261122):
        from pingan.registry.pinyin import name_keys

        self.random = random.Random(seed)
        self.surnames = list(dict.fromkeys(SURNAMES))
        self.given = list(dict.fromkeys(GIVEN))
        self.keys = {ch: name_keys(ch) for ch in self.surnames + self.given}
        # Top surnames are far commoner than the tail (王/李/张 ~7% each).
        self.surname_weights = [1 / (rank + 3) for rank in range(len(self.surnames))]
        self.same_sound: dict[str, list[str]] = {}
        self.near_sound: dict[str, list[str]] = {}
        from pingan.registry.dedup.similarity import levenshtein

        for a in self.given:
            for b in self.given:
                if a == b:
                    continue
                pa, pb = self.keys[a][0], self.keys[b][0]
                if pa == pb:
                    self.same_sound.setdefault(a, []).append(b)
                elif levenshtein(pa, pb, 1) == 1:
                    self.near_sound.setdefault(a, []).append(b)

    def pinyin(self, name: str) -> tuple[str, str]:
        full = "".join(self.keys[ch][0] for ch in name)
        return full, "".join(self.keys[ch][1] for ch in name)

    def name(self) -> str:
        rnd = self.random
        surname = rnd.choices(self.surnames, self.surname_weights)[0]
        count = 1 if rnd.random() < 0.3 else 2
        return surname + "".join(rnd.choice(self.given) for _ in range(count))

    def address(self) -> tuple[str, int, int, str, str]:
        rnd = self.random
        town, village = rnd.choice(TOWNS), rnd.choice(VILLAGES)
        group, door = rnd.randint(1, 12), rnd.randint(1, 200)
        return f"示范县{town}镇{village}村{group}组{door}号", group, door, town, village

    def phone(self, i: int) -> str:
        return f"139{i:08d}" if self.random.random() < 0.6 else ""

    # --- planted duplicates ----------------------------------------------------------------

    def _replace_given(self, name: str, table: dict[str, list[str]]) -> str | None:
        spots = [i for i in range(1, len(name)) if name[i] in table]
        if not spots:
            return None
        spot = self.random.choice(spots)
        return name[:spot] + self.random.choice(table[name[spot]]) + name[spot + 1 :]

    def _birth_typo(self, born: dt.date, first: dt.date, last: dt.date) -> dt.date:
        digits = f"{born:%Y%m%d}"
        for _attempt in range(100):
            spot = self.random.choice((3, 6, 7))
            new = digits[:spot] + self.random.choice("0123456789") + digits[spot + 1 :]
            try:
                moved = dt.date(int(new[:4]), int(new[4:6]), int(new[6:]))
            except ValueError:
                continue
            if moved != born and first <= moved <= last:
                return moved
        return born + dt.timedelta(days=1)

    def duplicate(
        self,
        slip: str,
        name: str,
        born: dt.date,
        address: tuple[str, int, int, str, str],
        phone: str,
        spare_phone: str,
        first: dt.date,
        last: dt.date,
    ) -> tuple[str, dt.date, str, str]:
        """(name, birth date, address, phone) of `slip` applied to one person; `spare_phone`
        (unused by anyone else) when the slip keeps a phone the person did not have."""
        text, group, door, town, village = address
        if slip == "homophone":
            new = self._replace_given(name, self.same_sound) or self._replace_given(
                name, self.near_sound
            )
            cn = f"示范县{town}镇{village}村{_cn(group)}组{door}号"
            return new or name, born, cn, phone if self.random.random() < 0.5 else ""
        if slip == "near_sound":
            new = self._replace_given(name, self.near_sound) or self._replace_given(
                name, self.same_sound
            )
            return new or name, born, text, ""
        if slip == "birth_typo":
            return name, self._birth_typo(born, first, last), text, phone or spare_phone
        if slip == "moved":
            other = self.address()[0]
            return name, born, other, phone or spare_phone
        # one_char: an unrelated character in a three-character name; a two-character name
        # changed that way is another name (张伟 / 张强), so it gets a homophone instead.
        if len(name) == 3:
            new = name[:2] + self.random.choice([c for c in self.given if c != name[2]])
        else:
            new = self._replace_given(name, self.same_sound) or name
        return new, born, text, phone or spare_phone

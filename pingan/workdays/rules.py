"""Statutory holiday dates for a year whose State Council schedule is not yet known.

《全国年节及纪念日放假办法》 as amended in 2024 (in force from 2025) fixes 13 statutory days:
元旦 1/1; 春节 除夕 and 正月初一–初三; 清明 (the 清明 solar term); 劳动节 5/1–5/2; 端午 五月初五;
中秋 八月十五; 国庆节 10/1–10/3. The yearly schedule then moves weekends around them (调休) and
adds make-up workdays; that part cannot be predicted, so a year computed from these rules is
provisional. Lunar dates and the 清明 solar term come from `lunar-python` (MIT, pure Python,
astronomical algorithms, no data files), offline; the tests check them against every official
schedule chinesecalendar knows.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from lunar_python import Lunar, Solar

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
TOMB_SWEEPING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"

LUNAR_MIN_YEAR, LUNAR_MAX_YEAR = 1900, 2099


def _fixed(year: int) -> dict[dt.date, str]:
    days = {dt.date(year, 1, 1): NEW_YEAR}
    days.update({dt.date(year, 5, d): LABOUR_DAY for d in (1, 2)})
    days.update({dt.date(year, 10, d): NATIONAL_DAY for d in (1, 2, 3)})
    return days


def _solar(lunar_year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> dt.date:
    # The 清明 term always falls on 4–6 April.
    for day in range(1, 11):
        if Solar.fromYmd(year, 4, day).getLunar().getJieQi() == "清明":
            return dt.date(year, 4, day)
    raise ValueError(f"no 清明 in April {year}")


def _lunar(year: int) -> dict[dt.date, str]:
    new_year = _solar(year, 1, 1)
    # 除夕 is the last day of the 12th month of the previous lunar year (29th or 30th).
    days = {new_year + dt.timedelta(days=offset): SPRING_FESTIVAL for offset in range(-1, 3)}
    days[_qingming(year)] = TOMB_SWEEPING
    days[_solar(year, 5, 5)] = DRAGON_BOAT
    days[_solar(year, 8, 15)] = MID_AUTUMN
    return days


def statutory_holidays(year: int) -> dict[dt.date, str]:
    """The statutory holiday dates of `year` under the 2025 rules, with their names.

    正月初一 falls between 21 January and 20 February, so the four 春节 days always lie in
    `year`. When a lunar festival falls on a fixed-date holiday (中秋 on 10/1, as in 2020),
    the fixed-date name wins, as on the official notices. Outside 1900–2099 (the range the
    calendar supports) only the fixed-date holidays are returned.
    """
    return dict(_statutory_holidays(year))


@lru_cache(maxsize=64)
def _statutory_holidays(year: int) -> tuple[tuple[dt.date, str], ...]:
    days: dict[dt.date, str] = {}
    if LUNAR_MIN_YEAR <= year <= LUNAR_MAX_YEAR:
        days.update(_lunar(year))
    days.update(_fixed(year))
    return tuple(sorted(days.items()))

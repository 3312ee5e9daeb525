"""Cases for the command-centre tests on the flow test county (tests/flow/factories.py).

- mine:      reported by the town-1 operator to the town itself (待受理 at town 1)
- village:   reported by the G1 grid worker (待受理 at village 1, inside town 1)
- neighbour: reported by the town-2 operator to town 2 (outside town 1)
"""

from __future__ import annotations

from types import SimpleNamespace

from tests.flow.factories import IN_G3, TOWN, TOWN2, report


def build_cases(world) -> SimpleNamespace:
    return SimpleNamespace(
        mine=report(world.town, unit=TOWN, description="镇综治中心接报：道路塌陷"),
        village=report(world.grid_worker, description="网格员上报：排水沟堵塞"),
        neighbour=report(world.town2, point=IN_G3, unit=TOWN2, description="邻镇：噪声扰民"),
    )

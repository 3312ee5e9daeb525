"""Factories for the core objects. Apps add their own next to their tests."""

import factory
from factory.django import DjangoModelFactory

from pingan.accounts.models import Position, User
from pingan.accounts.roles import Role
from pingan.accounts.scope import Actor
from pingan.regions.models import LEVEL_BY_CODE_LENGTH, Department, DepartmentType, Region

TEST_PASSWORD = "Test-Passw0rd!"


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "990101"
    name = factory.LazyAttribute(lambda o: f"区划{o.code}")
    level = factory.LazyAttribute(lambda o: LEVEL_BY_CODE_LENGTH[len(o.code)])
    parent = None


def region_chain(code: str) -> Region:
    """Create `code` and all its ancestors (99, 9901, 990101, …) and return the leaf."""
    parent = None
    for length in (2, 4, 6, 9, 12, 15, 18):
        if length > len(code):
            break
        parent = RegionFactory(code=code[:length], parent=parent)
    return parent


class DepartmentTypeFactory(DjangoModelFactory):
    class Meta:
        model = DepartmentType
        django_get_or_create = ("code",)

    code = "gongan"
    name = "公安"


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    type = factory.SubFactory(DepartmentTypeFactory)
    region = factory.LazyFunction(lambda: region_chain("990101"))
    code = factory.LazyAttribute(lambda o: f"{o.region.code}-{o.type.code}")
    name = factory.LazyAttribute(lambda o: f"{o.region.name}{o.type.name}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position

    user = factory.SubFactory(UserFactory)
    role = Role.COUNTY_OPERATOR
    region = factory.LazyFunction(lambda: region_chain("990101"))
    department = None


def make_actor(role: str = Role.COUNTY_OPERATOR, unit: str = "990101") -> Actor:
    """An actor with one position in `unit`: a region code, or a Department for handlers."""
    if isinstance(unit, Department):
        position = PositionFactory(role=role, region=None, department=unit)
    else:
        position = PositionFactory(role=role, region=region_chain(unit))
    return Actor(user=position.user, position=position)

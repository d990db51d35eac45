"""The data migration ``assessments.0002_default_framework`` seeds the "CSO 5.0" v1 framework."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from django.apps import apps as django_apps
from django.utils.text import slugify
from django.utils.translation import override

from assessments.models import CompetencyFramework, Criterion, RoleGroup

seed = importlib.import_module("assessments.migrations.0002_default_framework")

LANGS = ("fr", "en")
LEVELS = (1, 3, 5)
NBSP = ("\u00a0", "\u202f")


@pytest.fixture
def framework(db):
    return CompetencyFramework.objects.get(name="CSO 5.0", version=1)


def test_exactly_one_active_cso_framework(db):
    frameworks = CompetencyFramework.objects.filter(name="CSO 5.0")
    assert frameworks.count() == 1
    fw = frameworks.get()
    assert fw.version == 1
    assert fw.is_active
    assert CompetencyFramework.objects.filter(is_active=True).count() == 1


def test_sixteen_criteria_four_per_group(framework):
    criteria = list(framework.criteria.all())
    assert len(criteria) == 16
    assert Counter(c.group for c in criteria) == dict.fromkeys(RoleGroup.values, 4)


def test_order_shows_groups_in_role_order(framework):
    criteria = list(framework.criteria.order_by("order"))
    assert [c.order for c in criteria] == list(range(10, 170, 10))
    groups_in_order = list(dict.fromkeys(c.group for c in criteria))
    assert groups_in_order == list(RoleGroup.values)
    assert criteria[0].code == "cond_tools"


def test_codes_unique_and_slugs(framework):
    codes = list(framework.criteria.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 16
    assert all(code == slugify(code) and len(code) <= 40 for code in codes)
    assert set(codes) == set(seed.CODES)
    prefixes = {"conductor": "cond_", "business_partner": "bp_", "entrepreneur": "ent_", "posture": "post_"}
    for criterion in framework.criteria.all():
        assert criterion.code.startswith(prefixes[criterion.group])


def test_labels_short_and_descriptions_present(framework):
    for c in framework.criteria.all():
        for lang in LANGS:
            label = getattr(c, f"label_{lang}")
            assert label.strip(), (c.code, lang)
            assert len(label) <= 80, (c.code, lang, len(label))
            assert getattr(c, f"description_{lang}").strip(), (c.code, lang)
        assert c.label_fr != c.label_en
        assert c.weight == 1


def test_anchors_present_and_distinct_per_level(framework):
    for c in framework.criteria.all():
        for lang in LANGS:
            texts = [getattr(c, f"anchor_{level}_{lang}").strip() for level in LEVELS]
            assert all(texts), (c.code, lang)
            assert len(set(texts)) == 3, (c.code, lang)
        for level in LEVELS:
            assert getattr(c, f"anchor_{level}_fr") != getattr(c, f"anchor_{level}_en")


def test_anchors_distinct_across_criteria(framework):
    for lang in LANGS:
        texts = [getattr(c, f"anchor_{level}_{lang}") for c in framework.criteria.all() for level in LEVELS]
        assert len(texts) == len(set(texts)) == 48


def test_french_typography(framework):
    fields = ("label_fr", "description_fr", "anchor_1_fr", "anchor_3_fr", "anchor_5_fr")
    for c in framework.criteria.all():
        for field in fields:
            text = getattr(c, field)
            assert "'" not in text, (c.code, field, "use the typographic apostrophe ’")
            assert '"' not in text, (c.code, field, "use « » quotes")
            for i, char in enumerate(text):
                if char == "«":
                    assert text[i + 1] in NBSP, (c.code, field)
                if char in "»:;?!" and i > 0:
                    assert text[i - 1] in NBSP, (c.code, field, char)


def test_label_and_anchors_follow_active_language(framework):
    criterion = framework.criteria.get(code="bp_sparring_swot")
    with override("en"):
        assert criterion.label == criterion.label_en
        assert criterion.description == criterion.description_en
        assert criterion.anchors == [
            (1, criterion.anchor_1_en),
            (3, criterion.anchor_3_en),
            (5, criterion.anchor_5_en),
        ]
        assert "SWOT" in criterion.anchors[2][1]
    with override("fr"):
        assert criterion.label == criterion.label_fr
        assert criterion.description == criterion.description_fr
        assert criterion.anchors == [
            (1, criterion.anchor_1_fr),
            (3, criterion.anchor_3_fr),
            (5, criterion.anchor_5_fr),
        ]
        assert str(criterion) == f"bp_sparring_swot — {criterion.label_fr}"
    assert criterion.label_fr != criterion.label_en


def test_migration_is_idempotent(framework):
    criterion = framework.criteria.get(code="cond_tools")
    criterion.label_en = "edited"
    criterion.save()
    seed.create_default_framework(django_apps, None)
    seed.create_default_framework(django_apps, None)
    assert CompetencyFramework.objects.filter(name="CSO 5.0").count() == 1
    assert Criterion.objects.filter(framework=framework).count() == 16
    assert framework.criteria.get(code="cond_tools").label_en != "edited"


def test_reverse_then_forward(framework):
    seed.remove_default_framework(django_apps, None)
    assert not CompetencyFramework.objects.filter(name="CSO 5.0").exists()
    assert not Criterion.objects.exists()
    seed.create_default_framework(django_apps, None)
    fw = CompetencyFramework.objects.get(name="CSO 5.0", version=1)
    assert fw.is_active
    assert fw.criteria.count() == 16


def test_does_not_activate_v1_when_another_version_is_active(framework):
    framework.is_active = False
    framework.save()
    seed.remove_default_framework(django_apps, None)
    CompetencyFramework.objects.create(name="CSO 5.0", version=2, is_active=True)
    seed.create_default_framework(django_apps, None)
    v1 = CompetencyFramework.objects.get(name="CSO 5.0", version=1)
    assert not v1.is_active
    assert v1.criteria.count() == 16


def test_framework_in_use_is_left_untouched(framework):
    from assessments.models import Scorecard
    from tests.factories import ApplicationFactory, UserFactory

    Scorecard.objects.create(application=ApplicationFactory(), rater=UserFactory(), framework=framework)
    criterion = framework.criteria.get(code="post_innovation")
    criterion.label_en = "kept as rated"
    criterion.save()
    seed.create_default_framework(django_apps, None)
    assert framework.criteria.get(code="post_innovation").label_en == "kept as rated"
    seed.remove_default_framework(django_apps, None)
    assert CompetencyFramework.objects.filter(pk=framework.pk).exists()
    assert framework.criteria.count() == 16

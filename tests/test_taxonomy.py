import re

import pytest

from triage.taxonomy import CATEGORY_IDS, POLICY_IDS, PRODUCT_CATEGORIES, category_name

from .conftest import ROOT

TAXONOMY = ROOT.parent / "shared" / "taxonomy.md"


def test_ids_are_the_contract():
    assert len(CATEGORY_IDS) == 7 and CATEGORY_IDS[-1] == "other"
    assert len(POLICY_IDS) == 15 and len(set(POLICY_IDS)) == 15
    assert len(PRODUCT_CATEGORIES) == 11


@pytest.mark.skipif(not TAXONOMY.is_file(), reason="shared/taxonomy.md absent")
def test_ids_match_the_labelling_guide():
    text = TAXONOMY.read_text("utf-8")
    section1, rest = text.split("## 2.", 1)
    section2, section3 = rest.split("## 3.", 1)
    in_guide = set(re.findall(r"^\| `([a-z_]+)` \|", section1, re.M))
    assert in_guide == set(CATEGORY_IDS)
    assert set(re.findall(r"^\| `([a-z_]+)` \|", section2, re.M)) == set(POLICY_IDS)
    assert set(re.findall(r"`([a-z_]+)` [^\s,`]+", section3)) == set(PRODUCT_CATEGORIES)
    # precedence order in the guide is the order of CATEGORY_IDS
    order = re.search(r"precedence order: (.*?)\.\n\n", section1, re.S).group(1)
    assert re.findall(r"`([a-z_]+)`", order) == list(CATEGORY_IDS)


def test_display_names():
    assert category_name("arbitrary_refund") == "随意退款"
    assert category_name("other", "en") == "Other"

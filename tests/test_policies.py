import pytest

from triage.errors import PolicyCatalogError
from triage.policies import MAX_POLICIES, load_catalog
from triage.taxonomy import CATEGORY_IDS, POLICY_IDS

#: One realistic sentence per policy that must trigger it (on its own strength).
TRIGGERS = {
    "experience_score": [
        "体验分从90掉到70，报不了活动",
        "我們的DSR被拉低了",
        "our experience score dropped",
    ],
    "inducement_interaction": [
        "主播说扣1领券就被判诱导互动",
        "點關注才能下單被罰",
        "评论区扣1被判违规",
    ],
    "refund_only": [
        "平台直接给买家仅退款",
        "极速退款了货还没到",
        "refund only approved without return",
    ],
    "after_sales_arbitration": ["平台介入后判我们全责", "客服介入判给了买家"],
    "seven_day_return": ["七天无理由退货，衣服穿过了", "7天无理由被滥用"],
    "shipping_insurance": [
        "运费险被强制开通",
        "運費險關不掉",
        "return shipping insurance auto-enabled",
    ],
    "deposit": ["保证金退店后不退", "bzj被扣了", "security deposit not returned"],
    "violation_penalty": ["被扣违约金2000", "违规通知说我们虚假宣传，罚款500"],
    "store_closure": ["店铺被清退了", "店被封了，限制经营", "our store was suspended"],
    "shipping_timeliness": ["延迟发货被赔付", "被判虚假发货", "晚发即赔扣了好多"],
    "blind_box": ["卖盲盒被处罚", "直播拆卡被断播"],
    "product_quality": ["抽检说质量不合格", "被判劣质商品"],
    "reviews": ["职业差评师给差评敲诈", "恶意差评不处理"],
    "appeal": ["申诉被驳回", "申诉三次都是模板回复", "appeal rejected"],
    "settlement": ["货款冻结提现不了", "结算一直延迟"],
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_catalogue_has_every_policy_with_its_fields(catalog):
    assert set(POLICY_IDS) <= set(catalog.policies)
    for policy in catalog.policies.values():
        assert policy.name_zh and policy.name_en and policy.summary
        assert (
            policy.summary.count(".") + policy.summary.count("。") >= 2 or len(policy.summary) > 80
        )
        assert policy.guidance and policy.keywords
        assert set(policy.categories) <= set(CATEGORY_IDS)
    assert set(catalog.defaults) == set(CATEGORY_IDS) - {"other"}


@pytest.mark.parametrize(
    ("policy_id", "text"), [(p, t) for p, texts in TRIGGERS.items() for t in texts]
)
def test_trigger_fires(catalog, policy_id, text):
    matches = catalog.match(text, "other")
    hit = {m.id: m for m in matches if not m.fallback}
    # at most MAX_POLICIES are returned; check the trigger through the engine's full ranking
    if policy_id not in hit:
        full = catalog.index.find(catalog_text(text))
        assert policy_id in {h.key for h in full}, f"{policy_id} not triggered by {text!r}"
    else:
        assert hit[policy_id].cue


def catalog_text(text):
    from triage.text import normalize

    return normalize(text)


def test_fallback_when_nothing_matches(catalog):
    (match,) = catalog.match("这事你们看着办吧", "deposit_withheld")
    assert match.id == "deposit" and match.fallback and match.cue is None
    assert catalog.match("这事你们看着办吧", "other") == ()


def test_negation_does_not_trigger(catalog):
    ids = [m.id for m in catalog.match("不是仅退款的问题，是货款冻结了提现不了", "other")]
    assert "refund_only" not in ids and "settlement" in ids


def test_experience_score_and_inducement_found_in_any_category(catalog):
    for category in CATEGORY_IDS:
        ids = [m.id for m in catalog.match("体验分掉了，还被说诱导关注", category)]
        assert "experience_score" in ids and "inducement_interaction" in ids


def test_at_most_max_policies_most_relevant_first(catalog):
    text = "店铺被清退，保证金不退，申诉被驳回，体验分也没了，运费险还在扣，违约金3000"
    matches = catalog.match(text, "store_closure")
    assert len(matches) <= MAX_POLICIES
    assert matches[0].id == "store_closure"


def test_user_catalogue_adds_and_overrides(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text(
        """
[[policy]]
id = "live_ban"
name_zh = "直播封禁"
name_en = "Live ban"
summary = "A team-specific policy."
guidance = ["Ask for the ban notice."]
categories = ["store_closure"]
keywords = ["直播封禁"]
""",
        "utf-8",
    )
    catalog = load_catalog(extra)
    assert "live_ban" in catalog.policies
    assert "live_ban" in [m.id for m in catalog.match("直播封禁七天", "store_closure")]


def test_validation_reports_every_problem_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        """
[defaults]
nonsense = "deposit"

[[policy]]
id = "a"
name_zh = "甲"
name_en = "A"
summary = "s"
guidance = ["g"]
categories = ["refunds"]
keywords = []
patterns = ["(unclosed"]

[[policy]]
id = "a"
name_zh = "甲"
name_en = "A"
summary = "s"
guidance = ["g"]
categories = ["other"]
keywords = ["x"]

[[policy]]
id = "silent"
name_zh = "无"
name_en = "Silent"
summary = "s"
guidance = ["g"]
categories = ["other"]
keywords = []
""",
        "utf-8",
    )
    with pytest.raises(PolicyCatalogError) as info:
        load_catalog(bad)
    message = str(info.value)
    for needle in ("unknown category ids ['refunds']", "invalid regular expression", "no triggers",
                   "duplicate policy id 'a'", "unknown category id 'nonsense'"):  # fmt: skip
        assert needle in message
    with pytest.raises(PolicyCatalogError, match="not valid TOML"):
        (tmp_path / "x.toml").write_text("[[policy]\n", "utf-8")
        load_catalog(tmp_path / "x.toml")
    with pytest.raises(PolicyCatalogError, match="not found"):
        load_catalog(tmp_path / "missing.toml")

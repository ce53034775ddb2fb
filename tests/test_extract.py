import pytest

from triage.extract import products_many, regions_many
from triage.text import normalize_many


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("我们是广东省的商家", "广东"),
        ("义乌做小商品的", "浙江"),
        ("东莞虎门女装厂", "广东"),
        ("临沂批发城发货", "山东"),
        ("曹县汉服店", "山东"),
        ("我們在香港旺角開店", "香港"),
        ("杭州四季青档口", "浙江"),
        ("We are a factory in Shenzhen", "广东"),
        ("中山市灯饰厂", "广东"),
    ],
)
def test_regions(text, region):
    assert regions_many(normalize_many([text])) == [region]


@pytest.mark.parametrize(
    "text",
    [
        "买家在新疆，发往新疆的运费贵",
        "把东西藏起来了",
        "平台中台系统出错",
        "店铺被限流了",
    ],
)
def test_no_invented_region(text):
    assert regions_many(normalize_many([text])) == [""]


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("一双鞋被仅退款", "apparel"),
        ("羊绒衫穿过了退回来", "apparel"),
        ("连衣裙买家穿了一周", "apparel"),
        ("水果坏了两个", "food_fresh"),
        ("海鲜冷链", "food_fresh"),
        ("牛排化冻了", "food_fresh"),
        ("鱼竿断了", "outdoor_sports"),
        ("帐篷漏雨", "outdoor_sports"),
        ("蓝牙耳机被调包", "electronics"),
        ("充电宝鼓包", "electronics"),
        ("口红过敏", "beauty"),
        ("翡翠手镯", "jewelry"),
        ("绘本缺页", "books"),
        ("多肉死了", "flowers_plants"),
        ("盲盒拆出重复", "toys"),
        ("纸尿裤漏了", "mother_baby"),
        ("四件套褪色", "home"),
        ("申诉书写了三遍", ""),
    ],
)
def test_products(text, product):
    assert products_many(normalize_many([text])) == [product]

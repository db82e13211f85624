"""Tests of attribute filters (vsmock.search.filters)."""

from __future__ import annotations

from typing import Any

import pytest

from vsmock.search.filters import MAX_DEPTH, FilterError, matches, validate_filter

ATTRS: dict[str, str | float | int | bool] = {
    "region": "eu",
    "year": 2024,
    "score": 7.5,
    "draft": False,
    "one": 1,
}


def cmp(op: str, key: str, value: Any) -> dict[str, Any]:
    return {"type": op, "key": key, "value": value}


# ----------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("op", "key", "value", "expected"),
    [
        ("eq", "region", "eu", True),
        ("eq", "region", "us", False),
        ("eq", "year", 2024, True),
        ("eq", "year", 2024.0, True),  # int and float compare as numbers
        ("eq", "one", 1.0, True),
        ("eq", "draft", False, True),
        ("eq", "draft", True, False),
        ("ne", "region", "us", True),
        ("ne", "region", "eu", False),
        ("ne", "year", 2024.0, False),
        ("gt", "year", 2023, True),
        ("gt", "year", 2024, False),
        ("gte", "year", 2024, True),
        ("gte", "score", 7.6, False),
        ("lt", "score", 7.51, True),
        ("lt", "score", 7.5, False),
        ("lte", "score", 7.5, True),
        ("lte", "year", 2023.9, False),
        ("gt", "region", "ea", True),  # strings: lexicographic
        ("gt", "region", "f", False),
        ("lt", "region", "eua", True),
        ("gte", "region", "eu", True),
        ("lte", "region", "e", False),
        ("in", "region", ["us", "eu"], True),
        ("in", "region", ["us", "apac"], False),
        ("in", "year", [2023, 2024.0], True),
        ("in", "year", [], False),
        ("nin", "region", ["us", "apac"], True),
        ("nin", "region", ["eu"], False),
        ("nin", "year", [], True),
    ],
)
def test_comparison_operators(op: str, key: str, value: Any, expected: bool) -> None:
    f = cmp(op, key, value)
    validate_filter(f)
    assert matches(f, ATTRS) is expected


@pytest.mark.parametrize(
    ("op", "key", "value", "expected"),
    [
        # mismatched types never match for eq / ordering / in ...
        ("eq", "year", "2024", False),
        ("eq", "region", 1, False),
        ("eq", "one", True, False),  # bool is not a number
        ("eq", "draft", 0, False),
        ("gt", "year", "2000", False),
        ("lt", "region", 99, False),
        ("gte", "one", True, False),
        ("in", "year", ["2024"], False),
        ("in", "one", [True], False),
        # ... and do match for ne / nin
        ("ne", "year", "2024", True),
        ("ne", "draft", 0, True),
        ("nin", "year", ["2024"], True),
        ("nin", "one", [True], True),
        # booleans only compare by eq / ne
        ("gt", "draft", False, False),
        ("gte", "draft", False, False),
        ("lte", "draft", True, False),
        ("lt", "draft", True, False),
    ],
)
def test_type_aware_comparisons(op: str, key: str, value: Any, expected: bool) -> None:
    f = cmp(op, key, value)
    validate_filter(f)
    assert matches(f, ATTRS) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "x", False),
        ("gt", 1, False),
        ("gte", 1, False),
        ("lt", 1, False),
        ("lte", 1, False),
        ("in", ["x"], False),
        ("ne", "x", True),  # documented choice: a missing key is "not equal"
        ("nin", ["x"], True),
    ],
)
def test_missing_key(op: str, value: Any, expected: bool) -> None:
    f = cmp(op, "absent", value)
    assert matches(f, ATTRS) is expected
    assert matches(f, None) is expected
    assert matches(f, {}) is expected


# ----------------------------------------------------------------------------- compounds


def test_compound_and_or() -> None:
    eu = cmp("eq", "region", "eu")
    old = cmp("lt", "year", 2000)
    assert matches({"type": "and", "filters": [eu]}, ATTRS)
    assert not matches({"type": "and", "filters": [eu, old]}, ATTRS)
    assert matches({"type": "or", "filters": [old, eu]}, ATTRS)
    assert not matches({"type": "or", "filters": [old]}, ATTRS)


def test_nested_compounds_up_to_the_documented_depth() -> None:
    f: dict[str, Any] = {
        "type": "and",
        "filters": [
            {
                "type": "or",
                "filters": [
                    cmp("eq", "region", "us"),
                    {
                        "type": "and",
                        "filters": [cmp("gte", "year", 2020), cmp("nin", "region", ["apac"])],
                    },
                ],
            },
            cmp("ne", "draft", True),
        ],
    }
    validate_filter(f)
    assert matches(f, ATTRS)
    assert not matches(f, {**ATTRS, "year": 2019})
    assert matches(f, {**ATTRS, "year": 2019, "region": "us"})
    assert not matches(f, {**ATTRS, "draft": True})
    deep: dict[str, Any] = cmp("eq", "region", "eu")
    for i in range(MAX_DEPTH - 1):  # as deep as filters may nest
        deep = {"type": "and" if i % 2 else "or", "filters": [deep]}
    validate_filter(deep)
    assert matches(deep, ATTRS)
    assert not matches(deep, {"region": "us"})
    with pytest.raises(FilterError) as refused:  # one level more is a documented 400
        validate_filter({"type": "and", "filters": [deep]})
    assert refused.value.param == "filters" and "at most 20 levels" in refused.value.message


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("f", "param"),
    [
        ("eq", "filters"),
        (None, "filters"),
        ([cmp("eq", "a", 1)], "filters"),
        ({"key": "a", "value": 1}, "filters.type"),
        ({"type": "like", "key": "a", "value": 1}, "filters.type"),
        ({"type": 3, "key": "a", "value": 1}, "filters.type"),
        ({"type": "eq", "value": 1}, "filters.key"),
        ({"type": "eq", "key": "a"}, "filters.value"),
        ({"type": "eq", "key": "a", "value": 1, "extra": 2}, "filters.extra"),
        ({"type": "eq", "key": 5, "value": 1}, "filters.key"),
        ({"type": "eq", "key": "", "value": 1}, "filters.key"),
        ({"type": "eq", "key": "a", "value": None}, "filters.value"),
        ({"type": "eq", "key": "a", "value": {"x": 1}}, "filters.value"),
        ({"type": "eq", "key": "a", "value": [1, 2]}, "filters.value"),
        ({"type": "gt", "key": "a", "value": ["x"]}, "filters.value"),
        ({"type": "lt", "key": "a", "value": float("nan")}, "filters.value"),
        ({"type": "in", "key": "a", "value": "eu"}, "filters.value"),
        ({"type": "nin", "key": "a", "value": 3}, "filters.value"),
        ({"type": "in", "key": "a", "value": ["x", None]}, "filters.value[1]"),
        ({"type": "in", "key": "a", "value": [["x"]]}, "filters.value[0]"),
        ({"type": "and"}, "filters.filters"),
        ({"type": "and", "filters": []}, "filters.filters"),
        ({"type": "or", "filters": cmp("eq", "a", 1)}, "filters.filters"),
        ({"type": "and", "filters": [cmp("eq", "a", 1)], "key": "a"}, "filters.key"),
        (
            {"type": "and", "filters": [cmp("eq", "a", 1), cmp("eq", "a", [1])]},
            "filters.filters[1].value",
        ),
        (
            {"type": "or", "filters": [{"type": "and", "filters": [cmp("eq", "a", 1), "x"]}]},
            "filters.filters[0].filters[1]",
        ),
        (
            {"type": "or", "filters": [{"type": "and", "filters": [{"type": "eq", "key": "k"}]}]},
            "filters.filters[0].filters[0].value",
        ),
    ],
)
def test_malformed_filters(f: object, param: str) -> None:
    with pytest.raises(FilterError) as info:
        validate_filter(f)
    assert info.value.param == param
    assert info.value.message and str(info.value) == info.value.message
    assert isinstance(info.value, Exception)


def test_param_prefix_is_configurable() -> None:
    with pytest.raises(FilterError) as info:
        validate_filter({"type": "and", "filters": [{"type": "eq"}]}, "body.filters")
    assert info.value.param == "body.filters.filters[0].key"


@pytest.mark.parametrize(
    "f",
    [
        cmp("eq", "a", "x"),
        cmp("ne", "a", 1.5),
        cmp("gte", "a", 0),
        cmp("eq", "a", True),
        cmp("in", "a", ["x", 1, 2.5, False]),
        cmp("nin", "a", []),
        {
            "type": "or",
            "filters": [cmp("eq", "a", 1), {"type": "and", "filters": [cmp("lt", "b", 2)]}],
        },
    ],
)
def test_valid_filters(f: object) -> None:
    validate_filter(f)

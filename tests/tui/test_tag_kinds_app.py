"""A custom tag that counts as a regression, tagged with its key in the review app."""

from __future__ import annotations

import pytest

from swapview.config import Config, TagConfig
from swapview.tui.pair_list import tag_class

from .fixtures import make_app, make_db
from .helpers import decision, screen_text, settle

SIZE = (120, 40)


async def _tag_first_pair_with_1(tmp_path, tag: TagConfig):
    path = tmp_path / "review.db"
    make_db(path)
    app = make_app(path)
    app.context.config = Config(tags=[tag])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "0 of 45 reviewed, 0 regressions" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        assert decision(path, "order-status")[0] == "wrong_fact"
        return screen_text(app)


async def test_progress_line_counts_a_regression_kind_tag(tmp_path):
    text = await _tag_first_pair_with_1(
        tmp_path, TagConfig(name="wrong_fact", key="1", counts_as="regression")
    )
    assert "1 of 45 reviewed, 1 regression" in text


async def test_progress_line_leaves_out_a_custom_tag_without_counts_as(tmp_path):
    text = await _tag_first_pair_with_1(tmp_path, TagConfig(name="wrong_fact", key="1"))
    assert "1 of 45 reviewed, 0 regressions" in text


@pytest.mark.parametrize(
    ("tag", "kinds", "style"),
    [
        ("regression", {}, "tag-regression"),
        ("wrong_fact", {"wrong_fact": "regression"}, "tag-regression"),
        ("wrong_fact", {}, "tag-custom"),
        ("nicer", {"nicer": "improvement"}, "tag-improvement"),
    ],
)
def test_a_custom_tag_takes_the_colour_of_its_kind(tag, kinds, style):
    assert tag_class(tag, kinds) == style

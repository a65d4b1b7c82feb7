"""The judge in the review app: its column, its verdict in the detail, its order, its
filters and its agreement with the tags."""

from __future__ import annotations

import json

from swapview import reviews
from swapview.judge.fields import import_field
from swapview.store import open_db

from .fixtures import make_app
from .helpers import eventually, line_with, option_index, screen_text, settle

SIZE = (120, 40)


def judge_some(path) -> None:
    """A judge field on three pairs: the refusal called worse, two others."""
    db = open_db(path, migrate=False)
    grades = {
        "refund": {"verdict": "baseline", "p_regression": 0.92},
        "password": "tie",
        "shipping": "candidate",
    }
    for key, grade in grades.items():
        db.execute(
            "UPDATE pairs SET metadata = ? WHERE key = ?", [json.dumps({"grade": grade}), key]
        )
    db.conn.commit()
    cid = db.execute("SELECT id FROM comparisons").fetchone()[0]
    import_field(db, cid, "grade")
    pid = db.execute("SELECT id FROM pairs WHERE key = 'shipping'").fetchone()[0]
    reviews.record(db, pid, "bo", tag="regression")  # the judge said better
    db.close()


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_the_judge_order_column_and_verdict(review_db):
    judge_some(review_db)
    app = make_app(review_db, order="judge")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "judge" in line_with(app, "tag key")  # the column's title
        top = line_with(app, "▶")
        assert "refund" in top and "worse  92%" in top
        # The verdict and its rationale sit under the pair line.
        assert 'judge field:grade: new worse 92%: "from grade"' in screen_text(app)
        assert "order: judge" in screen_text(app)


async def test_judge_filters_and_agreement(review_db):
    judge_some(review_db)
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press(*["down"] * option_index(app.screen, "judge:disagrees"), "enter")
        await settle(pilot)
        await eventually(pilot, lambda: "judge disagrees" in screen_text(app))
        assert "shipping" in line_with(app, "▶")
        assert "1/1" in screen_text(app)
        await pilot.press("V")
        await eventually(pilot, lambda: any("agrees with the tags" in n for n in notes(app)))
        said = next(n for n in notes(app) if "agrees with the tags" in n)
        assert "judge field:grade: 3 judged" in said and "on 0% of 1" in said

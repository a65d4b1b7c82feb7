"""The review app driven by key presses: what the database holds and what the screen shows."""

from __future__ import annotations

from swapview.config import Config, TagConfig

from .fixtures import make_app
from .helpers import (
    decision,
    history,
    line_with,
    option_index,
    review_screen,
    screen_lines,
    screen_text,
    settle,
)

SIZE = (120, 40)


def cursor_line(app) -> str:
    return line_with(app, "▶")


async def test_first_screen_shows_queue_pair_and_models(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "0 of 45 reviewed, 0 regressions" in text
        assert "order-status" in cursor_line(app)
        assert "− old: gpt-old" in text and "+ new: gpt-new" in text
        assert "⚑ json_keys_changed" in text
        assert "user: Where is my order #1234?" in text
        # The queue is in semantic order, most changed first.
        rows = [ln for ln in screen_lines(app) if "0.8" in ln or "0.9" in ln]
        assert [r.lstrip("▶ ").split()[1] for r in rows[:3]] == [
            "order-status",
            "refund",
            "password",
        ]


async def test_tag_is_committed_shown_and_cursor_moves_on(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert decision(review_db, "order-status") == ("regression", "ana", None)
        assert "REG" in line_with(app, "order-status")
        assert "refund" in cursor_line(app)
        assert "1 of 45 reviewed, 1 regression" in screen_text(app)
        await pilot.press("i", "n", "s")
        await settle(pilot)
        assert [decision(review_db, k)[0] for k in ("refund", "password", "hostile")] == [
            "improvement",
            "neutral",
            "skip",
        ]
        assert "shipping" in cursor_line(app)
        assert "4 of 45 reviewed, 1 regression" in screen_text(app)
        await pilot.press("down", "down", "up")  # arrows move the cursor, not the viewport
        await settle(pilot)
        assert "extra-000" in cursor_line(app)


async def test_undo_and_redo_go_through_history(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert decision(review_db, "order-status")[0] is None
        assert "order-status" in cursor_line(app)  # undo brings the cursor back
        assert "REG" not in line_with(app, "order-status")
        assert "0 of 45 reviewed" in screen_text(app)
        await pilot.press("U")
        await settle(pilot)
        assert decision(review_db, "order-status")[0] == "regression"
        assert "REG" in line_with(app, "order-status")
        await pilot.press("u")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert [a for a, *_ in history(review_db, "order-status")] == [
            "tag",
            "undo",
            "redo",
            "undo",
            "redo",
        ]


async def test_note_in_the_inline_editor(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"lost the eta key")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert decision(review_db, "order-status") == (None, "ana", "lost the eta key")
        assert "✎ lost the eta key" in screen_text(app)
        assert "✎" in line_with(app, "order-status")


async def test_external_editor_falls_back_inline_when_suspend_is_not_supported(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert type(app.screen).__name__ == "NoteEditor"
        await pilot.press(*"fallback works", "ctrl+s")
        await settle(pilot)
        assert decision(review_db, "order-status")[2] == "fallback works"


async def test_filters_untagged_signal_and_metadata(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "r")
        await pilot.press("t")  # untagged only
        await settle(pilot)
        assert "filter: untagged" in screen_text(app)
        assert "2 of 45 reviewed" in screen_text(app)
        assert "1/43" in screen_text(app)
        assert "password" in cursor_line(app)
        await pilot.press("F", "f")
        await settle(pilot)
        screen = app.screen
        await pilot.press(*["down"] * option_index(screen, "signal:refusal_appeared"), "enter")
        await settle(pilot)
        assert "1/1" in screen_text(app) and "refund" in cursor_line(app)
        await pilot.press("F", "f")
        await settle(pilot)
        await pilot.press(*["down"] * option_index(app.screen, "meta"), "enter")
        await settle(pilot)
        await pilot.press(*"LANG=FR")  # field and value match whatever their case
        await pilot.press("enter")
        await settle(pilot)
        assert "filter: lang=FR" in screen_text(app)
        assert "shipping" in cursor_line(app) and "1/1" in screen_text(app)


async def test_fuzzy_search_and_jump_to_key(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"ship to canda", "enter")  # a typo still finds "Canada"
        await settle(pilot)
        assert "search='ship to canda'" in screen_text(app)
        assert "shipping" in cursor_line(app) and "1/1" in screen_text(app)
        await pilot.press("F")
        await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        await pilot.press(*"extra-030", "enter")
        await settle(pilot)
        assert "extra-030" in cursor_line(app)
        assert "36/45" in screen_text(app)


async def test_order_switch_from_the_picker(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press(*["down"] * option_index(app.screen, "key"), "enter")
        await settle(pilot)
        assert "order: key" in screen_text(app)
        assert "extra-000" in cursor_line(app)


async def test_reopening_resumes_after_the_last_tag(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "n", "j", "s")
        await settle(pilot)
    again = make_app(review_db)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "extra-000" in cursor_line(again)  # the pair after "shipping", tagged last
    other = make_app(review_db, reviewer="bo")
    async with other.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "order-status" in cursor_line(other)  # bo never reviewed: from the top


async def test_two_reviewers_on_one_file_at_once(review_db):
    ana, bo = make_app(review_db, "ana"), make_app(review_db, "bo")
    async with ana.run_test(size=SIZE) as pa, bo.run_test(size=SIZE) as pb:
        await settle(pa)
        await settle(pb)
        await pa.press("r")
        await pb.press("j", "i")
        await settle(pa)
        await settle(pb)
        await pb.press("R")  # reload picks up ana's tag at once (the poll would in 1 s)
        await settle(pb)
        assert "REG" in line_with(bo, "order-status")
        assert "IMP" in line_with(bo, "refund")
        await pa.pause(1.2)  # ana's screen polls and sees bo's tag without a key
        await settle(pa)
        assert "IMP" in line_with(ana, "refund")
        assert "2 of 45 reviewed" in screen_text(ana)
    assert decision(review_db, "order-status")[:2] == ("regression", "ana")
    assert decision(review_db, "refund")[:2] == ("improvement", "bo")


async def test_hostile_output_is_shown_literally(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await pilot.press(*"hostile", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]not bold[/bold]" in text
        assert "[@click=app.quit]quit[/]" in text
        assert "[link=https://evil.example]click[/link]" in text
        assert "␛[2J␛]0;pwned␇" in text
        assert not any(ch in text for ch in "\x1b\x07\x00\u202e")
        assert app.is_running


async def test_ten_megabyte_output_and_absurd_line(review_db):
    from swapview.store import LoadReport, PairRecord, PairWriter, open_db, write_transaction

    db = open_db(review_db)
    huge = ("x" * 100_000 + "\n") * 100  # 10 MB, lines of 100,000 characters
    with write_transaction(db):
        PairWriter(db, 1, LoadReport()).write([PairRecord("huge", "big", "small", huge)])
    db.close()
    app = make_app(review_db, order="key")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(":")
        await settle(pilot)
        await pilot.press(*"huge", "enter")
        await settle(pilot)
        assert "⚠ new: 100 lines clipped at 10,000 characters" in screen_text(app)
        for _ in range(30):  # page down to the end of the first clipped line
            await pilot.press("space")
            await pilot.pause()
            if "… 90,000 more" in screen_text(app):  # the marker may wrap after that
                break
        else:
            raise AssertionError("the clip marker never came into view")
        assert app.is_running and "huge" in cursor_line(app)


async def test_toggles_unified_wrap_prompt_and_palette(review_db):
    app = make_app(review_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert "gpt-old → + gpt-new" in screen_text(app)
        await pilot.press("w", "p", "p", "W")  # prompt: turns -> full -> one line
        await settle(pilot)
        assert "no wrap" in screen_text(app) and "▸ user: Where is my order" in screen_text(app)
        assert "whitespace ignored" in screen_text(app)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"side by side")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert "+ new: gpt-new" in screen_text(app)  # back to two columns


async def test_help_lists_keys_as_mapped(review_db):
    cfg = Config(keys={"tag_regression": "z"}, tags=[TagConfig(name="wrong_fact", key="1")])
    app = make_app(review_db)
    app.context.config = cfg
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("z")
        await pilot.press("1")
        await settle(pilot)
        assert decision(review_db, "order-status")[0] == "regression"
        assert decision(review_db, "refund")[0] == "wrong_fact"
        assert "WRO" in line_with(app, "refund")
        await pilot.press("question_mark")
        await settle(pilot)
        help_text = screen_text(app)
        assert (
            "Regression" in line_with(app, "Regression")
            and " z " in line_with(app, "Regression") + " "
        )
        assert "Wrong_fact" in help_text
        rows = {binding_id: (keys, desc) for keys, desc, binding_id in app.screen._rows}
        assert rows["tag_regression"] == ("z", "Regression")  # with the id to remap it by
        await pilot.press("escape")
        await settle(pilot)
        assert review_screen(app) is app.screen


async def test_a_remap_by_an_unknown_id_is_reported(review_db):
    app = make_app(review_db)
    app.context.config = Config(keys={"tag_regresion": "z", "undo": "y"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("no key has the id tag_regresion" in m for m in messages), messages
        assert not any("undo" in m for m in messages)


async def test_first_load_started_before_the_app_is_used(review_db):
    from swapview.queue.window import preload

    app = make_app(review_db)
    app.context.preloaded = preload(str(review_db), app.context.spec, "ana")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "order-status" in cursor_line(app)
        assert app.context.preloaded is None  # used once; reloads read afresh

"""Write sample_data/: a made-up but realistic model migration, with planted failures.

Fernleaf (an invented invoicing app) moves two production features from one model to a
smaller, newer one: a support assistant that must answer with one JSON object
{"answer", "category", "escalate"}, and a ticket summariser limited to three plain
sentences. Most pairs are unchanged or reworded; some improve; some carry a planted failure
(broken JSON, renamed keys, changed types, a new refusal, much shorter, truncated, another
language, markdown where plain text was asked, a plausible wrong fact), and, after those
300 pairs, support answers grown far past their word budget.

    python sample_data/make_sample.py [FOLDER]   # deterministic: same output every run

Writes support_assistant.jsonl (what swapview loads) and answer_key.jsonl (key, expected tag,
planted kind; for tests only: the loader never reads it).
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from sample_topics import (
    AGENTS,
    CATEGORIES,
    CLOSERS,
    GREETINGS,
    OPENERS,
    REFUSALS,
    SIGNOFFS,
    SLOTS,
    TOPICS,
)

HERE = Path(__file__).resolve().parent
BASELINE_MODEL = "gpt-4o-2024-08-06"
CANDIDATE_MODEL = "gpt-4.1-mini-2025-04-14"
SYSTEM = (
    "You are Fernleaf's support assistant. Reply with exactly one JSON object and nothing"
    ' else: {"answer": string, "category": one of ' + ", ".join(CATEGORIES) + ","
    ' "escalate": true when a human agent must take over}. Answer only from the help'
    " centre, in the customer's language, in plain text (the widget shows no markdown)."
)
SUMMARY_ASK = ("Summarise this support ticket for the account manager in at most three"
               " sentences of plain text (no lists, no headings).")

SUPPORT_PLAN = {  # kind: (count, expected tag)
    "unchanged": (42, "neutral"), "reworded": (52, "neutral"), "keys_reordered": (6, "neutral"),
    "improved": (22, "improvement"), "json_broke": (10, "regression"),
    "json_keys_changed": (8, "regression"), "json_types_changed": (4, "regression"),
    "refusal_appeared": (10, "regression"), "much_shorter": (9, "regression"),
    "truncated": (8, "regression"), "language_changed": (8, "regression"),
    "markdown_changed": (5, "regression"), "wrong_fact": (16, "regression"),
}
SUMMARY_PLAN = {
    "unchanged": (14, "neutral"), "reworded": (34, "neutral"), "improved": (10, "improvement"),
    "markdown_changed": (10, "regression"), "much_shorter": (7, "regression"),
    "truncated": (6, "regression"), "wrong_fact": (9, "regression"),
    "refusal_appeared": (4, "regression"), "language_changed": (6, "regression"),
}


def fill(text: str, rng: random.Random) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: rng.choice(SLOTS[m.group(1)]), text)


class Answer:
    """One support answer: which wording of each fact, plus opener and closer."""

    def __init__(self, topic: dict, rng: random.Random) -> None:
        self.topic = topic
        self.choices = [rng.randrange(len(f)) for f in topic["facts"]]
        self.opener = rng.choice(OPENERS)
        self.closer = rng.choice(CLOSERS)
        self.escalate = topic["escalate"]
        self.wrong = False

    def reworded(self, rng: random.Random) -> Answer:
        other = Answer(self.topic, rng)
        while other.text() == self.text():
            other = Answer(self.topic, rng)
        return other

    def with_wrong_fact(self) -> Answer:
        old = self.topic["wrong"][0]
        for i, fact in enumerate(self.topic["facts"]):
            if old not in fact[self.choices[i]]:
                hits = [j for j, v in enumerate(fact) if old in v]
                if hits:
                    self.choices[i] = hits[0]
        self.wrong = True
        assert old in self._body(), self.topic["id"]
        return self

    def _body(self) -> str:
        return " ".join(f[c] for f, c in zip(self.topic["facts"], self.choices, strict=True))

    def text(self) -> str:
        body = self._body()
        if self.wrong:
            body = body.replace(*self.topic["wrong"])
        return (self.opener + body + self.closer).strip()

    def obj(self, text: str | None = None) -> dict:
        return {"answer": text or self.text(), "category": self.topic["category"],
                "escalate": self.escalate}


def dump(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def broken_json(ans: Answer, rng: random.Random) -> tuple[str, str]:
    obj = ans.obj()
    style = rng.randrange(5)
    if style == 0:
        return "```json\n" + json.dumps(obj, ensure_ascii=False, indent=2) + "\n```", "fenced JSON"
    if style == 1:
        return ("Here is the response in the requested format:\n\n" + dump(obj),
                "prose before the JSON")
    if style == 2:
        return repr(obj), "Python repr, not JSON"  # Python's quotes and True/False
    if style == 3:
        return dump(obj)[:-1] + ",}", "trailing comma"
    return ans.text(), "no JSON at all"


def candidate_support(kind: str, base: Answer, rng: random.Random) -> tuple[str, str]:
    """The candidate output for a planted kind, and a short note for the answer key."""
    if kind == "unchanged":
        return dump(base.obj()), "identical"
    if kind == "reworded":
        return dump(base.reworded(rng).obj()), "same facts, other wording"
    if kind == "keys_reordered":
        o = base.obj()
        return dump({"category": o["category"], "escalate": o["escalate"],
                     "answer": o["answer"]}), "same object, keys in another order"
    if kind == "json_broke":
        return broken_json(base, rng)
    if kind == "json_keys_changed":
        o = base.obj()
        renames = [("answer", "response"), ("category", "topic"), ("escalate", "needs_escalation")]
        old, new = rng.choice(renames)
        return dump({(new if k == old else k): v for k, v in o.items()}), f"{old} -> {new}"
    if kind == "json_types_changed":
        o = base.obj()
        if rng.random() < 0.5:
            o["escalate"] = "yes" if o["escalate"] else "no"
            return dump(o), "escalate is a string"
        o["category"] = [o["category"]]
        return dump(o), "category is a list"
    if kind == "refusal_appeared":
        text = rng.choice(REFUSALS)
        if rng.random() < 0.6:
            return dump({"answer": text, "category": "other", "escalate": True}), "refusal in JSON"
        return text, "plain-text refusal"
    if kind == "much_shorter":
        shortest = min((f[c] for f, c in zip(base.topic["facts"], base.choices, strict=True)),
                       key=len)
        return dump(base.obj(shortest)), "one sentence of the answer left"
    if kind == "truncated":
        full = dump(base.reworded(rng).obj())
        return full[: int(len(full) * rng.uniform(0.35, 0.7))], "cut off mid-output"
    if kind == "language_changed":
        lang = rng.choice(["es", "de"])
        return dump(base.obj(base.topic[lang])), f"answered in {lang} to an English question"
    if kind == "markdown_changed":
        facts = [f[c] for f, c in zip(base.topic["facts"], base.choices, strict=True)]
        md = "**Here's what to do:**\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(facts, 1))
        return dump(base.obj(md)), "markdown list in a plain-text widget"
    if kind == "wrong_fact":
        wrong = base.reworded(rng) if rng.random() < 0.5 else Answer(base.topic, rng)
        wrong.choices = list(base.choices) if rng.random() < 0.5 else wrong.choices
        wrong.with_wrong_fact()
        old, new = base.topic["wrong"]
        return dump(wrong.obj()), f"says {new!r} instead of {old!r}"
    if kind == "much_longer":
        return dump(base.obj(too_long(base))), "every wording of every step, and more"
    raise ValueError(kind)


def too_long(base: Answer) -> str:
    """An answer that says everything the help centre knows, twice over: too long for the
    widget (and for the answer's word budget) though every fact in it is right."""
    every = " ".join(v for fact in base.topic["facts"] for v in fact)
    return (f"{base.opener}Thanks for asking! Let me walk you through this in full detail."
            f" {every} To recap: {every} I hope this long overview covers everything, and"
            " please let me know if anything at all is unclear.")


def support_case(kind: str, rng: random.Random) -> dict:
    pool = [t for t in TOPICS if "es" in t] if kind == "language_changed" else TOPICS
    topic = rng.choice(pool)
    greeting, ask = rng.choice(GREETINGS), rng.choice(topic["asks"])
    if greeting.endswith(", ") and not ask.startswith(("I ", "I'", "Q")):
        ask = ask[0].lower() + ask[1:]
    ask = fill(greeting + ask + rng.choice(SIGNOFFS), rng)
    messages = [{"role": "system", "content": SYSTEM}]
    if rng.random() < 0.2:
        hello = rng.choice(["hi", "Hello", "hey, quick question"])
        messages += [{"role": "user", "content": hello},
                     {"role": "assistant", "content": dump(
                         {"answer": "Hi! How can I help you today?", "category": "other",
                          "escalate": False})}]
    messages.append({"role": "user", "content": ask.strip()})
    base = Answer(topic, rng)
    if kind == "improved":
        return _improved_support(messages, base, rng)
    cand, note = candidate_support(kind, base, rng)
    return {"prompt": messages, "baseline": dump(base.obj()), "candidate": cand, "note": note,
            "topic": topic["id"]}


def _improved_support(messages: list, good: Answer, rng: random.Random) -> dict:
    style = rng.randrange(3)
    if style == 0 and good.topic["escalate"]:
        bad = Answer(good.topic, rng)
        bad.escalate = False
        note = "baseline failed to escalate"
    elif style == 1:
        bad = Answer(good.topic, rng).with_wrong_fact()
        note = f"baseline said {good.topic['wrong'][1]!r}"
    else:
        bad = good
        good = good.reworded(rng)
        first = bad.topic["facts"][0][bad.choices[0]]
        return {"prompt": messages, "baseline": dump(bad.obj(first)), "candidate": dump(good.obj()),
                "note": "baseline gave one sentence, candidate the full steps",
                "topic": good.topic["id"]}
    return {"prompt": messages, "baseline": dump(bad.obj()), "candidate": dump(good.obj()),
            "note": note, "topic": good.topic["id"]}


IMPERATIVE = {"Go", "Open", "Create", "Set", "Turn", "Connect", "Invite", "Pick", "Choose",
              "Upload", "Ask", "Please", "To", "You", "Export", "Add", "Under", "For", "Sorry"}
PROPER = {"Stripe", "Okta", "Fernleaf", "Starter", "Pro", "Business", "Payments", "Settings",
          "Integrations", "Reports", "SAML", "SSO", "QuickBooks"}


def summary_fact(topic: dict, rng: random.Random) -> list[str]:
    """The wordings of one fact a summary can report: a statement, not advice to "you"."""
    usable = [f for f in topic["facts"]
              if all(v.split(" ")[0].strip("!,") not in IMPERATIVE and "I'm" not in v
                     and "I've" not in v for v in f)]
    return rng.choice(usable) if usable else []


def lower_first(sentence: str) -> str:
    word = sentence.split(" ")[0].strip(",")
    return sentence if word in PROPER else sentence[0].lower() + sentence[1:]


STATUS = {
    "resolved": ["The customer confirmed it worked, so the ticket is resolved.",
                 "Resolved: the customer confirmed the answer solved it.",
                 "The customer said that fixed it; ticket closed."],
    "waiting": ["We are waiting for the customer to reply with {what}.",
                "The ticket is open, waiting on {what} from the customer.",
                "Next step is on the customer: we asked for {what}."],
    "escalated": ["The ticket was escalated to the {team} team.",
                  "{agent} handed it to the {team} team, who now own it.",
                  "It is escalated to {team} and still open."],
}
WAIT_FOR = ["a screenshot", "the invoice number", "the date of the charge", "the browser version"]


class Ticket:
    def __init__(self, rng: random.Random) -> None:
        self.topic = rng.choice(TOPICS)
        self.number = rng.randrange(40000, 99999)
        self.name = rng.choice(SLOTS["name"])
        self.company = rng.choice(SLOTS["client"])
        self.plan = rng.choice(SLOTS["plan"])
        self.agent = rng.choice(AGENTS)
        self.status = "escalated" if self.topic["escalate"] else rng.choice(
            ["resolved", "resolved", "waiting"])
        self.what = rng.choice(WAIT_FOR)
        self.team = {"billing": "billing", "security": "security", "payments": "payments"}.get(
            self.topic["category"], "engineering")
        # Advice-only topics ("Create ...") are reported as advice, not as "explained that".
        self.fact = summary_fact(self.topic, rng)
        self.advice = rng.choice(self.topic["facts"])
        self.thread = self._thread(rng)

    def _thread(self, rng: random.Random) -> str:
        ask = fill(rng.choice(self.topic["asks"]), rng)
        answer = Answer(self.topic, rng).text()
        lines = [f"Customer ({self.name}): {ask}", f"Agent ({self.agent}): {answer}"]
        if self.status == "resolved":
            lines.append(f"Customer ({self.name}): " + rng.choice(
                ["That worked, thank you!", "Perfect, all sorted.", "Got it, thanks a lot."]))
        elif self.status == "waiting":
            lines.append(f"Agent ({self.agent}): Could you send me {self.what}?")
        else:
            lines.append(f"Agent ({self.agent}): I've passed this to our {self.team} team; they"
                         " will reply here.")
        return "\n".join(lines)

    def prompt(self) -> str:
        return (f"{SUMMARY_ASK}\n\nTicket #{self.number} | {self.company} | {self.plan} plan\n\n"
                f"{self.thread}")

    def summary(self, rng: random.Random, status: str | None = None, parts: int = 3) -> str:
        first = self.agent.split(",")[0]
        if self.fact:
            fact = lower_first(rng.choice(self.fact))
            middle = rng.choice([f"{first} explained that {fact}",
                                 f"{first} told them that {fact}", f"Per {first}, {fact}"])
        else:
            middle = rng.choice([f"{first} advised: {rng.choice(self.advice)}",
                                 f"{first}'s advice: {rng.choice(self.advice)}"])
        opening = rng.choice([
            f"{self.name} at {self.company} asked about {self.topic['gist']}.",
            f"{self.company} ({self.name}, {self.plan} plan) contacted support about"
            f" {self.topic['gist']}.",
            f"{self.name} from {self.company} wrote in about {self.topic['gist']}."])
        closing = rng.choice(STATUS[status or self.status]).format(
            what=self.what, team=self.team, agent=first)
        return " ".join([opening, middle, closing][:parts])


def candidate_summary(kind: str, t: Ticket, base: str, rng: random.Random) -> tuple[str, str]:
    if kind == "unchanged":
        return base, "identical"
    if kind == "reworded":
        other = t.summary(rng)
        while other == base:
            other = t.summary(rng)
        return other, "same facts, other wording"
    if kind == "markdown_changed":
        sents = t.summary(rng).split(". ")
        return ("## Ticket summary\n\n" + "\n".join(f"- {s.rstrip('.')}" for s in sents),
                "heading and bullet list where plain sentences were asked")
    if kind == "much_shorter":
        return f"Customer asked about {t.topic['gist']}.", "one short sentence, no outcome"
    if kind == "truncated":
        full = t.summary(rng)
        cut = full[: int(len(full) * rng.uniform(0.4, 0.7))]
        return cut.rsplit(" ", 1)[0], "stops mid-sentence"
    if kind == "wrong_fact":
        flipped = {"resolved": "waiting", "waiting": "resolved", "escalated": "resolved"}
        return t.summary(rng, status=flipped[t.status]), f"status given as {flipped[t.status]}"
    if kind == "refusal_appeared":
        return rng.choice([
            "I can't summarise conversations that contain customer personal information.",
            "I'm sorry, but I can't help with that request."]), "refuses to summarise"
    if kind == "language_changed":
        estado = {"resolved": "resuelto", "waiting": "pendiente de respuesta del cliente",
                  "escalated": "escalado al equipo de " + t.team}[t.status]
        return (f"{t.name}, de {t.company}, contactó con soporte. {t.agent.split(',')[0]} le"
                f" explicó los pasos a seguir. El ticket está {estado}."), "answered in Spanish"
    raise ValueError(kind)


def summary_case(kind: str, rng: random.Random) -> dict:
    t = Ticket(rng)
    base = t.summary(rng)
    if kind == "improved":
        if rng.random() < 0.5:
            flipped = {"resolved": "waiting", "waiting": "resolved", "escalated": "resolved"}
            bad, note = t.summary(rng, status=flipped[t.status]), "baseline had the wrong status"
        else:
            bad, note = t.summary(rng, parts=2), "baseline left out the ticket's status"
        return {"prompt": t.prompt(), "baseline": bad, "candidate": base, "note": note,
                "topic": t.topic["id"]}
    cand, note = candidate_summary(kind, t, base, rng)
    return {"prompt": t.prompt(), "baseline": base, "candidate": cand, "note": note,
            "topic": t.topic["id"]}


def build(seed: int = 20250611) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    cases = []
    for feature, plan, make in (("support_answer", SUPPORT_PLAN, support_case),
                                ("ticket_summary", SUMMARY_PLAN, summary_case)):
        for kind, (count, tag) in plan.items():
            for _ in range(count):
                cases.append((feature, kind, tag, make(kind, rng)))
    rng.shuffle(cases)
    rows, key = [], []
    for i, (feature, kind, tag, case) in enumerate(cases, 1):
        case_id = f"{'sup' if feature == 'support_answer' else 'sum'}-{i:04d}"
        rows.append({"id": case_id, "feature": feature, "prompt": case["prompt"],
                     "baseline_model": BASELINE_MODEL, "candidate_model": CANDIDATE_MODEL,
                     "baseline_output": case["baseline"], "candidate_output": case["candidate"],
                     "topic": case["topic"], "channel": rng.choice(["chat", "chat", "email"])})
        planted = None if tag != "regression" else kind
        key.append({"key": case_id, "expected_tag": tag, "planted": planted, "kind": kind,
                    "note": case["note"]})
    extra_rows, extra_key = _appended(seed, len(rows))
    return rows + extra_rows, key + extra_key


# Added after the first 300 pairs with their own random stream, so those stay byte-identical:
# answers too long for the widget (the one planted contract break the plans above lacked).
APPENDED_PLAN = {"much_longer": (8, "regression")}


def _appended(seed: int, start: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed + 1)
    rows, key = [], []
    for kind, (count, tag) in APPENDED_PLAN.items():
        for _ in range(count):
            case = support_case(kind, rng)
            case_id = f"sup-{start + len(rows) + 1:04d}"
            rows.append({"id": case_id, "feature": "support_answer", "prompt": case["prompt"],
                         "baseline_model": BASELINE_MODEL, "candidate_model": CANDIDATE_MODEL,
                         "baseline_output": case["baseline"],
                         "candidate_output": case["candidate"], "topic": case["topic"],
                         "channel": rng.choice(["chat", "chat", "email"])})
            key.append({"key": case_id, "expected_tag": tag, "planted": kind, "kind": kind,
                        "note": case["note"]})
    return rows, key


def write(folder: Path) -> None:
    rows, key = build()
    for name, items in (("support_assistant.jsonl", rows), ("answer_key.jsonl", key)):
        with (folder / name).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    print(f"wrote {len(rows)} pairs to {folder / 'support_assistant.jsonl'}")


def main() -> None:
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)


if __name__ == "__main__":
    main()

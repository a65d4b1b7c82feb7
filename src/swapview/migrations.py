"""Schema steps, applied in order by sqlite-utils Migrations, each in a transaction.

Numbering: m001-m009 foundation, m010-m019 scoring, m020-m029 review,
m030-m039 triage, m040-m049 replay, m050-m059 importers, m060-m069 export,
m070-m079 contracts, m080-m089 judge, m090-m099 refinement, m110-m119 reviewers
sharing a database, m120-m129 shift.
Keep every table plain enough for a datasette or sqlite-utils user to read.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("swapview")


@migrations()
def m001_create_comparisons_and_pairs(db: Database) -> None:
    # One comparison is one model migration; a pair is one input answered by both models.
    # The prompt is plain text, or a JSON chat message list when prompt_format = 'chat'.
    # content_hash covers prompt and both outputs, so a reload can tell what changed.
    db.executescript(
        """
        CREATE TABLE comparisons (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            baseline_model TEXT,
            candidate_model TEXT,
            source TEXT,
            created TEXT NOT NULL,
            metadata TEXT
        );
        CREATE TABLE pairs (
            id INTEGER PRIMARY KEY,
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            key TEXT NOT NULL,
            prompt TEXT,
            prompt_format TEXT NOT NULL DEFAULT 'text',
            baseline_output TEXT,
            candidate_output TEXT,
            metadata TEXT,
            content_hash TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            UNIQUE (comparison_id, key)
        );
        """
    )


@migrations()
def m002_create_reviews(db: Database) -> None:
    # reviews is append-only history: every tag, note, undo and redo is a row with who and
    # when, each holding the full decision after it (so undo is "apply the row before").
    # decisions holds the current state per pair, written in the same transaction, so
    # queue filters like "untagged" never scan the history. stale = the outputs changed
    # after the decision was made.
    db.executescript(
        """
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            reviewer TEXT NOT NULL,
            action TEXT NOT NULL,
            tag TEXT,
            note TEXT,
            corrected_output TEXT,
            pair_hash TEXT NOT NULL,
            reverts INTEGER REFERENCES reviews(id),
            created TEXT NOT NULL
        );
        CREATE INDEX reviews_pair ON reviews(pair_id, id);
        CREATE INDEX reviews_reviewer ON reviews(reviewer, id);
        CREATE TABLE decisions (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            tag TEXT,
            note TEXT,
            corrected_output TEXT,
            reviewer TEXT NOT NULL,
            review_id INTEGER NOT NULL REFERENCES reviews(id),
            pair_hash TEXT NOT NULL,
            stale INTEGER NOT NULL DEFAULT 0,
            updated TEXT NOT NULL
        );
        CREATE INDEX decisions_tag ON decisions(tag);
        """
    )


@migrations()
def m003_create_scores_signals_embeddings(db: Database) -> None:
    # One row of scores per pair, for the content_hash it was computed on: a pair whose
    # hash moved on is re-scored. Every distance records the model that made it, because
    # scales differ between models. signals holds one row per quirk that fired, so the
    # queue can filter by signal with an index; signal_count allows "any quirk first".
    db.executescript(
        """
        CREATE TABLE scores (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            content_hash TEXT NOT NULL,
            scorer_version TEXT NOT NULL,
            embedding_model TEXT,
            semantic_distance REAL,
            lexical_distance REAL,
            length_change REAL,
            signal_count INTEGER NOT NULL DEFAULT 0,
            scored TEXT NOT NULL
        );
        CREATE INDEX scores_semantic ON scores(semantic_distance, pair_id);
        CREATE INDEX scores_lexical ON scores(lexical_distance, pair_id);
        CREATE TABLE signals (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            name TEXT NOT NULL,
            detail TEXT,
            PRIMARY KEY (pair_id, name)
        );
        CREATE INDEX signals_name ON signals(name, pair_id);
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, content_hash)
        );
        """
    )


@migrations()
def m020_review_queue_indexes(db: Database) -> None:
    # The review queue pages with keyset queries, one index per order, so a page costs the
    # same at row 10 and at row 1,000,000. (comparison_id, id) serves counts, the tail of
    # unscored pairs and id-ordered scans without reading pair texts. pairs_random indexes
    # the random order for seed 0 (the default): the expression must stay identical to
    # queue.orders' for SQLite to use it (a test checks the query plan); other seeds work
    # without an index, at a scan per page.
    shuffle = (
        "(((((((id + 0) * 2654435761) % 4294967296) | ((((id + 0) * 2654435761) % 4294967296)"
        " >> 16)) - ((((id + 0) * 2654435761) % 4294967296) & ((((id + 0) * 2654435761)"
        " % 4294967296) >> 16))) * 73244475) % 4294967296)"
    )
    db.executescript(
        f"""
        CREATE INDEX IF NOT EXISTS pairs_comparison_id ON pairs(comparison_id, id);
        CREATE INDEX IF NOT EXISTS pairs_random ON pairs(comparison_id, {shuffle});
        CREATE INDEX IF NOT EXISTS scores_length ON scores(length_change, pair_id);
        CREATE INDEX IF NOT EXISTS scores_quirk
            ON scores(signal_count, semantic_distance, pair_id);
        """
    )


@migrations()
def m030_create_triage_scores(db: Database) -> None:
    # The likely-regression queue. triage_features caches each pair's cheap feature vector
    # (float64 BLOB, layout named by version) for the content_hash it was computed on, so a
    # refit after each tag never re-reads the texts. triage_scores holds the current score
    # (log-odds) and its reason per pair; the index serves the queue's keyset pages
    # "score DESC, pair_id DESC" (scanned backwards).
    # triage_models keeps the fitted weights per comparison, to explain and to audit.
    db.executescript(
        """
        CREATE TABLE triage_features (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            content_hash TEXT NOT NULL,
            version TEXT NOT NULL,
            vector BLOB NOT NULL
        );
        CREATE TABLE triage_scores (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            score REAL NOT NULL,
            reason TEXT,
            model_version TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE INDEX triage_scores_order ON triage_scores(score, pair_id);
        CREATE TABLE triage_models (
            comparison_id INTEGER PRIMARY KEY REFERENCES comparisons(id),
            model_version TEXT NOT NULL,
            weights TEXT NOT NULL,
            intercept REAL NOT NULL,
            n_tags INTEGER NOT NULL,
            n_regressions INTEGER NOT NULL,
            updated TEXT NOT NULL
        );
        """
    )


@migrations()
def m031_create_triage_clusters(db: Database) -> None:
    # Groups of pairs whose changes are alike (same new refusal phrase, same JSON key
    # dropped, near-identical changed words). A pair sits in at most one cluster; size is
    # stored so the queue can show it without a GROUP BY per row.
    db.executescript(
        """
        CREATE TABLE triage_clusters (
            id INTEGER PRIMARY KEY,
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            kind TEXT NOT NULL,
            label TEXT NOT NULL,
            size INTEGER NOT NULL,
            created TEXT NOT NULL
        );
        CREATE INDEX triage_clusters_comparison ON triage_clusters(comparison_id, size DESC);
        CREATE TABLE triage_cluster_members (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            cluster_id INTEGER NOT NULL REFERENCES triage_clusters(id)
        );
        CREATE INDEX triage_cluster_members_cluster ON triage_cluster_members(cluster_id, pair_id);
        """
    )


@migrations()
def m032_create_triage_bands(db: Database) -> None:
    # Strata for the "how many regressions are left" estimate. Each pair gets a band (fixed
    # once assigned, so the estimate stays valid while the model learns) and a random
    # sample_key: the pairs of a band in sample_key order are a uniform random sample of it.
    db.executescript(
        """
        CREATE TABLE triage_bands (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            band INTEGER NOT NULL,
            sample_key REAL NOT NULL
        );
        CREATE INDEX triage_bands_sample ON triage_bands(comparison_id, band, sample_key);
        CREATE TABLE triage_strata (
            comparison_id INTEGER PRIMARY KEY REFERENCES comparisons(id),
            basis TEXT NOT NULL,
            edges TEXT NOT NULL,
            created TEXT NOT NULL
        );
        """
    )


@migrations()
def m040_create_replay_errors(db: Database) -> None:
    # Why `swapview replay` got no answer for a pair: one row per pair and side, replaced
    # on each failed attempt and deleted when an answer is stored, so "what is still
    # failing" is a plain SELECT. kind is a short word (http, timeout, connection,
    # malformed, error_body); status the HTTP status when there was one; retryable = 1
    # when retries ran out on a transient fault, 0 for a refusal such as 400 or 404.
    # The successful request's latency, usage and finish reason live in the pair's
    # metadata under "replay" instead: they describe the stored answer.
    db.executescript(
        """
        CREATE TABLE replay_errors (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            side TEXT NOT NULL CHECK (side IN ('baseline', 'candidate')),
            model TEXT,
            kind TEXT NOT NULL,
            status INTEGER,
            message TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            retryable INTEGER NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (pair_id, side)
        );
        """
    )


@migrations()
def m041_create_replay_claims(db: Database) -> None:
    # Which replay run is answering which pair and side right now, so two `swapview
    # replay` processes on one comparison never pay for the same prompt: a run claims a
    # small page of pending pairs in the same transaction that reads it, renews its claims
    # while it runs (expires, unix seconds) and deletes them when it ends. A killed run's
    # claims lapse at `expires`, or at once for a run on this host whose pid is gone.
    db.executescript(
        """
        CREATE TABLE replay_claims (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            side TEXT NOT NULL CHECK (side IN ('baseline', 'candidate')),
            run_id TEXT NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            expires REAL NOT NULL,
            PRIMARY KEY (pair_id, side)
        );
        CREATE INDEX replay_claims_run ON replay_claims(run_id);
        """
    )


@migrations()
def m070_create_contracts(db: Database) -> None:
    # What `swapview contracts check` last checked per comparison: each contract's
    # definition (JSON, as in the file, schema inlined) and a fingerprint of it; exports
    # read `assertions` (promptfoo's, drafted when checked) without importing the checker.
    # contract_results holds one row per pair and contract that applies to it: whether
    # each side kept it (1/0) and why not, for the content_hash and fingerprint it was
    # checked on, so a changed pair or a changed contract is re-checked and nothing else.
    # A broken contract (old kept it, new does not) is also a `contract:NAME` row in
    # signals, which every signal reader already understands.
    db.executescript(
        """
        CREATE TABLE contracts (
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            name TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            definition TEXT NOT NULL,
            assertions TEXT NOT NULL,
            source TEXT,
            updated TEXT NOT NULL,
            PRIMARY KEY (comparison_id, name)
        );
        CREATE TABLE contract_results (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            contract TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            baseline_ok INTEGER NOT NULL,
            candidate_ok INTEGER NOT NULL,
            baseline_error TEXT,
            candidate_error TEXT,
            PRIMARY KEY (pair_id, contract)
        );
        CREATE INDEX contract_results_contract ON contract_results(contract, pair_id);
        """
    )


@migrations()
def m080_create_judge_verdicts(db: Database) -> None:
    # What `swapview judge` asked a judge model and what it answered: one row per pair,
    # judge model, rubric (by hash) and order (old_first: the old answer shown as A). A
    # changed rubric or model adds rows and keeps the old ones; the primary key is what
    # makes "never pay twice" a lookup. status: ok (a verdict), unparseable (raw_answer
    # kept, never a verdict), identical (both outputs equal, "same" for free, no request),
    # failed (no answer after retries; sent again by the next run). p_* are the verdict
    # probabilities from logprobs when the endpoint returned them. pair_hash is the pair's
    # content_hash when judged, so a reloaded pair is judged afresh.
    db.executescript(
        """
        CREATE TABLE judge_rubrics (
            hash TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE TABLE judge_verdicts (
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            judge_model TEXT NOT NULL,
            rubric_hash TEXT NOT NULL REFERENCES judge_rubrics(hash),
            ask_order TEXT NOT NULL CHECK (ask_order IN ('old_first', 'new_first')),
            status TEXT NOT NULL CHECK (status IN ('ok', 'unparseable', 'identical', 'failed')),
            choice TEXT,
            verdict TEXT CHECK (verdict IN ('new_worse', 'same', 'new_better')),
            p_new_worse REAL,
            p_same REAL,
            p_new_better REAL,
            rationale TEXT,
            raw_answer TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            latency_ms REAL,
            attempts INTEGER NOT NULL DEFAULT 0,
            pair_hash TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (pair_id, judge_model, rubric_hash, ask_order)
        );
        CREATE INDEX judge_verdicts_judge ON judge_verdicts(judge_model, rubric_hash, pair_id);
        """
    )


@migrations()
def m081_create_judge_pairs(db: Database) -> None:
    # Each pair's current verdict from the judge that judged its comparison last: what the
    # review queue shows (a column), sorts by (the "judge" order, on the index) and filters
    # on ("the judge disagrees with me"), without combining both orders' rows per page.
    # judge/pairs.py rewrites a comparison's rows after every judge run or field import;
    # pair_hash is the content it was judged on (a reloaded pair drops out). Verdicts stored
    # before this step are filled in by `review` (judge.pairs.ensure_judge_pairs): the
    # combining of both orders lives in the judge package, above this layer.
    db.executescript(
        """
        CREATE TABLE judge_pairs (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            judge_model TEXT NOT NULL,
            rubric_hash TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('new_worse', 'same', 'new_better')),
            confidence REAL NOT NULL,
            p_worse REAL NOT NULL,
            p_better REAL NOT NULL,
            inconsistent INTEGER NOT NULL,
            rationale TEXT,
            pair_hash TEXT NOT NULL
        );
        CREATE INDEX judge_pairs_worse ON judge_pairs(p_worse, pair_id);
        CREATE INDEX judge_pairs_comparison ON judge_pairs(comparison_id);
        """
    )


@migrations()
def m090_refined_distances(db: Database) -> None:
    # Refinement (issue 19): an accurate model (MiniLM, or a served one) re-scores pairs
    # from the head of the queue down, beside the static distance, not over it. The rows
    # live in scores, so a pair re-scored for new content drops its refinement with the
    # rest of its old scores. refined_on_static is the accurate distance put on the static
    # scale by the comparison's fitted line (refine_fits), so refined and unrefined pairs
    # sort on one scale; the semantic and quirk orders read it where it is set. Refitting
    # rewrites only the refined rows: unrefined pairs keep their static distance.
    db.executescript(
        """
        ALTER TABLE scores ADD COLUMN refined_model TEXT;
        ALTER TABLE scores ADD COLUMN refined_distance REAL;
        ALTER TABLE scores ADD COLUMN refined_on_static REAL;
        CREATE INDEX scores_semantic_refined
            ON scores(coalesce(refined_on_static, semantic_distance), pair_id);
        CREATE INDEX scores_quirk_refined
            ON scores(signal_count, coalesce(refined_on_static, semantic_distance), pair_id);
        CREATE INDEX scores_refined ON scores(refined_model, pair_id);
        CREATE TABLE refine_fits (
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            model TEXT NOT NULL,
            static_model TEXT NOT NULL,
            slope REAL NOT NULL,
            intercept REAL NOT NULL,
            sigma REAL NOT NULL,
            pairs INTEGER NOT NULL,
            fitted TEXT NOT NULL,
            PRIMARY KEY (comparison_id, model)
        );
        DROP INDEX IF EXISTS scores_quirk;
        """
    )


@migrations()
def m110_create_review_claims(db: Database) -> None:
    # Reviewers on one database split the work: the pair under a reviewer's cursor is
    # claimed for a short while (until, Unix seconds) and skipped by the others' "next".
    # One row per reviewer: moving to another pair moves the claim; an expired row is
    # simply ignored (a reviewer who quit leaves nothing that blocks anyone).
    db.executescript(
        """
        CREATE TABLE review_claims (
            reviewer TEXT PRIMARY KEY,
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            until REAL NOT NULL
        );
        CREATE INDEX review_claims_pair ON review_claims(pair_id);
        """
    )


@migrations()
def m120_create_pair_facts(db: Database) -> None:
    # `swapview shift` measures every pair of a comparison: reading each text to count
    # its words and parsing each metadata JSON took 18 s per 200,000 pairs. The numbers
    # are stored once instead (pairfacts.py computes them): pair_facts per pair (words and
    # characters per side, NULL for a side not answered yet), pair_fields the metadata
    # flattened into one row per (side, field) with its JSON type, its number and its
    # text (metapath.as_text), side '' for input-level fields. The triggers keep them from
    # ever being stale, whichever writer changes a pair: new outputs, content or metadata
    # delete the pair's rows (recomputed when next needed), a pair moved to another
    # comparison moves them, a deleted pair takes them along. Existing pairs get theirs
    # the first time shift needs them (store.fill_facts), not here: a migration that read
    # every text of a big database would hold every command up for minutes.
    db.executescript(
        """
        CREATE TABLE pair_facts (
            pair_id INTEGER PRIMARY KEY REFERENCES pairs(id),
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            content_hash TEXT NOT NULL,
            baseline_words INTEGER,
            candidate_words INTEGER,
            baseline_chars INTEGER,
            candidate_chars INTEGER
        );
        CREATE INDEX pair_facts_comparison ON pair_facts(comparison_id, pair_id);
        CREATE TABLE pair_fields (
            comparison_id INTEGER NOT NULL REFERENCES comparisons(id),
            side TEXT NOT NULL CHECK (side IN ('', 'baseline', 'candidate')),
            field TEXT NOT NULL,
            pair_id INTEGER NOT NULL REFERENCES pairs(id),
            type TEXT NOT NULL,
            number REAL,
            text TEXT NOT NULL,
            PRIMARY KEY (comparison_id, side, field, pair_id)
        ) WITHOUT ROWID;
        CREATE INDEX pair_fields_pair ON pair_fields(pair_id);
        CREATE TRIGGER pair_facts_outdated
            AFTER UPDATE OF baseline_output, candidate_output, metadata, content_hash ON pairs
            WHEN old.content_hash IS NOT new.content_hash OR old.metadata IS NOT new.metadata
                OR old.baseline_output IS NOT new.baseline_output
                OR old.candidate_output IS NOT new.candidate_output
        BEGIN
            DELETE FROM pair_facts WHERE pair_id = old.id;
            DELETE FROM pair_fields WHERE pair_id = old.id;
        END;
        CREATE TRIGGER pair_facts_moved AFTER UPDATE OF comparison_id ON pairs
            WHEN old.comparison_id IS NOT new.comparison_id
        BEGIN
            UPDATE pair_facts SET comparison_id = new.comparison_id WHERE pair_id = new.id;
            UPDATE pair_fields SET comparison_id = new.comparison_id WHERE pair_id = new.id;
        END;
        CREATE TRIGGER pair_facts_deleted AFTER DELETE ON pairs
        BEGIN
            DELETE FROM pair_facts WHERE pair_id = old.id;
            DELETE FROM pair_fields WHERE pair_id = old.id;
        END;
        """
    )


@migrations()
def m130_index_score_status(db: Database) -> None:
    # "Is this comparison scored?" (review's note before the app, report's "Not scored",
    # the app's Z offer) compared each pair's content hash with its score's. The hash sits
    # after the texts in a pair's row, so the check read every text: 15 s at 1,000,000
    # pairs, before the review app's first screen. A covering index answers it from the
    # index alone, and a partial one counts the pairs still waiting for a side. Building
    # them reads every row once, here.
    db.executescript(
        """
        CREATE INDEX pairs_comparison_hash ON pairs(comparison_id, id, content_hash);
        CREATE INDEX pairs_pending ON pairs(comparison_id)
            WHERE baseline_output IS NULL OR candidate_output IS NULL;
        """
    )

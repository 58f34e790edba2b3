"""``ledger audit``: an auditor who keeps the last checkpoint it verified and trusts nothing else.

Rollback and split view are made by hand with the ledger's own signing key, as a dishonest
operator would; a rewritten history by editing the store; an unlawful release by recording a
batch to ICE on a date the built-in D.D.C. stay barred it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from taxgate.cli import app, main
from taxgate.errors import ConfigError, ProofError
from taxgate.ledger import Entry, Ledger
from taxgate.ledger.batches import record_batch
from taxgate.ledger.checkpoint import Checkpoint, Verifier, checkpoint_note, origin_of, sign_note
from taxgate.ledger.merkle import leaf_hash
from taxgate.ledger.witness import AuditRequest, WitnessState, run_audit
from taxgate.model import RELEASE, WITHHOLD, BatchRecord, ReleaseTerms

runner = CliRunner()


def _grow(ledger: Ledger, batch: str, n: int) -> str:
    head = ledger.append_batch([Entry("decision", batch, item=f"i{i}") for i in range(n)])
    return checkpoint_note(head, ledger.keys.signing_key)


def _write(path: Path, note: str) -> Path:
    path.write_text(note, encoding="utf-8")
    return path


def _vkey(ledger: Ledger) -> str:
    return Verifier.of(ledger.keys.public_key).encode()


def test_first_use_needs_the_key_then_it_is_pinned(
    store_url: str, key_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        first = _write(tmp_path / "a.note", _grow(ledger, "B1", 4))
        with pytest.raises(ConfigError, match="--key"):
            run_audit(AuditRequest(first, state, store_url=store_url))
        result = run_audit(AuditRequest(first, state, key=_vkey(ledger), store_url=store_url))
        assert (result.size, result.previous) == (4, None)
        second = _write(tmp_path / "b.note", _grow(ledger, "B2", 6))
    result = run_audit(AuditRequest(second, state, store_url=store_url))
    assert (result.size, result.previous, result.how) == (10, 4, "proof read from the store")
    saved = WitnessState.load(state)
    assert saved is not None and saved.checkpoint == second.read_text(encoding="utf-8")


def test_a_key_other_than_the_pinned_one_is_refused(
    store_url: str, key_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        note = _write(tmp_path / "a.note", _grow(ledger, "B1", 3))
        run_audit(AuditRequest(note, state, key=_vkey(ledger), store_url=store_url))
    with Ledger.open(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "k2") as other:
        with pytest.raises(ConfigError, match="pinned"):
            run_audit(AuditRequest(note, state, key=_vkey(other), store_url=store_url))
        forged = _write(tmp_path / "f.note", _grow(other, "X", 3))
    with pytest.raises(ProofError, match="no signature from the ledger's key"):
        run_audit(AuditRequest(forged, state, store_url=store_url))


def test_rollback_is_refused_and_the_state_is_kept(
    store_url: str, key_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        old = _write(tmp_path / "a.note", _grow(ledger, "B1", 5))
        new = _write(tmp_path / "b.note", _grow(ledger, "B2", 5))
        run_audit(AuditRequest(new, state, key=_vkey(ledger), store_url=store_url))
    before = state.read_text()
    with pytest.raises(ProofError, match=r"rollback refused: .* size 5, smaller than the 10"):
        run_audit(AuditRequest(old, state, store_url=store_url))
    assert state.read_text() == before


def test_a_split_view_is_kept_as_evidence(store_url: str, key_dir: Path, tmp_path: Path) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        honest = _grow(ledger, "B1", 8)
        run_audit(AuditRequest(_write(tmp_path / "a.note", honest), state, key=_vkey(ledger)))
        # The operator signs another tree of the same size for someone else.
        origin = origin_of(ledger.keys.public_key)
        other = Checkpoint(origin, 8, leaf_hash(b"another history"))
        forked = sign_note(other.text(), origin, ledger.keys.signing_key)
    with pytest.raises(ProofError, match=r"split view: .* size 8"):
        run_audit(AuditRequest(_write(tmp_path / "b.note", forked), state))
    saved = WitnessState.load(state)
    assert saved is not None
    assert saved.checkpoint == honest  # the verified one stays
    (evidence,) = saved.evidence
    assert evidence["kind"] == "split-view" and evidence["checkpoints"] == [honest, forked]


def test_a_proof_document_links_the_two_checkpoints(
    store_url: str, key_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        first = _write(tmp_path / "a.note", _grow(ledger, "B1", 7))
        run_audit(AuditRequest(first, state, key=_vkey(ledger)))
        second = _write(tmp_path / "b.note", _grow(ledger, "B2", 9))
        proof = ledger.consistency(7)
        wrong = ledger.consistency(3)
    (tmp_path / "proof.json").write_text(json.dumps(proof.to_dict()))
    (tmp_path / "wrong.json").write_text(json.dumps(wrong.to_dict()))
    with pytest.raises(ProofError, match="starts from size 3"):
        run_audit(AuditRequest(second, state, proof=tmp_path / "wrong.json"))
    result = run_audit(AuditRequest(second, state, proof=tmp_path / "proof.json"))
    assert (result.previous, result.how) == (7, "consistency proof")


def test_replay_from_store_and_export_and_rewritten_history(
    store_url: str, key_dir: Path, tmp_path: Path
) -> None:
    state = tmp_path / "witness.json"
    with Ledger.open(store_url, key_dir) as ledger:
        first = _write(tmp_path / "a.note", _grow(ledger, "B1", 30))
        vkey = _vkey(ledger)
        run_audit(AuditRequest(first, state, key=vkey, store_url=store_url, replay=True))
        second = _write(tmp_path / "b.note", _grow(ledger, "B2", 20))
        ledger.export(tmp_path / "export")
    result = run_audit(
        AuditRequest(
            second, tmp_path / "w2.json", key=vkey, replay=True, export=tmp_path / "export"
        )
    )
    assert result.replayed and result.size == 50
    # Entry 3 rewritten with a matching leaf hash: the store still reproduces *a* tree, but
    # not the one signed at size 30 (and not the new checkpoint either).
    engine = create_engine(store_url)
    body = '{"batch":"B1","item":"i3","kind":"decision","recorded":"x","v":1}'
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_entries SET body = :b, leaf_hash = :h WHERE idx = 3"),
            {"b": body, "h": leaf_hash(body.encode())},
        )
    engine.dispose()
    with pytest.raises(ProofError, match="do not produce the signed root of size 50"):
        run_audit(AuditRequest(second, state, store_url=store_url, replay=True))


def _batch(ledger: Ledger, recipient: str, day: date, released: int) -> None:
    record = BatchRecord(
        batch=f"REQ-{recipient}@{day}",
        request=f"REQ-{recipient}",
        as_of=day,
        terms=ReleaseTerms(recipient, "criminal", "6103(i)(2)", ("address",)),
        items=released + 2,
        provided=released,
        response_sha256="ab" * 32,
        decisions_sha256="cd" * 32,
        policy_sha256="ef" * 32,
        settings_sha256="01" * 32,
        orders_in_force=(),
        manifest=Path("/nowhere/request.toml"),
        world=Path("/nowhere/world"),
        orders=None,
    )
    n = released + 2
    decisions = pa.table(
        {
            "item_id": [f"I{i}" for i in range(n)],
            "outcome": [RELEASE] * released + [WITHHOLD] * 2,
            "reasons": pa.array([[]] * released + [["match.none"]] * 2, pa.list_(pa.string())),
            "rules": pa.array([["permit"]] * released + [["f"]] * 2, pa.list_(pa.string())),
            "tin": [f"000{i:06d}" for i in range(released)] + ["", ""],
            "match_probability": pa.array([0.999] * released + [None, None], pa.float64()),
        }
    )
    record_batch(ledger, record, decisions, {})


def test_replay_decides_every_release_again_against_the_published_orders(
    sqlite_url: str, key_dir: Path, tmp_path: Path
) -> None:
    with Ledger.open(sqlite_url, key_dir) as ledger:
        _batch(ledger, "FBI", date(2025, 12, 1), 3)  # no order reaches the FBI
        _batch(ledger, "ICE", date(2025, 8, 7), 4)  # before the D.D.C. stay
        _batch(ledger, "ICE", date(2025, 12, 1), 5)  # while the stay barred it
        head = ledger.head()
        (tmp_path / "cp.note").write_text(checkpoint_note(head, ledger.keys.signing_key))
        (tmp_path / "key.pub").write_text(_vkey(ledger) + "\n")
    args = ["ledger", "audit", "--checkpoint", str(tmp_path / "cp.note")]
    args += ["--state", str(tmp_path / "w.json"), "--key", str(tmp_path / "key.pub")]
    result = runner.invoke(app, [*args, "--replay", "--store", sqlite_url])
    assert result.exit_code == 1, result.output
    assert "12 released items decided again" in result.output
    unlawful = [line for line in result.output.splitlines() if line.startswith("UNLAWFUL")]
    # Batches of 5, 6 and 7 decisions, each followed by its release entry: the third batch's
    # first (released) item is entry 5 + 1 + 6 + 1 = 13.
    assert unlawful == [
        "UNLAWFUL: 5 item(s) of batch REQ-ICE@2025-12-01 released on 2025-12-01 (from entry "
        "13): the published orders bar them"
    ]


def test_a_replay_with_a_registry_that_lacks_a_recipient_is_refused_not_passed(
    sqlite_url: str,
    key_dir: Path,
    tmp_path: Path,
    hsi_registry: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """HSI, a component of ICE in the registry its batch was decided with, released on a day
    the D.D.C. stay barred ICE: replayed with the shipped registry (which does not know HSI),
    the release would pass as lawful. The auditor is told to give the registry instead."""
    with Ledger.open(sqlite_url, key_dir) as ledger:
        _batch(ledger, "HSI", date(2025, 12, 1), 4)
        (tmp_path / "cp.note").write_text(checkpoint_note(ledger.head(), ledger.keys.signing_key))
        (tmp_path / "key.pub").write_text(_vkey(ledger) + "\n")
    args = ["ledger", "audit", "--checkpoint", str(tmp_path / "cp.note"), "--replay"]
    args += ["--key", str(tmp_path / "key.pub"), "--store", sqlite_url]
    with_registry = runner.invoke(
        app, [*args, "--state", str(tmp_path / "w1.json"), "--agencies", str(hsi_registry)]
    )
    assert with_registry.exit_code == 1
    assert "UNLAWFUL: 4 item(s) of batch REQ-HSI@2025-12-01" in with_registry.output
    with pytest.raises(SystemExit) as done:
        main([*args, "--state", str(tmp_path / "w2.json")])
    out, err = capsys.readouterr()
    assert done.value.code == 2 and out == "" and err.count("\n") == 1
    assert "REQ-HSI@2025-12-01" in err and "--agencies" in err
    assert not (tmp_path / "w2.json").exists()  # nothing verified, nothing kept

"""The seeded mutation fuzzer (tests/fuzz_mutants.py) at a bounded size: a few
hundred mutants of the project's IR through relax-opt in this process, a few
dozen compiled and run in worker subprocesses. Every outcome must be a result
or a located diagnostic: no internal error, traceback, signal or hang.
The long run, for a release: scripts/fuzz.sh."""

import json

import fuzz_mutants

SEED = 20261203


def test_bounded_fuzz_run_finds_nothing():
    result = fuzz_mutants.campaign(SEED, n_opt=300, n_run=30, jobs=2)
    counts = result["counts"]
    assert sum(counts["opt"].values()) == 300 and sum(counts["run"].values()) == 30
    assert counts["opt"].get("ok", 0) > 30  # the mutants reach the passes, not only the parser
    shown = [{k: f[k] for k in ("driver", "k", "outcome", "message", "text")}
             for f in result["failures"][:3]]
    assert not result["failures"], json.dumps(shown, indent=1)[:6000]


def test_mutants_are_reproducible():
    chunks = fuzz_mutants.valid_corpus(fuzz_mutants.corpus())
    names = fuzz_mutants._op_names(chunks)
    assert fuzz_mutants.mutant(5, 17, chunks, names) == fuzz_mutants.mutant(5, 17, chunks, names)


def test_classification():
    assert fuzz_mutants.classify_diagnostic("mutant.mlir:3:4: error: bad") == "user-error"
    assert fuzz_mutants.classify_diagnostic("mutant.mlir: error: bad") == "unlocated"
    assert fuzz_mutants.classify_diagnostic("Traceback (most recent call last):") == "traceback"
    assert fuzz_mutants.opt_outcome("relax.func @f(", "")[0] == "user-error"
    assert fuzz_mutants.opt_outcome(
        "relax.func @f(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {\n"
        "  relax.return %x : !relax.tensor<[n], f32>\n}\n", "legalize-ops")[0] == "ok"

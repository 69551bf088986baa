"""Graph passes keep what a program computes: canonicalize-bindings, relax-dce,
relax-cse, fold-constant and default-pipeline with each option off.

Each test runs one pass by hand on a parsed module, then compiles the result
with every default-pipeline option off, so only that pass differs from the
reference (the same text compiled the same way). Shapes are symbolic (`n`)
and run at several sizes, or static. Fusion and memory passes:
test_passes_fusion.py.
"""

import numpy as np
import pytest

from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import compile_module, fold_evaluator
from xrelax.passes.canonicalize_bindings import CanonicalizeBindings
from xrelax.passes.fold_constant import FoldConstant
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.passes.relax_cse import RelaxCSE
from xrelax.passes.relax_dce import RelaxDCE
from pass_helpers import ALL_OFF, apply, compile_plain, ops_named, random_source

rand = random_source(7)


def assert_same(before, after, *args):
    want, got = before(*args), after(*args)
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-6)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6)


EXP = """
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
"""

# ---- canonicalize-bindings -------------------------------------------------------

CANON = EXP + """
relax.func @main(%x: !relax.tensor<[n], f32>, %w: !relax.tensor<ndim=1, f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<ndim=1, f32>, !relax.shape<[n]>> {
  %same = relax.match_cast %x : !relax.tensor<[n], f32>
  %new = relax.match_cast %w : !relax.tensor<[m], f32>
  %t = relax.tuple(%same, %new)
  %a = relax.get_item %t[0]
  %b = relax.get_item %t[1]
  %alias, %e = relax.dataflow {
    %y = relax.call_tir @exp(%a) : !relax.tensor<[n], f32>
    relax.output %a, %y : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %s = relax.shape_of %alias
  %r = relax.tuple(%alias, %e, %b, %s)
  relax.return %r : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<[m], f32>, !relax.shape<[n]>>
}
"""


@pytest.fixture(scope="module")
def canon_pair():
    after = apply(CANON, CanonicalizeBindings(), RelaxDCE())
    return compile_plain(CANON), compile_plain(after), after


def test_canonicalize_forwards_bindings(canon_pair):
    _, _, module = canon_pair
    assert not ops_named(module, "relax.get_item")
    assert not ops_named(module, "relax.shape_of")
    (cast,) = ops_named(module, "relax.match_cast")  # only the one that binds m
    assert str(cast.result.type) == "!relax.tensor<[m], f32>"
    (df,) = ops_named(module, "relax.dataflow")
    assert len(df.results) == 1  # the alias output is gone


@pytest.mark.parametrize("n, m", [(1, 1), (5, 3), (33, 0)])
def test_canonicalize_numerics(canon_pair, n, m):
    before, after, _ = canon_pair
    x, w = rand(n), rand(m)
    want, got = before(x, w), after(x, w)
    for a, b in zip(want[:3], got[:3]):
        np.testing.assert_allclose(b, a, rtol=1e-6)
    assert want[3] == got[3] == (n,)


# A match_cast nobody uses still defines m for the call after it.
UNUSED_MATCH_CAST = EXP + """
relax.func @main(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %unused = relax.match_cast %x : !relax.tensor<[m], f32>
  %y = relax.call_tir @exp(%x) : !relax.tensor<[m], f32>
  relax.return %y : !relax.tensor<[m], f32>
}
"""


@pytest.mark.parametrize("passes", [[CanonicalizeBindings()], [RelaxDCE()],
                                    [CanonicalizeBindings(), RelaxDCE()]],
                         ids=["canonicalize", "dce", "both"])
def test_match_cast_defining_a_variable_is_kept(passes):
    module = apply(UNUSED_MATCH_CAST, *passes)
    assert len(ops_named(module, "relax.match_cast")) == 1
    x = rand(6)
    np.testing.assert_allclose(compile_plain(module)(x), np.exp(x), rtol=1e-6)


# ---- relax-dce ---------------------------------------------------------------------

DCE = EXP + """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y, %z = relax.dataflow {
    %e = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %a = relax.relu %x : !relax.tensor<[n], f32>
    %b = relax.add %a, %e : !relax.tensor<[n], f32>
    %c = relax.add %e, %e : !relax.tensor<[n], f32>
    relax.output %c, %b : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %s = relax.shape_of %x
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func private @unused(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def dce_pair():
    after = apply(DCE, LegalizeOps(), RelaxDCE())
    return compile_plain(DCE), compile_plain(after), after


def test_dce_removes_unused(dce_pair):
    _, _, module = dce_pair
    names = [op.sym_name.data for op in module.body.block.ops]
    assert names == ["exp", "main", "add"]  # relu kernel, @unused and the b-add gone
    assert len(ops_named(module, "relax.call_tir")) == 2
    assert not ops_named(module, "relax.shape_of")


@pytest.mark.parametrize("n", [0, 1, 7, 64])
def test_dce_numerics(dce_pair, n):
    before, after, _ = dce_pair
    assert_same(before, after, rand(n))


IMPURE_CALL = EXP + """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %logged = relax.call @log(%x) : !relax.tensor<[n], f32>
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func private @log(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %p = relax.call_packed "test.passes.record"(%x) : !relax.tensor<[n], f32>
  relax.return %p : !relax.tensor<[n], f32>
}
"""


def test_dce_keeps_unused_call_of_impure_function():
    seen = []
    register_packed("test.passes.record", lambda x: seen.append(x.copy()) or x)
    try:
        fn = compile_plain(apply(IMPURE_CALL, RelaxDCE()))
        x = rand(3)
        np.testing.assert_allclose(fn(x), np.exp(x), rtol=1e-6)
    finally:
        unregister_packed("test.passes.record")
    assert len(seen) == 1 and np.array_equal(seen[0], x)


# ---- relax-cse ---------------------------------------------------------------------

CSE = EXP + """
relax.func @main(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.dataflow {
    %a = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    %c = relax.call_tir @exp(%y) : !relax.tensor<[n], f32>
    %s = relax.add %a, %b : !relax.tensor<[n], f32>
    %t = relax.add %a, %b : !relax.tensor<[n], f32>
    %u = relax.multiply %s, %t : !relax.tensor<[n], f32>
    %v = relax.subtract %u, %c : !relax.tensor<[n], f32>
    relax.output %v : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def cse_pair():
    after = apply(CSE, RelaxCSE())
    return compile_plain(CSE), compile_plain(after), after


def test_cse_merges_identical_calls(cse_pair):
    _, _, module = cse_pair
    assert len(ops_named(module, "relax.call_tir")) == 2
    assert len(ops_named(module, "relax.add")) == 1


@pytest.mark.parametrize("n", [1, 9, 100])
def test_cse_numerics(cse_pair, n):
    before, after, _ = cse_pair
    x, y = rand(n), rand(n)
    assert_same(before, after, x, y)
    np.testing.assert_allclose(after(x, y), 4 * np.exp(x) ** 2 - np.exp(y), rtol=1e-5)


# ---- fold-constant -----------------------------------------------------------------

FOLD = """
relax.func @main(%x: !relax.tensor<[n, 4], f32>) -> !relax.tensor<[n, 4], f32> {
  %r = relax.dataflow {
    %c = relax.constant dense<[[1.0, -2.0, 3.0, -4.0]]> : tensor<1x4xf32>
    %w = relax.constant dense<[[0.5, 0.0, 0.0, 0.0], [0.0, 1.5, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [1.0, 1.0, 1.0, 1.0]]> : tensor<4x4xf32>
    %e = relax.exp %c : !relax.tensor<[1, 4], f32>
    %m = relax.matmul %e, %w : !relax.tensor<[1, 4], f32>
    %p = relax.relu %m : !relax.tensor<[1, 4], f32>
    %a = relax.add %x, %p : !relax.tensor<[n, 4], f32>
    %b = relax.matmul %a, %w : !relax.tensor<[n, 4], f32>
    relax.output %b : !relax.tensor<[n, 4], f32>
  }
  relax.return %r : !relax.tensor<[n, 4], f32>
}
"""


@pytest.fixture(scope="module")
def fold_pair():
    after = apply(FOLD, LegalizeOps(), FoldConstant(evaluator=fold_evaluator))
    return compile_plain(FOLD), compile_plain(after), after


def test_fold_leaves_only_calls_on_inputs(fold_pair):
    _, _, module = fold_pair
    calls = ops_named(module, "relax.call_tir")
    assert len(calls) == 2  # the add and the matmul that read %x
    assert all(any(getattr(a.owner, "name", "") != "relax.constant" for a in c.args) for c in calls)


@pytest.mark.parametrize("n", [0, 1, 3, 20])
def test_fold_numerics(fold_pair, n):
    before, after, _ = fold_pair
    x = rand(n, 4)
    assert_same(before, after, x)
    w = np.array([[0.5, 0, 0, 0], [0, 1.5, 0, 0], [0, 0, -1, 0], [1, 1, 1, 1]], np.float32)
    p = np.maximum(np.exp(np.array([[1.0, -2.0, 3.0, -4.0]], np.float32)) @ w, 0)
    np.testing.assert_allclose(after(x), (x + p) @ w, rtol=1e-5)


def test_fold_runs_kernels_through_the_evaluator_it_is_handed():
    compiled = []

    def evaluator(module):  # stands in for the JIT: every kernel returns 7s
        compiled.append(module)
        fold = next(op for op in module.walk() if op.name == "relax.func")
        shape = [d.value for d in fold.result_type.dims]
        return lambda *values: np.full(shape, 7, np.float32)

    module = apply(FOLD, LegalizeOps(), FoldConstant(evaluator=evaluator))
    assert len(compiled) == 3  # exp, maximum and the matmul on constants, each compiled once
    folded = [c for c in ops_named(module, "relax.constant")
              if list(c.results[0].uses) and c.value.get_type().get_shape() == (1, 4)]
    assert folded and all(set(np.frombuffer(c.value.data.data, np.float32)) == {7.0}
                          for c in folded)


def test_fold_without_an_evaluator_says_what_it_needs():
    with pytest.raises(ValueError, match="fold-constant needs an evaluator"):
        apply(FOLD, LegalizeOps(), FoldConstant())


def test_fold_respects_max_bytes():
    module = apply(FOLD, LegalizeOps(), FoldConstant(max_bytes=15, evaluator=fold_evaluator))
    assert len(ops_named(module, "relax.call_tir")) == 5  # a 1x4 f32 result is 16 bytes
    module = apply(FOLD, LegalizeOps(), FoldConstant(max_bytes=16, evaluator=fold_evaluator))
    assert len(ops_named(module, "relax.call_tir")) == 2


# ---- default-pipeline: each option off computes the same ---------------------------

PIPELINE = """
relax.func @main(%x: !relax.tensor<[n, 8], f32>, %w: !relax.tensor<[8, 8], f32>) -> !relax.tensor<[n, 8], f32> {
  %y = relax.match_cast %x : !relax.tensor<[n, 8], f32>
  %out = relax.dataflow {
    %c = relax.constant dense<[1.0, 2.0, 3.0, 4.0, -1.0, -2.0, -3.0, -4.0]> : tensor<8xf32>
    %c2 = relax.multiply %c, %c : !relax.tensor<[8], f32>
    %m = relax.matmul %y, %w : !relax.tensor<[n, 8], f32>
    %a = relax.add %m, %c2 : !relax.tensor<[n, 8], f32>
    %b = relax.relu %a : !relax.tensor<[n, 8], f32>
    %b2 = relax.relu %a : !relax.tensor<[n, 8], f32>
    %dead = relax.exp %y : !relax.tensor<[n, 8], f32>
    %s = relax.add %b, %b2 : !relax.tensor<[n, 8], f32>
    %t = relax.matmul %s, %w : !relax.tensor<[n, 8], f32>
    %u = relax.softmax %t {axis = -1} : !relax.tensor<[n, 8], f32>
    relax.output %u : !relax.tensor<[n, 8], f32>
  }
  relax.return %out : !relax.tensor<[n, 8], f32>
}
"""


def pipeline_reference(x, w):
    c = np.array([1, 2, 3, 4, -1, -2, -3, -4], np.float32)
    t = (2 * np.maximum(x @ w + c * c, 0)) @ w
    e = np.exp(t - t.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


OPTIONS = ["canonicalize", "fold", "cse", "dce", "fuse", "schedule", "plan_memory"]


@pytest.mark.parametrize("off", [None, *OPTIONS, "all"])
def test_default_pipeline_options_keep_numerics(off):
    opts = ALL_OFF if off == "all" else ({} if off is None else {off: False})
    fn = compile_module(PIPELINE, **opts)["main"]
    w = rand(8, 8) * 0.3
    for n in (1, 6):
        x = rand(n, 8)
        np.testing.assert_allclose(fn(x, w), pipeline_reference(x, w), rtol=1e-4, atol=1e-6)

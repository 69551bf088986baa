"""Converters of ONNX signal ops: DFT and STFT, as products with constant
cosine and sine matrices (the transform length must be known at import time;
the other dims may be symbolic).

A signal's last dim holds its real part (size 1) or its real and imaginary
parts (size 2). Along the transformed axis, of length n after zero padding or
truncation to `dft_length`, a forward transform gives, for each frequency k,
X[k] = sum_t x[t] e^(-2 pi i k t / n); an inverse one (1 / n) sum_k X[k]
e^(+2 pi i k t / n); `onesided` keeps the frequencies 0 .. n / 2 (forward) or
reads only those and gives the real signal of the Hermitian spectrum
(inverse: numpy's irfft).
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name


def _known_int(node: Node, i: int, what: str) -> int | None:
    if not node.present(i):
        return None
    values = node.ints(i, what)
    if len(values) != 1 or not isinstance(values[0], int):
        raise node.fail(f"{what} must be one integer known at import time, got {values}")
    return values[0]


def _matrices(n_in: int, n_out: int, n: int, inverse: bool, onesided: bool
              ) -> tuple[np.ndarray, np.ndarray]:
    """(C, S), n_in x n_out, with out_re = in_re @ C - in_im @ S and
    out_im = in_re @ S + in_im @ C (f64)."""
    t = np.arange(n_in)[:, None]
    k = np.arange(n_out)[None, :]
    if inverse and onesided:  # in: frequencies 0 .. n/2; out: time; the mirrored half doubles
        angle = 2 * np.pi * np.outer(np.arange(n_in), np.arange(n_out)) / n
        weight = np.full(n_in, 2.0)
        weight[0] = 1.0
        if n % 2 == 0:  # the Nyquist frequency has no mirror
            weight[n // 2] = 1.0
        return weight[:, None] * np.cos(angle) / n, weight[:, None] * np.sin(angle) / n
    angle = 2 * np.pi * t * k / n
    if inverse:
        return np.cos(angle) / n, np.sin(angle) / n
    return np.cos(angle), -np.sin(angle)


def _fit(node: Node, v: SSAValue, axis: int, length: int) -> SSAValue:
    """v cut or zero-padded to `length` along `axis`."""
    dims = list(v.type.dims)  # type: ignore[union-attr]
    have = dims[axis].value if dims[axis].is_const() else None
    if have is None:
        raise node.fail(f"the transformed axis must have a static length, got {dims[axis]}")
    if have > length:
        return node.op("strided_slice", v, axes=[axis], begin=dyn._exprs([0]),
                       end=dyn._exprs([length]))
    if have < length:
        pad = [[0, 0] for _ in dims]
        pad[axis] = [0, length - have]
        return node.op("pad", v, pad_width=pad, pad_value=0.0)
    return v


def transform(node: Node, x: SSAValue, axis: int, n: int, inverse: bool, onesided: bool,
              ) -> SSAValue:
    """The DFT of x ([..., 1 or 2]) along `axis` (not the last), length n."""
    dims = list(x.type.dims)  # type: ignore[union-attr]
    rank = len(dims)
    given = dtype_name(x.type.dtype)  # type: ignore[union-attr]
    # summed in f64 (each output adds n terms; numpy's FFT, the reference, is
    # exact to a few f64 ulp)
    dtype = "f64"
    if given != dtype:
        x = node.op("cast", x, dtype=dtype)
    parts = dims[-1].value if dims[-1].is_const() else None
    if parts not in (1, 2):
        raise node.fail(f"the last dim must be 1 (real) or 2 (real, imaginary), got {dims[-1]}")
    n_in = n // 2 + 1 if inverse and onesided else n
    n_out = n // 2 + 1 if onesided and not inverse else n
    signal = [node.op("squeeze", node.op("strided_slice", x, axes=[rank - 1],
                                          begin=dyn._exprs([p]), end=dyn._exprs([p + 1])),
                      axis=[rank - 1]) for p in range(parts)]
    # the transformed axis last, so that a matmul applies the matrices
    perm = [a for a in range(rank - 1) if a != axis] + [axis]
    back = [perm.index(a) for a in range(rank - 1)]
    signal = [node.op("permute_dims", _fit(node, s, axis, n_in), axes=perm) for s in signal]
    c, s = _matrices(n_in, n_out, n, inverse, onesided)
    np_dtype = numpy_dtype_of(elem_of_relax(dtype))

    def const(m: np.ndarray) -> SSAValue:
        return node.graph.materialize(Known(m.astype(np_dtype), elem_of_relax(dtype)))

    re = node.op("matmul", signal[0], const(c))
    im = node.op("matmul", signal[0], const(s))
    if parts == 2:
        re = node.op("subtract", re, node.op("matmul", signal[1], const(s)))
        im = node.op("add", im, node.op("matmul", signal[1], const(c)))
    outs = [re] if inverse and onesided else [re, im]
    outs = [node.op("expand_dims", node.op("permute_dims", o, axes=back), axis=[rank - 1])
            for o in outs]
    y = node.op("concat", *outs, axis=rank - 1) if len(outs) > 1 else outs[0]
    return y if given == dtype else node.op("cast", y, dtype=given)


@converter("DFT")
def dft(node: Node) -> Value:
    inverse, onesided = bool(node.attr("inverse", 0)), bool(node.attr("onesided", 0))
    if not is_float(node.dtype(0)):
        raise node.fail(f"the input must be a float tensor, got {dtype_name(node.dtype(0))}")
    rank = node.rank(0)
    if node.opset >= 20:
        axis = _known_int(node, 2, "axis")
        axis = -2 if axis is None else axis
    else:
        axis = node.attr("axis", 1)
    axis = norm_axis(node, axis, rank)
    if axis == rank - 1:
        raise node.fail("the axis must not be the last dim (it holds the real and imaginary "
                        "parts)")
    length = node.shape(0)[axis]
    n = _known_int(node, 1, "dft_length")
    if n is None:
        if not isinstance(length, int):
            raise node.fail(f"the transformed axis has the symbolic length {length}; give "
                            "dft_length")
        n = 2 * (length - 1) if inverse and onesided else length
    if n < 1:
        raise node.fail(f"dft_length must be positive, got {n}")
    return transform(node, node.tensor(0), axis, n, inverse, onesided)


@converter("STFT")
def stft(node: Node) -> Value:
    onesided = bool(node.attr("onesided", 1))
    dims = node.shape(0)
    if len(dims) != 3:
        raise node.fail(f"the signal must be [batch, length, 1 or 2], got {dims}")
    step = _known_int(node, 1, "frame_step")
    window = node.tensor(2) if node.present(2) else None
    frame = _known_int(node, 3, "frame_length")
    if frame is None:
        if window is None:
            raise node.fail("needs a window or a frame_length")
        wdims = node.shape(2)
        if len(wdims) != 1 or not isinstance(wdims[0], int):
            raise node.fail(f"the window must be 1-D of static length, got {wdims}")
        frame = wdims[0]
    length = dims[1]
    if not isinstance(length, int) or step is None or step < 1 or frame > length:
        raise node.fail(f"needs a static signal length (got {length}), a frame_step known "
                        f"at import time and a frame_length ({frame}) within the signal")
    frames = (length - frame) // step + 1
    positions = (np.arange(frames)[:, None] * step + np.arange(frame)[None, :]).astype(np.int64)
    x = node.op("take", node.tensor(0), node.graph.materialize(Known(positions, 7)), axis=1)
    if window is not None:  # [batch, frames, frame, parts] * window along the frame
        x = node.op("multiply", x, node.op("reshape", window, shape=[1, 1, frame, 1]))
    return transform(node, x, 2, frame, False, onesided)

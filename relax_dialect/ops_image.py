"""`relax.resize`: interpolation of a tensor to a new shape (ONNX Resize).

Each output position maps back to a coordinate of the input along every
resized axis (`coordinate_transformation_mode`, with the axis's scale: given
as `scales`, or a 1-D f32 operand read at run time, or else output / input
size), then reads it:

- "nearest": the input element at the coordinate rounded by `nearest_mode`
  ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil");
- "linear": the weighted mean of the two nearest elements per axis;
- "cubic": four elements per axis with Keys' cubic weights (`cubic_coeff_a`,
  default -0.75); with `exclude_outside` the weights of elements outside the
  input are dropped and the others renormalized.

`axes` (default: the axes whose size or scale changes) are interpolated, the
others copied. Reads outside the input clamp to its edge (for "tf_crop_and_resize", a
coordinate outside gives `extrapolation_value`). Coordinates are computed in
f64, the result in the input's float dtype.

Coordinate modes, for output index x, scale s, input size L, output size O:
half_pixel `(x + 0.5) / s - 0.5`; half_pixel_symmetric (the same, centered for
a fractional output size); pytorch_half_pixel (half_pixel, or 0 when O = 1);
align_corners `x * (L - 1) / (O - 1)` (0 when O = 1); asymmetric `x / s`;
tf_half_pixel_for_nn `(x + 0.5) / s`; tf_crop_and_resize with `roi`
(start, end per axis, as fractions of L - 1).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def, var_operand_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_reduce import int_list
from xrelax.relax.ops_manip import required, result_dims, shape_list, sym_array
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_float
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import dtype_name

MODES = ("nearest", "linear", "cubic")
COORDINATES = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
               "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize")
NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _choice(props: dict[str, Any], key: str, allowed: Sequence[str], op_name: str) -> str:
    if props[key] not in allowed:
        raise TypeInferenceError(f"{op_name}: {key} must be one of {', '.join(allowed)}, "
                                 f"got {props[key]!r}")
    return props[key]


def _floats(value: Any, n: int, key: str, op_name: str) -> list[float]:
    if not isinstance(value, list) or len(value) != n or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise TypeInferenceError(f"{op_name}: {key} must be {n} numbers, got {value!r}")
    return [float(v) for v in value]


@irdl_op_definition
class ResizeOp(TensorOp):
    """x resized to `sizes` (symbolic dims, one per dim of x) by interpolation;
    see the module docstring for `mode`, `coordinate_transformation_mode`
    (default half_pixel), `nearest_mode`, `cubic_coeff_a`, `exclude_outside`,
    `extrapolation_value`, `scales` and `roi`. Operands: x, then optionally a
    1-D f32 tensor of scales read at run time (it replaces `scales`)."""

    name = "relax.resize"
    operands_ = var_operand_def(TensorType)
    sizes = opt_prop_def(Attribute)
    axes = opt_prop_def(Attribute)
    scales = opt_prop_def(Attribute)
    roi = opt_prop_def(Attribute)
    mode = opt_prop_def(Attribute)
    coordinate_transformation_mode = opt_prop_def(Attribute)
    nearest_mode = opt_prop_def(Attribute)
    cubic_coeff_a = opt_prop_def(Attribute)
    exclude_outside = opt_prop_def(Attribute)
    extrapolation_value = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "sizes": None, "axes": None, "scales": None, "roi": None, "mode": "nearest",
        "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_floor",
        "cubic_coeff_a": -0.75, "exclude_outside": False, "extrapolation_value": 0.0}

    @classmethod
    def make(cls, *operands: Any, **props: Any):
        if isinstance(props.get("sizes"), (list, tuple)):
            props["sizes"] = sym_array(props["sizes"])
        return super().make(*operands, **props)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if not 1 <= len(types) <= 2:
            raise TypeInferenceError(f"{cls.name}: takes x and optionally a scales tensor")
        x = tensor_operand(types[0], cls.name, "x")
        if not is_float(x.dtype):
            raise TypeInferenceError(f"{cls.name}: x must be a float tensor, got "
                                     f"{dtype_name(x.dtype)}")
        dims = known_shape(x, cls.name, "x")
        sizes = shape_list(required(props, "sizes", cls.name), cls.name)
        if len(sizes) != len(dims):
            raise TypeInferenceError(f"{cls.name}: {len(sizes)} sizes for a rank-{len(dims)} x")
        _choice(props, "mode", MODES, cls.name)
        mode = _choice(props, "coordinate_transformation_mode", COORDINATES, cls.name)
        _choice(props, "nearest_mode", NEAREST, cls.name)
        cls.resized(props, sizes, dims)
        if props["scales"] is not None:
            _floats(props["scales"], len(dims), "scales", cls.name)
        if len(types) == 2:
            s = tensor_operand(types[1], cls.name, "scales")
            if dtype_name(s.dtype) != "f32" or s.ndim != 1:
                raise TypeInferenceError(f"{cls.name}: the scales operand must be 1-D f32")
        if mode == "tf_crop_and_resize":
            _floats(required(props, "roi", cls.name), 2 * len(dims), "roi", cls.name)
        for key in ("cubic_coeff_a", "extrapolation_value"):
            _floats([props[key]], 1, key, cls.name)
        if not isinstance(props["exclude_outside"], bool):
            raise TypeInferenceError(f"{cls.name}: exclude_outside must be true or false")
        return TensorType(sizes, x.dtype)

    @classmethod
    def resized(cls, props: dict[str, Any], sizes: Sequence[SymExpr],
                dims: Sequence[SymExpr]) -> set[int]:
        """The axes interpolated: `axes`, or those whose size or scale changes."""
        if props["axes"] is not None:
            axes = int_list(props["axes"], cls.name, "axes")
            if any(not 0 <= a < len(dims) for a in axes):
                raise TypeInferenceError(f"{cls.name}: axes {axes} are out of range")
            for a in range(len(dims)):
                if a not in axes and sizes[a] != dims[a]:
                    raise TypeInferenceError(f"{cls.name}: dim {a} changes size but is not in "
                                             "axes")
            return set(axes)
        scales = props["scales"]
        out = {a for a in range(len(dims)) if sizes[a] != dims[a]
               or (scales is not None and float(scales[a]) != 1.0)}
        if props["coordinate_transformation_mode"] == "tf_crop_and_resize":
            roi = props["roi"] or []
            out |= {a for a in range(len(dims)) if len(roi) == 2 * len(dims)
                    and (float(roi[a]) != 0.0 or float(roi[a + len(dims)]) != 1.0)}
        return out

    # ---- the kernel ---------------------------------------------------------------------
    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x = inputs[0]
        scale_t = inputs[1] if len(inputs) > 1 else None
        p = self.props()
        out_dims = result_dims(self)
        mode, coord = p["mode"], p["coordinate_transformation_mode"]
        scales = p["scales"]
        f64 = "f64"

        def as_f(v: Any) -> Any:
            return te.cast(f64, v) if not isinstance(v, float) else v

        def scale_of(j: int) -> Any:
            if scale_t is not None:
                return te.cast(f64, scale_t[(SymExpr.const(j),)])
            if scales is not None:
                return float(scales[j])
            o, length = out_dims[j], x.shape[j]
            if o.is_const() and length.is_const():
                return (o.value or 0) / max(length.value or 1, 1)
            return as_f(o) / as_f(length)

        changing = self.resized(p, out_dims, x.shape)

        def unchanged(j: int) -> bool:
            return j not in changing

        def coordinate(j: int, i: Any) -> Any:
            # the resized length is the scaled input length, fractional or not
            s, length = scale_of(j), as_f(x.shape[j])
            o = s * length
            xi = te.cast(f64, i)
            if coord == "asymmetric":
                return xi / s
            if coord == "tf_half_pixel_for_nn":
                return (xi + 0.5) / s
            if coord == "align_corners":
                return te.if_then_else(o == 1.0, 0.0, xi * (length - 1.0) / te.maximum(
                    o - 1.0, 1.0))
            if coord == "pytorch_half_pixel":
                return te.if_then_else(o > 1.0, (xi + 0.5) / s - 0.5, 0.0)
            if coord == "half_pixel_symmetric":
                adjust = as_f(out_dims[j]) / o
                offset = length / 2.0 * (1.0 - adjust)
                return offset + (xi + 0.5) / s - 0.5
            if coord == "tf_crop_and_resize":
                start, end = float(p["roi"][j]), float(p["roi"][j + x.ndim])
                return te.if_then_else(
                    o > 1.0, start * (length - 1.0) + xi * (end - start) * (length - 1.0)
                    / te.maximum(o - 1.0, 1.0), 0.5 * (start + end) * (length - 1.0))
            return (xi + 0.5) / s - 0.5  # half_pixel

        def clamp(v: Any, j: int) -> Any:
            return te.maximum(te.minimum(te.cast("index", v), x.shape[j] - 1), 0)

        def taps(j: int, i: Any) -> list[tuple[Any, Any]]:
            """(index, weight) pairs along axis j for output index i."""
            if unchanged(j):
                return [(i, None)]
            c = coordinate(j, i)
            if mode == "nearest":
                nm = p["nearest_mode"]
                r = {"round_prefer_floor": te.ceil(c - 0.5), "round_prefer_ceil": te.floor(c + 0.5),
                     "floor": te.floor(c), "ceil": te.ceil(c)}[nm]
                return [(clamp(r, j), None)]
            base = te.floor(c)
            frac = c - base
            if mode == "linear":
                return [(clamp(base, j), 1.0 - frac), (clamp(base + 1.0, j), frac)]
            a = float(p["cubic_coeff_a"])

            def keys(t: Any) -> Any:  # |t| in [0, 2): Keys' cubic
                t = te.abs(t)
                near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
                far = ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a
                return te.if_then_else(t <= 1.0, near, te.if_then_else(t < 2.0, far, 0.0))

            pairs = []
            for off in (-1.0, 0.0, 1.0, 2.0):
                pos = base + off
                w = keys(frac - off)
                if p["exclude_outside"]:
                    inside = (pos >= 0.0) & (pos <= as_f(x.shape[j]) - 1.0)
                    w = te.if_then_else(inside, w, 0.0)
                pairs.append((clamp(pos, j), w))
            if p["exclude_outside"]:
                total = pairs[0][1] + pairs[1][1] + pairs[2][1] + pairs[3][1]
                pairs = [(ix, w / total) for ix, w in pairs]
            return pairs

        def element(*i: Any) -> Any:
            per_axis = [taps(j, v) for j, v in enumerate(i)]
            value = None
            for combo in itertools.product(*per_axis):
                idx = tuple(ix for ix, _ in combo)
                term = te.cast(f64, x[idx]) if idx else te.cast(f64, x[()])
                for _, w in combo:
                    if w is not None:
                        term = term * w
                value = term if value is None else value + term
            if coord == "tf_crop_and_resize":
                inside = None
                for j, v in enumerate(i):
                    if unchanged(j):
                        continue
                    c = coordinate(j, v)
                    ok = (c >= 0.0) & (c <= as_f(x.shape[j]) - 1.0)
                    inside = ok if inside is None else inside & ok
                if inside is not None:
                    value = te.if_then_else(inside, value, float(p["extrapolation_value"]))
            return te.cast(x.dtype, value)

        return te.compute(out_dims, element, name="T_resize")


# ---- grid_sample ------------------------------------------------------------------------------

GRID_MODES = ("nearest", "linear", "cubic")
PADDING_MODES = ("zeros", "border", "reflection")


@irdl_op_definition
class GridSampleOp(TensorOp):
    """Sample x [N, C, *spatial] (2 or 3 spatial dims) at the points of grid
    [N, *out, k] (k = the number of spatial dims; the last dim lists x, y(, z):
    the innermost spatial dim first), normalized to [-1, 1] over the input
    (`align_corners`: -1 and 1 are the centers of the corner elements, else
    their outer edges). `mode` "linear" (default), "nearest" (halves to even)
    or "cubic" (Keys, a = -0.75); `padding_mode` "zeros" (outside reads 0),
    "border" (clamped) or "reflection" (mirrored at the edges). Result
    [N, C, *out] in x's float dtype; computed in f64."""

    name = "relax.grid_sample"
    x = operand_def(TensorType)
    grid = operand_def(TensorType)
    mode = opt_prop_def(Attribute)
    padding_mode = opt_prop_def(Attribute)
    align_corners = opt_prop_def(Attribute)
    result = result_def(TensorType)
    DEFAULTS: ClassVar[dict[str, Any]] = {"mode": "linear", "padding_mode": "zeros",
                                          "align_corners": False}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name, "x")
        g = tensor_operand(types[1], cls.name, "grid")
        if not is_float(x.dtype) or not is_float(g.dtype):
            raise TypeInferenceError(f"{cls.name}: x and grid must be float tensors")
        _choice(props, "mode", GRID_MODES, cls.name)
        _choice(props, "padding_mode", PADDING_MODES, cls.name)
        if not isinstance(props["align_corners"], bool):
            raise TypeInferenceError(f"{cls.name}: align_corners must be true or false")
        dims, gdims = known_shape(x, cls.name, "x"), known_shape(g, cls.name, "grid")
        k = len(dims) - 2
        if k not in (2, 3) or len(gdims) != k + 2 or gdims[-1] != k:
            raise TypeInferenceError(f"{cls.name}: x must be [N, C, *spatial] with 2 or 3 spatial "
                                     f"dims and grid [N, *out, {k}]")
        return TensorType([dims[0], dims[1], *gdims[1:-1]], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, grid = inputs
        mode, padding = self.prop("mode"), self.prop("padding_mode")
        align = self.prop("align_corners")
        spatial = x.shape[2:]
        k = len(spatial)
        f64 = "f64"

        def fdim(d: SymExpr) -> Any:
            return float(d.value or 0) if d.is_const() else te.cast(f64, d)

        def bounds(j: int) -> tuple[Any, Any]:
            d = fdim(spatial[j])
            return (0.0, d - 1.0) if align else (-0.5, d - 0.5)

        def reflect(v: Any, lo: Any, hi: Any) -> Any:
            span = hi - lo

            def fold(dx: Any, near: Any, far: Any, sign: float) -> Any:
                n = te.floor(dx / span)
                r = dx - n * span
                odd = (n - te.floor(n * 0.5) * 2.0) > 0.5
                return te.if_then_else(odd, far - sign * r, near + sign * r)

            below = fold(lo - v, lo, hi, 1.0)
            above = fold(v - hi, hi, lo, -1.0)
            return te.if_then_else(v < lo, below, te.if_then_else(v > hi, above, v))

        def pixel(pos: list[Any], nn: Any, cc: Any) -> tuple[Any, Any]:
            """(x at the integer positions after padding_mode, whether inside)."""
            idx, inside = [], None
            for j, p in enumerate(pos):
                d = spatial[j]
                if padding == "reflection":
                    lo, hi = bounds(j)
                    p = te.cast("index", reflect(te.cast(f64, p), lo, hi))
                ok = (p >= 0) & (p < d)
                inside = ok if inside is None else inside & ok
                idx.append(te.maximum(te.minimum(p, d - 1), 0))
            return te.cast(f64, x[(nn, cc, *idx)]), inside

        def element(*i: Any) -> Any:
            nn, cc, out = i[0], i[1], i[2:]
            coords = []
            for j in range(k):
                g = te.cast(f64, grid[(nn, *out, SymExpr.const(k - 1 - j))])
                d = fdim(spatial[j])
                c = (g + 1.0) * 0.5 * (d - 1.0) if align else ((g + 1.0) * d - 1.0) * 0.5
                if mode == "nearest":
                    c = te.round(c)
                lo, hi = bounds(j)
                if padding == "border":
                    c = te.if_then_else((c < lo) | (c > hi), te.maximum(te.minimum(c, d - 1.0),
                                                                        0.0), c)
                elif padding == "reflection":
                    c = reflect(c, lo, hi)
                coords.append(c)
            if mode == "nearest":
                taps = [[(te.cast("index", c), None)] for c in coords]
            else:
                taps = []
                for c in coords:
                    base = te.floor(c)
                    t = c - base
                    b = te.cast("index", base)
                    if mode == "linear":
                        taps.append([(b, 1.0 - t), (b + 1, t)])
                    else:
                        a = -0.75

                        def keys(z: Any) -> Any:
                            z = te.abs(z)
                            near = ((a + 2.0) * z - (a + 3.0)) * z * z + 1.0
                            far = ((a * z - 5.0 * a) * z + 8.0 * a) * z - 4.0 * a
                            return te.if_then_else(z <= 1.0, near, far)
                        taps.append([(b + (o - 1), keys(t - float(o - 1))) for o in range(4)])
            value = None
            for combo in itertools.product(*taps):
                v, inside = pixel([p for p, _ in combo], nn, cc)
                if padding == "zeros":
                    v = te.if_then_else(inside, v, 0.0)
                for _, w in combo:
                    if w is not None:
                        v = v * w
                value = v if value is None else value + v
            return te.cast(x.dtype, value)

        return te.compute(result_dims(self), element, name="T_grid_sample")


IMAGE_OPS: list[type[TensorOp]] = [ResizeOp, GridSampleOp]

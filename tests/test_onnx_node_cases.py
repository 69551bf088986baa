"""A bounded subset of the ONNX backend node tests: scripts/onnx_node_tests.py
runs every case of the installed onnx package (docs/onnx-node-tests.md has the
note of a full run); here a few cases of each op family, among them every fix
and converter the full run led to, must pass, and cases that cannot be
imported must fail with the clear error that names node, op type and opset."""

import importlib.util
import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("onnx")

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "onnx_node_tests.py"

PASSING = [
    # element-wise, casts
    "test_add_bcast", "test_pow_types_float32_int64", "test_where_long_example",
    "test_clip_default_inbounds", "test_gelu_tanh_2", "test_erf", "test_hardswish",
    "test_mod_float_edge_cases_fmod_0_float32", "test_cast_DOUBLE_to_FLOAT16",
    "test_bitcast_float32_to_int32", "test_mish_expanded",
    # shapes and indexing
    "test_reshape_negative_dim", "test_slice_neg_steps", "test_gather_2d_indices",
    "test_expand_dim_changed", "test_tile", "test_range_int32_type_negative_delta",
    "test_shape_start_1_end_negative_1", "test_onehot_negative_indices", "test_tril",
    "test_constantofshape_int_shape_zero", "test_gathernd_example_int32_batch_dim1",
    "test_scatternd_add", "test_depthtospace_crd_mode_example", "test_reflect_pad",
    "test_einsum_batch_diagonal",
    # windows, products, normalization, images
    "test_conv_with_strides_and_asymmetric_padding", "test_convtranspose_1d",
    "test_maxpool_2d_ceil", "test_maxpool_with_argmax_2d_precomputed_pads",
    "test_averagepool_2d_pads_count_include_pad", "test_gemm_all_attributes",
    "test_matmul_4d", "test_batchnorm_epsilon_training_mode",
    "test_layer_normalization_4d_axis_negative_2", "test_group_normalization_example",
    "test_resize_upsample_scales_linear_align_corners", "test_gridsample_bilinear",
    "test_affine_grid_3d_expanded",
    # reductions and scans
    "test_reduce_max_empty_set_bool", "test_reduce_log_sum_exp_do_not_keepdims_random",
    "test_argmax_negative_axis_keepdims_example", "test_softmax_axis_0",
    "test_cumsum_2d_negative_axis", "test_top_k_smallest",
    # recurrent, attention, control flow
    "test_lstm_with_peepholes", "test_gru_seq_length", "test_attention_4d_fp16",
    "test_flexattention_causal_mask", "test_rotary_embedding", "test_if", "test_scan9_sum",
    "test_optional_has_element_empty_no_input_tensor_input",
    # quantization
    "test_dequantizelinear_blocked", "test_quantizelinear_axis", "test_qlinearconv",
    # through their ONNX function bodies
    "test_swiglu", "test_causal_conv_with_state_silu_fp16", "test_linear_attention_gated_delta",
    # data-dependent results, signals, linear algebra, training steps (the other new
    # converters have tests of their own in test_onnx_converters.py)
    "test_nonzero_example", "test_nonmaxsuppression_suppress_by_IOU", "test_det_nd",
    "test_dft_opset19", "test_adam_multiple",
]

UNSUPPORTED = {
    "test_unique_sorted_with_axis":
        r"onnx node 'Y' \(Unique, opset \d+\): Unique along an axis \(unique slices\) is not "
        r"supported",
    "test_dft": r"onnx node 'y' \(DFT, opset 20\): the input axis \(#2, 'axis'\) must be "
                r"known at import time",
    "test_bernoulli": r"onnx node 'y' \(Bernoulli, opset \d+\): in its ONNX function body: "
                      r".*\(RandomUniformLike, opset \d+\): the op type RandomUniformLike",
    "test_ai_onnx_ml_binarizer": r"\(Binarizer, opset 1\): ops of the domain 'ai.onnx.ml' "
                                 r"are not supported",
}


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("onnx_node_tests", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod._CASES.update({c.name: c for c in mod.collect_cases()})
    return mod


@pytest.mark.parametrize("name", PASSING)
def test_node_case_passes(script, name):
    outcome, detail = script.run_case(script._CASES[name], timeout=300)
    assert outcome == "passed", detail


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_node_case_that_cannot_be_imported_says_why(script, name):
    outcome, detail = script.run_case(script._CASES[name], timeout=300)
    assert outcome == "unsupported"
    assert re.search(UNSUPPORTED[name], detail), detail


def test_the_note_counts_every_outcome(script):
    results = {"test_a": ("passed", ""), "test_b": ("failed", "output #0: max abs diff 1"),
               "test_c": ("unsupported", "onnx node 'n' (Unique, opset 11): ..."),
               "test_d": ("dtype", "x: STRING")}
    text = script.markdown(results, 60.0, "scripts/onnx_node_tests.py")
    assert "**1 passed, 1 failed, 1 unsupported** of the 3 cases" in text
    assert "**33.3%** pass; 1 more have a dtype" in text
    assert "- `test_b`: output #0: max abs diff 1" in text

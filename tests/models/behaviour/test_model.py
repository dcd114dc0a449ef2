"""Tests of the behaviour network, its windows, training step and bundle round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.behaviour.features import FEATURE_NAMES
from models.behaviour.model import BehaviourNet, windows
from models.behaviour.train import class_weights, load_bundle, save_bundle, train_behaviour
from models.pipeline.types import BEHAVIOURS


@pytest.mark.parametrize(("length", "centres"), [(0, []), (3, [0, 2]), (30, [0, 15, 29])])
def test_windows_repeat_edges(length, centres):
    features = np.arange(length * 2, dtype=np.float32).reshape(length, 2)
    out = windows(features, np.array(centres, int), 5)
    assert out.shape == (len(centres), 2, 5)
    if length:
        assert out[0, 0, 0] == features[0, 0]  # left edge repeated
        assert out[0, 0, 2] == features[centres[0], 0]


@pytest.mark.parametrize("batch", [0, 1, 4])
def test_net_shapes(batch):
    logits = BehaviourNet()(torch.zeros(batch, len(FEATURE_NAMES), 24))
    assert logits.shape == (batch, len(BEHAVIOURS)) and torch.isfinite(logits).all()


def test_class_weights_ignore_absent_classes():
    weights = class_weights(np.array([0, 0, 0, 0, 1]))
    assert weights[2:].sum() == 0 and weights[1] > weights[0]


def test_training_learns_a_separable_toy_task_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    x = rng.normal(size=(600, len(FEATURE_NAMES), 24)).astype(np.float32)
    x[:, 6, :] += 3.0 * y[:, None]  # class shows in the speed channel
    model = train_behaviour(x, y, epochs=3, batch=64)
    features = x[:, :, 12]
    standard = (x - model.mean[None, :, None]) / model.std[None, :, None]
    predicted = model.net(torch.from_numpy(standard)).argmax(1).numpy()
    assert (predicted == y).mean() > 0.9
    save_bundle(model, tmp_path, facts={"note": "test"})
    again = load_bundle(tmp_path)
    np.testing.assert_allclose(
        again.probabilities(features[:20]), model.probabilities(features[:20]), atol=1e-6
    )


@pytest.mark.slow
def test_onnx_export_matches_torch(tmp_path):
    import onnxruntime as ort

    from models.behaviour.export import export_behaviour_onnx
    from models.behaviour.train import BehaviourModel

    n = len(FEATURE_NAMES)
    model = BehaviourModel(BehaviourNet().eval(), np.zeros(n, np.float32), np.ones(n, np.float32))
    save_bundle(model, tmp_path, facts={"trained_on": "test"})
    path = export_behaviour_onnx(model, tmp_path)
    assert load_bundle(tmp_path).window == 24 and "trained_on" in (tmp_path / "behaviour.json").read_text()
    x = np.random.default_rng(0).normal(size=(7, n, 24)).astype(np.float32)
    (onnx_logits,) = ort.InferenceSession(str(path)).run(None, {"windows": x})
    np.testing.assert_allclose(onnx_logits, model.net(torch.from_numpy(x)).detach().numpy(), atol=1e-4)


@pytest.mark.parametrize(
    ("counts", "per_class", "expected"),
    [
        ([], 10, []),
        ([100, 3], 10, [10, 10]),
        ([100, 3], 20, [20, 12]),
        ([100, 3], 5, [5, 5]),
        ([2, 0, 50], 20, [8, 0, 20]),
    ],
)
def test_balanced_rows_caps_large_and_repeats_rare_classes(counts, per_class, expected):
    from models.behaviour.train import balanced_rows

    labels = np.repeat(np.arange(len(counts)), counts).astype(np.int64)
    rows = balanced_rows(np.random.default_rng(0), labels, per_class=per_class)
    assert np.bincount(labels[rows], minlength=len(counts)).tolist() == expected


def test_base_feature_bundle_loads_and_reads_the_leading_columns(tmp_path):
    from models.behaviour.features import BASE_FEATURE_NAMES
    from models.behaviour.train import BehaviourModel

    n = len(BASE_FEATURE_NAMES)
    model = BehaviourModel(BehaviourNet(features=n).eval(), np.zeros(n, np.float32), np.ones(n, np.float32))
    save_bundle(model, tmp_path, facts={})
    again = load_bundle(tmp_path)
    assert again.feature_names == BASE_FEATURE_NAMES
    assert again.probabilities(np.zeros((5, len(FEATURE_NAMES)), np.float32)).shape == (5, len(BEHAVIOURS))


def test_tuned_logit_bias_raises_macro_f1_of_a_too_rare_prediction():
    from models.behaviour.train import macro_f1, tune_logit_bias

    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 2000)
    logits = np.zeros((2000, len(BEHAVIOURS)))
    logits[:, 0] = 1.0 - 0.8 * truth + rng.normal(0, 0.3, 2000)  # class 1 scores too low by a margin
    logits[:, 1] = 0.4 * truth - 0.5
    before = macro_f1(truth, logits.argmax(1))
    bias = tune_logit_bias(logits, truth)
    assert bias.shape == (len(BEHAVIOURS),) and np.all(bias[2:] == 0)
    assert macro_f1(truth, (logits + bias).argmax(1)) > before + 0.2


def test_logit_bias_is_folded_into_the_head():
    from models.behaviour.train import BehaviourModel, add_logit_bias, window_logits

    n = len(FEATURE_NAMES)
    model = BehaviourModel(BehaviourNet().eval(), np.zeros(n, np.float32), np.ones(n, np.float32))
    x = np.random.default_rng(1).normal(size=(5, n, 24)).astype(np.float32)
    before = window_logits(model, x)
    bias = np.arange(len(BEHAVIOURS), dtype=np.float32)
    add_logit_bias(model, bias)
    np.testing.assert_allclose(window_logits(model, x), before + bias, atol=1e-5)


@pytest.mark.parametrize(("truth", "predicted", "expected"), [([0, 1], [0, 1], 1.0), ([0, 0], [1, 1], 0.0)])
def test_macro_f1_matches_the_evaluation_module(truth, predicted, expected):
    from models.behaviour.train import macro_f1
    from models.eval.behaviour import behaviour_metrics

    reference = behaviour_metrics([BEHAVIOURS[i] for i in truth], [BEHAVIOURS[i] for i in predicted])
    assert macro_f1(np.array(truth), np.array(predicted)) == pytest.approx(reference["macro_f1"]) == expected


def test_learning_rate_warms_up_peaks_and_anneals():
    from models.behaviour.train import learning_rate

    assert learning_rate(0.0) < learning_rate(0.05) < learning_rate(0.1) == pytest.approx(3e-3, rel=0.01)
    assert learning_rate(1.0) < 1e-5 and learning_rate(2.0) == learning_rate(1.0)


def test_a_bundle_reads_its_named_columns_and_fills_missing_masks_with_the_mean(tmp_path):
    from models.behaviour.features import FEATURE_SETS
    from models.behaviour.mask_shape import MASK_SHAPE_NAMES

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    x = rng.normal(size=(600, len(FEATURE_NAMES), 24)).astype(np.float32)
    solidity = FEATURE_NAMES.index("mask_solidity")
    x[:, solidity, :] += 3.0 * y[:, None]  # class shows only in a mask column
    x[:5, FEATURE_NAMES.index("mask_elongation"), :] = np.nan  # a few frames without a usable mask
    model = train_behaviour(x, y, epochs=3, batch=64, feature_names=FEATURE_SETS["base+mask"])
    assert model.feature_names == FEATURE_SETS["base+mask"] and len(model.mean) == 16 + len(MASK_SHAPE_NAMES)
    assert np.isfinite(model.mean).all() and np.isfinite(model.std).all()
    from models.behaviour.train import window_logits

    assert (window_logits(model, x).argmax(1) == y).mean() > 0.9
    save_bundle(model, tmp_path, facts={})
    again = load_bundle(tmp_path)
    assert again.feature_names == FEATURE_SETS["base+mask"]
    track = x[:40, :, 12].copy()
    track[:, -len(MASK_SHAPE_NAMES) :] = np.nan  # a tracker without masks
    probabilities = again.probabilities(track)
    assert probabilities.shape == (40, len(BEHAVIOURS)) and np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities, model.probabilities(track), atol=1e-6)


def test_a_bundle_naming_unknown_features_does_not_load(tmp_path):
    import json

    from models.behaviour.train import BehaviourModel

    n = len(FEATURE_NAMES)
    save_bundle(BehaviourModel(BehaviourNet().eval(), np.zeros(n, np.float32), np.ones(n, np.float32)),
                tmp_path, facts={})  # fmt: skip
    sidecar = json.loads((tmp_path / "behaviour.json").read_text())
    sidecar["features"][0] = "no_such_feature"
    (tmp_path / "behaviour.json").write_text(json.dumps(sidecar))
    with pytest.raises(ValueError, match="other features"):
        load_bundle(tmp_path)


def test_logit_bias_leaves_classes_below_the_minimum_support_alone():
    from models.behaviour.train import tune_logit_bias

    rng = np.random.default_rng(0)
    truth = np.concatenate([np.zeros(1900, np.int64), np.ones(100, np.int64)])
    logits = np.zeros((2000, len(BEHAVIOURS)))
    logits[:, 0] = 1.0 + rng.normal(0, 0.3, 2000)
    logits[:, 1] = 0.9 * truth + rng.normal(0, 0.3, 2000)  # class 1 predicted too seldom
    assert tune_logit_bias(logits, truth)[1] > 0
    assert tune_logit_bias(logits, truth, min_support=500)[1] == 0


def test_rest_split_learns_lying_vs_sleep_from_the_mask_and_round_trips(tmp_path):
    from models.behaviour.train import fit_rest_split, rest_split_names, window_logits

    lying, sleep = BEHAVIOURS.index("lying"), BEHAVIOURS.index("sleep")
    rng = np.random.default_rng(0)
    y = rng.choice([0, lying, sleep], 900)
    x = rng.normal(size=(900, len(FEATURE_NAMES), 24)).astype(np.float32)
    x[:, 6, :] += 3.0 * (y == 0)[:, None]  # the head can tell standing from rest, not lying from sleep
    x[:, FEATURE_NAMES.index("mask_solidity"), :] += 2.0 * (y == sleep)[:, None]
    base = train_behaviour(x, y, epochs=2, batch=64, feature_names=FEATURE_NAMES[:16])
    with pytest.raises(ValueError):
        fit_rest_split(base, x, y)  # the base columns hold no mask shape
    model = train_behaviour(x, y, epochs=2, batch=64)
    split = fit_rest_split(model, x, y, steps=200, batch=256)
    assert rest_split_names(split) == list(
        ("mask_box_fill", "mask_elongation", "mask_ellipse_fill", "mask_solidity", "hour_sin", "hour_cos")
    )
    logits = window_logits(split, x)
    np.testing.assert_allclose(np.exp(logits).sum(1), 1.0, atol=1e-5)  # log-probabilities
    rest = np.isin(y, [lying, sleep])
    assert (logits[rest].argmax(1) == y[rest]).mean() > 0.9
    keep = [k for k in range(len(BEHAVIOURS)) if k not in (lying, sleep)]  # other classes: the head's own
    head = torch.log_softmax(torch.from_numpy(window_logits(model, x)), 1).numpy()
    np.testing.assert_allclose(logits[:, keep], head[:, keep], atol=1e-5)
    save_bundle(split, tmp_path, facts={})
    again = load_bundle(tmp_path)
    np.testing.assert_allclose(window_logits(again, x[:20]), logits[:20], atol=1e-5)


@pytest.mark.slow
def test_rest_split_onnx_export_matches_torch(tmp_path):
    import onnxruntime as ort

    from models.behaviour.export import export_behaviour_onnx
    from models.behaviour.train import BehaviourModel

    n = len(FEATURE_NAMES)
    net = BehaviourNet(rest_columns=[30, 31, 32, 33]).eval()
    model = BehaviourModel(net, np.zeros(n, np.float32), np.ones(n, np.float32))
    save_bundle(model, tmp_path, facts={})
    path = export_behaviour_onnx(model, tmp_path)
    assert load_bundle(tmp_path).net.rest is not None
    x = np.random.default_rng(0).normal(size=(7, n, 24)).astype(np.float32)
    (onnx_logits,) = ort.InferenceSession(str(path)).run(None, {"windows": x})
    np.testing.assert_allclose(onnx_logits, net(torch.from_numpy(x)).detach().numpy(), atol=1e-4)

#!/usr/bin/env python3
"""Regenerates vectors.json, the conformance vectors of PyloConformanceTest.

What it does
------------
Runs pylo's naive (pure PyTorch, CPU) small_fc_lopt step -- ``pylo.optim.MuLO_naive`` for muLO and
``pylo.optim.AdafacLO_naive`` for the SP learned optimizer -- for a few steps on three small tensors of
awkward shapes with a fixed random theta and seeded random gradients, and writes everything the Java test
needs to replay the same run with lopt's SmallFcLopt (REFERENCE and FUSED): theta in lopt's layout, the
tensors' shapes and update scales, the initial values, every step's gradients and the values after every
step, plus the decays pylo derived from the offsets.

Requirements
------------
* PyTorch and NumPy. Debian's packages are enough: ``apt-get install python3-torch`` (it pulls in
  python3-numpy); then run the script with Debian's interpreter, ``/usr/bin/python3``.
* A checkout of pylo (https://github.com/Belilovsky-Lab/pylo). It is NOT installed by pip here: give
  the folder that contains the ``pylo`` package with ``--pylo`` (or put it on PYTHONPATH). The vectors
  in this folder were made from commit d05c6c1e4f4d7c46a91828a0826c2699bfe48211 (the commit is also
  recorded in vectors.json when the checkout is a git repository).
* Optional: ``huggingface_hub`` and ``mup``. pylo imports both at import time, but this script uses
  neither for anything that affects the numbers, so when they are missing it puts minimal stand-ins in
  ``sys.modules`` before importing pylo:
    - huggingface_hub.PyTorchModelHubMixin: pylo's MetaMLP inherits from it only to be loadable from
      the Hub. The script never loads from the Hub: it replaces ``MetaMLP.from_pretrained`` (called in
      AdafacLO_naive's constructor) by a function that builds ``MetaMLP(39, 32, 1)`` and loads the random
      theta into it with ``load_state_dict(strict=True)``. This replacement is made whether or not the
      real package is installed, so the script never touches the network.
    - mup.optim.process_param_groups: MuLO_naive calls it to turn a parameter list into groups with
      ``lr`` (from the ``lr=`` keyword) and ``weight_decay`` (0) set; the stand-in does the same.
  Parameters get an ``infshape`` attribute here instead of through ``mup.set_base_shapes`` (there is no
  model, only loose tensors): ``ninf()`` is the number of dimensions that scale with width and
  ``width_mult()`` is fan_in / base fan_in, as mup defines them for a torch ``[out, in]`` weight. The base
  width is 1, so MuLO_naive's per-group ``lr / width_mult`` is 1 / fan_in: lopt's s_W (docs/spec.md §1)
  for hidden matrices, 1 for everything else.

Run (from the repository root)::

    /usr/bin/python3 learned-opt/src/test/resources/pylo/generate_vectors.py --pylo /path/to/pylo

Mapping of theta
----------------
theta is written in lopt's layout (MetaParameters): mlp/w0 [39, 32], mlp/b0 [32], mlp/w1 [32, 32],
mlp/b1 [32], mlp/wout [32, 2], mlp/bout [2] (weights [in, out], row-major), then decay/momentum [3],
decay/rms [1], decay/adafactor [3]. pylo's MetaMLP takes the weights transposed, [out, in], as
network.input / network.linear_0 / network.output, the same mapping as lopt's PyloFolder. The decay
offsets are passed to pylo's constructor as momentum_decays / rms_decays / adafactor_decays.

The tensors are given to both sides with the same shape and the same row-major values. The learned
optimizer never reads a tensor's layout except through its shape (which axis is factored) and its update
scale, which vectors.json states, so nothing is transposed. (Beware when comparing real models, though:
for a SQUARE matrix the factored axis is a tie that both codes break towards axis 1, which is fan_in in
pylo's [out, in] layout and fan_out in lopt's (and learned_optimization's) [in, out] layout, so the same
square weight gets a different step from pylo than from lopt; these vectors avoid square shapes.)
The parameters start small, 0.02 * N(0, 1), so that their float32 rounding, which floors any comparison
of parameters, stays a small fraction of a step.

Where pylo and lopt legitimately differ (the Java test's tolerance covers these; none changes the step by
more than float32 rounding):
* pylo computes everything in float32 with PyTorch's reductions; lopt sums the tensor means (the
  Adafactor row/column means and the feature second moments) in double and rounds once. lopt's fused
  kernel also folds the normalisation into the first layer's weights and the time features into its bias.
* The decays: pylo evaluates 1 - exp(10 * (log(1 - beta0) / 10 + offset)) in float32 from beta0 rounded
  to float32; lopt evaluates 1 - (1 - beta0) * exp(10 * offset) in double and rounds once (correctly
  rounded). Where the offset nearly cancels log(1 - beta0) / 10 pylo's float32 sum loses bits: its first
  Adafactor decay at its default offsets (beta0 = 0.9, offset 0.186) is 4 ulps off, the others at most 1 ulp.
  vectors.json records pylo's decays so the test can check and show the difference.
* The time features tanh(t / s - 1): float32 in pylo, double rounded to float in lopt.
* The step: pylo computes ((d * exp(lambda2 * m)) * lambda1) * lr; lopt computes
  (float)(lambda1 * s_W) * d * exp(lambda2 * m); the same product in another order.
* pylo's unfactored momentum feature uses (v + 1e-6) ** -0.5 and lopt 1/sqrt(v + 1e-6): same value up to
  rounding.
* Non-finite gradients: lopt replaces NaN/inf by 0 before the step; pylo does not. The vectors use finite
  gradients only.
* pylo's AdafacLO_naive defaults to step_mult=0.01 (the muLO value: its default weights are muLO's). The
  SP learned optimizer (LoptConfig.sp(), learned_optimization's value) uses 0.001, so the SP case passes
  step_mult=0.001 explicitly.
"""
import argparse
import inspect
import json
import os
import subprocess
import sys
import types
import warnings

import numpy as np
import torch

INPUTS = 39
HIDDEN = 32
OUTPUTS = 2
STEPS = 5


def install_stand_ins():
    """Minimal stand-ins for the two packages pylo imports but this script does not need (see header)."""
    stand_ins = []
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        hub = types.ModuleType("huggingface_hub")

        class PyTorchModelHubMixin:
            def __init_subclass__(cls, **kwargs):  # swallows the class keywords (license=, tags=, ...)
                super().__init_subclass__()

            @classmethod
            def from_pretrained(cls, *args, **kwargs):
                raise RuntimeError("huggingface_hub stand-in: loading from the Hub is not available")

        hub.PyTorchModelHubMixin = PyTorchModelHubMixin
        sys.modules["huggingface_hub"] = hub
        stand_ins.append("huggingface_hub")
    try:
        import mup.optim  # noqa: F401
    except ImportError:
        mup = types.ModuleType("mup")
        mup_optim = types.ModuleType("mup.optim")

        def process_param_groups(params, **kwargs):
            groups = list(params)
            if not isinstance(groups[0], dict):
                groups = [{"params": groups}]
            for g in groups:
                g.setdefault("lr", kwargs["lr"])
                g.setdefault("weight_decay", kwargs.get("weight_decay", 0.0))
            return groups

        mup_optim.process_param_groups = process_param_groups
        mup.optim = mup_optim
        sys.modules["mup"] = mup
        sys.modules["mup.optim"] = mup_optim
        stand_ins.append("mup.optim")
    return stand_ins


class InfShape:
    """What MuLO_naive reads of mup's infshape: the number of width-scaled dims and the width multiplier."""

    def __init__(self, ninf, width_mult):
        self._ninf = ninf
        self._width_mult = width_mult

    def ninf(self):
        return self._ninf

    def width_mult(self):
        return self._width_mult


# name, shape, mu-P role, fan_in in torch's [out, in] reading (only for hidden matrices: s_W = 1 / fan_in)
TENSORS = [
    ("w_hidden", (7, 5), "hidden", 5),
    ("bias", (13,), "bias", 1),
    ("w_hidden_wide", (3, 17), "hidden", 17),
]


def theta_layout():
    """[(name, shape)] of lopt's theta for hidden sizes 32, 32 (MetaParameters)."""
    return [
        ("mlp/w0", (INPUTS, HIDDEN)), ("mlp/b0", (HIDDEN,)),
        ("mlp/w1", (HIDDEN, HIDDEN)), ("mlp/b1", (HIDDEN,)),
        ("mlp/wout", (HIDDEN, OUTPUTS)), ("mlp/bout", (OUTPUTS,)),
        ("decay/momentum", (3,)), ("decay/rms", (1,)), ("decay/adafactor", (3,)),
    ]


def random_theta(rng, offsets):
    """Weights N(0, 1/fan_in), biases N(0, 0.1^2) (non-zero, so every path matters); the given decay offsets."""
    parts = {}
    for name, shape in theta_layout():
        if name.startswith("mlp/w"):
            parts[name] = rng.standard_normal(shape) / np.sqrt(shape[0])
        elif name.startswith("mlp/b"):
            parts[name] = 0.1 * rng.standard_normal(shape)
        else:
            parts[name] = np.asarray(offsets[name], dtype=np.float64)
        parts[name] = parts[name].astype(np.float32)
    return parts


def state_dict(parts):
    """lopt's [in, out] weights -> pylo's MetaMLP [out, in] (the PyloFolder mapping)."""
    sd = {}
    for torch_name, lopt in (("network.input", "0"), ("network.linear_0", "1"), ("network.output", "out")):
        sd[torch_name + ".weight"] = torch.from_numpy(np.ascontiguousarray(parts["mlp/w" + lopt].T))
        sd[torch_name + ".bias"] = torch.from_numpy(parts["mlp/b" + lopt].copy())
    return sd


def gradients(rng, shape, step, tensor_index):
    """Gaussian gradients whose scale changes by tensor and step (1e-3 .. 10) and spreads a decade either way
    within the tensor; the first tensor's first gradient has a few exact zeros."""
    base = 10.0 ** rng.uniform(-3, 1)
    spread = 10.0 ** rng.uniform(-1, 1, size=shape)
    g = (base * spread * rng.standard_normal(shape)).astype(np.float32)
    if step == 0 and tensor_index == 0:
        g.flat[[0, 3, 11]] = 0.0
    return g


def run_case(pylo_optim, name, mup, step_mult, offsets, seed):
    rng = np.random.default_rng(seed)
    parts = random_theta(rng, offsets)
    sd = state_dict(parts)

    from pylo.models.Meta_MLP import MetaMLP

    def from_pretrained(cls, key, *args, **kwargs):
        net = cls(input_size=INPUTS, hidden_size=HIDDEN, hidden_layers=1)
        net.load_state_dict(sd, strict=True)
        return net

    MetaMLP.from_pretrained = classmethod(from_pretrained)

    params = []
    initial = []
    for i, (tname, shape, role, fan_in) in enumerate(TENSORS):
        p0 = (0.02 * rng.standard_normal(shape)).astype(np.float32)
        initial.append(p0)
        p = torch.nn.Parameter(torch.from_numpy(p0.copy()))
        if role == "hidden":
            p.infshape = InfShape(2, float(fan_in))  # base width 1: width_mult = fan_in
        else:
            p.infshape = InfShape(1 if len(shape) else 0, 1.0)
        params.append(p)

    kwargs = dict(lr=1.0, step_mult=step_mult, exp_mult=0.001,
                  momentum_decays=[float(x) for x in parts["decay/momentum"]],
                  rms_decays=[float(x) for x in parts["decay/rms"]],
                  adafactor_decays=[float(x) for x in parts["decay/adafactor"]],
                  hf_key="conformance-theta")
    opt = pylo_optim.MuLO_naive(params, **kwargs) if mup else pylo_optim.AdafacLO_naive(params, **kwargs)

    lr_of = {}
    for group in opt.param_groups:
        for p in group["params"]:
            lr_of[id(p)] = group["lr"]
    group0 = opt.param_groups[0]
    decays = {k: [float(x) for x in group0["initial_" + k + "_decays"].cpu().numpy().astype(np.float32)]
              for k in ("momentum", "rms", "adafactor")}

    steps = []
    for k in range(STEPS):
        grads = [gradients(rng, shape, k, i) for i, (_, shape, _, _) in enumerate(TENSORS)]
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        after = [p.detach().cpu().numpy().astype(np.float32).copy() for p in params]
        for a in after:
            assert np.all(np.isfinite(a)), "pylo produced a non-finite parameter"
        steps.append({"grads": grads, "params": after})

    theta = np.concatenate([parts[n].ravel() for n, _ in theta_layout()])
    assert theta.size == 2409
    return {
        "name": name,
        "pylo_optimizer": "MuLO_naive" if mup else "AdafacLO_naive",
        "mup": mup,
        "step_mult": step_mult,
        "exp_mult": 0.001,
        "theta": theta,
        "pylo_decays": decays,
        "tensors": [{"name": t, "shape": list(s), "role": r, "fan_in": f,
                     "update_scale": np.float32(lr_of[id(p)]), "initial": p0}
                    for (t, s, r, f), p, p0 in zip(TENSORS, params, initial)],
        "steps": steps,
    }


def fmt(x):
    """The shortest decimal that reads back as the same float32 (numpy's repr), valid JSON."""
    s = str(np.float32(x))
    assert np.float32(s) == np.float32(x) and "n" not in s, s
    return s


def dump(obj, indent=0):
    pad = "  " * indent
    if isinstance(obj, dict):
        items = [pad + "  " + json.dumps(k) + ": " + dump(v, indent + 1).lstrip() for k, v in obj.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, np.ndarray):
        return pad + "[" + ", ".join(fmt(v) for v in obj.ravel()) + "]"
    if isinstance(obj, np.floating):
        return pad + fmt(obj)
    if isinstance(obj, (list, tuple)):
        if obj and all(type(v) is int for v in obj):
            return pad + json.dumps(list(obj))
        if obj and all(isinstance(v, (float, np.floating)) for v in obj):
            return pad + "[" + ", ".join(fmt(v) for v in obj) + "]"
        return pad + "[\n" + ",\n".join(dump(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return pad + json.dumps(obj)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pylo", help="folder that contains the pylo package (a checkout of pylo); "
                                   "default: whatever PYTHONPATH finds")
    ap.add_argument("--out", default=os.path.join(here, "vectors.json"))
    args = ap.parse_args()
    if args.pylo:
        sys.path.insert(0, os.path.abspath(args.pylo))
    stand_ins = install_stand_ins()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Custom CUDA optimizers could not be imported": expected on CPU
        import pylo.optim as pylo_optim
    root = os.path.dirname(os.path.dirname(os.path.abspath(pylo_optim.__file__)))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    torch.set_num_threads(1)  # the reductions' order then does not depend on the machine

    # muLO at pylo's default decay offsets (read from AdafacLO_naive's signature); SP at small random offsets
    sig = inspect.signature(pylo_optim.AdafacLO_naive.__init__).parameters
    defaults = {"decay/momentum": sig["momentum_decays"].default, "decay/rms": sig["rms_decays"].default,
                "decay/adafactor": sig["adafactor_decays"].default}
    small = np.random.default_rng(7).uniform(-0.05, 0.05, size=7)
    small_offsets = {"decay/momentum": small[:3], "decay/rms": small[3:4], "decay/adafactor": small[4:]}

    cases = [
        run_case(pylo_optim, "mulo", True, 0.01, defaults, seed=20250101),
        run_case(pylo_optim, "sp", False, 0.001, small_offsets, seed=20250202),
    ]
    doc = {
        "about": "Conformance vectors: pylo's naive small_fc_lopt step (MuLO_naive / AdafacLO_naive) on CPU in "
                 "float32, written by generate_vectors.py in this folder; read by PyloConformanceTest. theta is in "
                 "lopt's MetaParameters layout; tensors are row-major, the same shape on both sides; "
                 "steps[k].params are the values after step k+1.",
        "pylo_commit": commit,
        "torch_version": torch.__version__,
        "stand_ins": stand_ins,
        "cases": cases,
    }
    text = dump(doc) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    json.loads(text)  # well-formed
    print("wrote %s (%d bytes) from pylo %s, torch %s, stand-ins: %s"
          % (args.out, len(text), commit, torch.__version__, ", ".join(stand_ins) or "none"))


if __name__ == "__main__":
    main()

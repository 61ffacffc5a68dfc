"""Times pylo's naive PyTorch small_fc_lopt step (AdafacLO_naive) on CPU, on the tensors of LoStepBenchmark.

    python3 benchmarks/pylo_step.py PATH/TO/PYLO [--threads 1,2] [--steps 5]

Needs torch (Debian: sudo apt-get install python3-torch) and a pylo checkout
(git clone https://github.com/Belilovsky-Lab/pylo) with its Python requirements (numpy, huggingface_hub); pylo is
imported from the checkout, not installed. Offline, the
meta-MLP's weights (a Hugging Face download) are replaced by random ones of the same 39 -> 32 -> 32 -> 2 shape: the
step's cost does not depend on their values. Prints ms per step (median of --steps after 2 warm-up steps).
"""
import argparse
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pylo_dir")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    sys.path.insert(0, a.pylo_dir)
    import torch
    import importlib
    opt_module = importlib.import_module("pylo.optim.AdafacLO_naive")
    from pylo.models.Meta_MLP import MetaMLP

    def offline_from_pretrained(*_args, **_kw):
        return MetaMLP(39, 32, 1)

    try:
        MetaMLP.from_pretrained("btherien/mulo")
    except Exception:  # offline: same shape, random weights
        opt_module.MetaMLP.from_pretrained = staticmethod(offline_from_pretrained)
    Opt = opt_module.AdafacLO_naive

    targets = {
        "matrix1024": [(1024, 1024)],
        "mlp1024": [(784, 1024), (1024,), (1024, 1024), (1024,), (1024, 1024), (1024,), (1024, 10), (10,)],
    }
    print("pylo AdafacLO_naive step (PyTorch %s, CPU):" % torch.__version__)
    for threads in [int(t) for t in a.threads.split(",")]:
        torch.set_num_threads(threads)
        for name, shapes in targets.items():
            gen = torch.Generator().manual_seed(1)
            params = [torch.nn.Parameter(torch.randn(s, generator=gen) * 0.05) for s in shapes]
            for p in params:
                p.grad = torch.randn(p.shape, generator=gen) * 1e-3
            opt = Opt(params)
            times = []
            for i in range(2 + a.steps):
                t0 = time.perf_counter()
                opt.step()
                if i >= 2:
                    times.append(time.perf_counter() - t0)
            n = sum(p.numel() for p in params)
            ms = statistics.median(times) * 1e3
            print("  target=%-10s threads=%d  %.1f ms/step  %.2f M parameters/s" % (name, threads, ms, n / ms / 1e3))


if __name__ == "__main__":
    main()

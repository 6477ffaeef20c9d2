"""The PyTorch/numpy twins of Dendrite's benchmark workloads (dev.dendrite.bench.Workloads).

Run by `dendrite bench` once per thread count, with OMP_WAIT_POLICY=PASSIVE, OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS set to that count and OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset. Prints one
JSON object: library versions, the BLAS numpy links, and seconds per run for each workload (null
when PyTorch is missing). Timing mirrors dev.dendrite.bench.BenchTimer: warm up, then the best of
several rounds. Shapes must match Workloads.java.
"""
import argparse
import json
import sys
import time


def measure(run, quick):
    warm_runs, warm_s, rounds, min_runs, round_s = (1, 0.0, 3, 1, 0.05) if quick else (3, 1.0, 10, 2, 0.25)
    start, i = time.perf_counter(), 0
    while i < warm_runs or time.perf_counter() - start < warm_s:
        run()
        i += 1
    best = float("inf")
    for _ in range(rounds):
        t0, runs = time.perf_counter(), 0
        while True:
            run()
            runs += 1
            t = time.perf_counter()
            if runs >= min_runs and t - t0 >= round_s:
                break
        best = min(best, (t - t0) / runs)
    return best


def sgemm(n):
    import numpy as np
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    return lambda: a @ b


def conv(torch, xs, ws, groups):
    import torch.nn.functional as F
    x = torch.randn(*xs, requires_grad=True)
    w = torch.randn(*ws, requires_grad=True)
    g = torch.randn(xs[0], ws[0], xs[2], xs[3])

    def run():
        x.grad = None
        w.grad = None
        F.conv2d(x, w, None, 1, 1, 1, groups).backward(g)
    return run


def maxpool(torch):
    import torch.nn.functional as F
    x = torch.randn(64, 64, 32, 32, requires_grad=True)
    g = torch.randn(64, 64, 16, 16)

    def run():
        x.grad = None
        F.max_pool2d(x, 2, 2).backward(g)
    return run


def batchnorm(torch):
    import torch.nn.functional as F
    x = torch.randn(64, 64, 32, 32, requires_grad=True)
    g = torch.randn(64, 64, 32, 32)
    gamma = torch.ones(64, requires_grad=True)
    beta = torch.zeros(64, requires_grad=True)
    mean, var = torch.zeros(64), torch.ones(64)

    def run():
        x.grad = gamma.grad = beta.grad = None
        F.batch_norm(x, mean, var, gamma, beta, True, 0.1, 1e-5).backward(g)
    return run


def recurrent(torch, cell):
    layer = getattr(torch.nn, cell)(128, 256, 2, batch_first=True)
    x = torch.randn(32, 35, 128, requires_grad=True)
    g = torch.randn(32, 35, 256)

    def run():
        layer.zero_grad(set_to_none=True)
        x.grad = None
        layer(x)[0].backward(g)
    return run


def lenet(torch):
    nn, F = torch.nn, torch.nn.functional
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randn(64, 1, 28, 28)
    y = torch.tensor([(i * 7) % 10 for i in range(64)])

    def run():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.item()
        loss.backward()
        opt.step()
    return run


def charlstm(torch):
    nn, F = torch.nn, torch.nn.functional
    vocab, batch, seq = 65, 32, 64

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, 64)
            self.rnn = nn.LSTM(64, 256, batch_first=True)
            self.head = nn.Linear(256, vocab)

        def forward(self, x):
            return self.head(self.rnn(self.embedding(x))[0])

    model = CharLM()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    n = batch * seq
    x = torch.tensor([(i * 31 + 7) % vocab for i in range(n)]).reshape(batch, seq)
    y = torch.tensor([(i * 17 + 3) % vocab for i in range(n)])

    def run():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x).reshape(n, vocab), y)
        loss.item()
        loss.backward()
        opt.step()
    return run


def blas_name():
    try:
        import numpy as np
        cfg = np.__config__
        info = cfg.get_info("blas_opt_info") if hasattr(cfg, "get_info") else {}
        libs = ",".join(info.get("libraries", []))
        # Debian's numpy links the generic libblas.so.3; which implementation that is depends on the alternatives.
        import os
        path = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
        return libs + (" -> " + path if os.path.exists(path) else "")
    except Exception as e:  # informational only
        return "unknown (" + type(e).__name__ + ")"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--only", required=True, help="comma-separated workload names")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    out = {"threads": a.threads, "python": sys.version.split()[0], "results": {}}
    try:
        import numpy
        out["numpy"] = numpy.__version__
        out["blas"] = blas_name()
    except ImportError:
        out["numpy"] = None
    try:
        import torch
        torch.set_num_threads(a.threads)
        torch.manual_seed(0)
        out["torch"] = torch.__version__
    except ImportError:
        torch = None
        out["torch"] = None
    builders = {
        "conv3x3": lambda: conv(torch, (64, 64, 32, 32), (64, 64, 3, 3), 1),
        "depthwise3x3": lambda: conv(torch, (64, 32, 56, 56), (32, 1, 3, 3), 32),
        "maxpool2x2": lambda: maxpool(torch),
        "batchnorm": lambda: batchnorm(torch),
        "lstm": lambda: recurrent(torch, "LSTM"),
        "gru": lambda: recurrent(torch, "GRU"),
        "lenet5-step": lambda: lenet(torch),
        "charlstm-step": lambda: charlstm(torch),
    }
    for name in a.only.split(","):
        if name.startswith("sgemm-"):
            out["results"][name] = measure(sgemm(int(name[len("sgemm-"):])), a.quick) if out["numpy"] else None
        elif name in builders:
            if torch is None:
                out["results"][name] = None
            else:
                out["results"][name] = measure(builders[name](), a.quick)
        else:
            out["results"][name] = None
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""The original lab's pipeline against lessonkit's, same recipe, same machine.

    .venv/bin/python benchmarks/mnist_lab.py [--epochs 15] [--device cpu|cuda] [--threads N] [--repeat 3]
    .venv/bin/python benchmarks/mnist_lab.py --epochs 1 --subset 200   # a tiny run: does it still work?

Each pipeline runs in its own process (a fresh interpreter, so neither warms caches or
allocators for the other): the original lab copied faithfully (a DataLoader over
torchvision MNIST with `ToTensor()`, shuffle, drop_last, plain Adam, `avg_cost += cost /
total_batch`, one test at the end) and lessonkit's as `python -m lessonkit.mnist` runs it
(`run_lab(..., fused=True, dtype=training_dtype(device), rand_masks=True)`: tensors on the device,
sliced batches, fused Adam, bf16 autocast where the processor multiplies bf16 natively, masks drawn
with torch.rand as lesson 2 draws them, a test after every epoch,
and on the CPU denormals flushed by `lessonkit.core.device.flush_denormals`). A third runs
lessonkit's loop with denormals kept, to show what flushing adds. A fourth times the floor:
the same matrix multiplications (the addmm/mm shapes of forward and backward) alone.
Prints wall time, ratio, peak memory and final accuracy. Run it on an idle machine.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
# The GPU machine runs this from a bare copy of the repository where lessonkit is not
# pip-installed; in .venv the editable install already makes this a no-op.
sys.path.insert(0, str(REPO))


def peak_memory(device) -> dict:
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    cuda_mb = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
    return {"peak_rss_mb": rss_mb, "peak_cuda_mb": cuda_mb}


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def study_note_network(drop_prob: float) -> torch.nn.Sequential:
    """The network exactly as the study note's code builds it (tests/lessons/test_mnist_lab.py checks that
    lessonkit's build_model draws the same weights)."""
    linear1 = torch.nn.Linear(784, 512, bias=True)
    linear2 = torch.nn.Linear(512, 512, bias=True)
    linear3 = torch.nn.Linear(512, 512, bias=True)
    linear4 = torch.nn.Linear(512, 512, bias=True)
    linear5 = torch.nn.Linear(512, 10, bias=True)
    relu = torch.nn.ReLU()
    dropout = torch.nn.Dropout(p=drop_prob)
    for linear in (linear1, linear2, linear3, linear4, linear5):
        torch.nn.init.xavier_uniform_(linear.weight)
    return torch.nn.Sequential(linear1, relu, dropout, linear2, relu, dropout, linear3, relu, dropout,
                               linear4, relu, dropout, linear5)


def original(epochs: int, device: torch.device, subset: int | None) -> dict:
    """The original lab's code, as in the study note, with only `training_epochs` and timing added."""
    import random

    import torchvision.transforms as transforms

    from lessonkit.core.data import mnist
    from lessonkit.lessons.mnist.exercises import BUGGY_CODE

    random.seed(777)
    torch.manual_seed(777)
    if device.type == "cuda":
        torch.cuda.manual_seed_all(777)
    learning_rate, training_epochs, batch_size, drop_prob = 0.001, epochs, 100, 0.3
    start_load = time.perf_counter()
    mnist_train = mnist(train=True)
    mnist_train.transform = transforms.ToTensor()
    mnist_test = mnist(train=False)
    mnist_test.transform = transforms.ToTensor()
    if subset is not None:  # a tiny run: the first `subset` images of a seeded shuffle
        mnist_train = torch.utils.data.Subset(mnist_train, torch.randperm(len(mnist_train))[:subset].tolist())
    load_s = time.perf_counter() - start_load
    data_loader = torch.utils.data.DataLoader(dataset=mnist_train, batch_size=batch_size, shuffle=True, drop_last=True)
    model = study_note_network(drop_prob).to(device)
    criterion = torch.nn.CrossEntropyLoss().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    # the study note's training loop, as lesson 5's bug hunt hands it to the learner (defects included)
    namespace = {"torch": torch}
    exec(BUGGY_CODE, namespace)  # noqa: S102 - lessonkit's own copy of the study note's code
    start = time.perf_counter()
    for epoch in range(training_epochs):
        avg_cost = namespace["train_epoch"](model, data_loader, criterion, optimizer, device)
        print("Epoch:", "%04d" % (epoch + 1), "cost =", "{:.9f}".format(avg_cost), file=sys.stderr)
    with torch.no_grad():
        model.eval()
        # the study note read the deprecated test_data/test_labels, unscaled; scaled here
        # (as ToTensor scales training) so the accuracy column compares like with like
        X_test = mnist_test.data.view(-1, 28 * 28).float().div(255).to(device)
        Y_test = mnist_test.targets.to(device)
        accuracy = (torch.argmax(model(X_test), 1) == Y_test).float().mean().item()
    sync(device)
    return {"train_s": time.perf_counter() - start, "load_s": load_s, "accuracy": accuracy, **peak_memory(device)}


def lessonkit(epochs: int, device: torch.device, subset: int | None, flush: bool = True) -> dict:
    """lessonkit's lab as the CLI runs it: `flush_denormals()` first, then lesson 5's `run_lab`
    with fused Adam in the runner's dtype and lesson 2's masks.

    flush=False: the same loop with denormals kept, to show what flushing adds.
    """
    from lessonkit.core.device import flush_denormals, training_dtype
    from lessonkit.core.mnist_data import mnist_tensors
    from lessonkit.lessons.mnist.train import run_lab

    if flush:
        flush_denormals()  # before any computation, as the CLI does
    start_load = time.perf_counter()
    data = mnist_tensors(device)
    sync(device)
    load_s = time.perf_counter() - start_load
    start = time.perf_counter()
    _, history = run_lab(0.3, epochs=epochs, seed=777, device=device, data=data, subset=subset, show_progress=False,
                         fused=True, dtype=training_dtype(device), rand_masks=True)
    sync(device)
    seconds = time.perf_counter() - start
    return {"train_s": seconds, "load_s": load_s, "accuracy": history["test_acc"][-1], **peak_memory(device)}


def lessonkit_denormals_kept(epochs: int, device: torch.device, subset: int | None) -> dict:
    return lessonkit(epochs, device, subset, flush=False)


def floor(epochs: int, device: torch.device, subset: int | None) -> dict:
    """The recipe's matrix products alone: forward addmm and backward mm for 600 steps an epoch."""
    sizes, batch = (784, 512, 512, 512, 512, 10), 100
    g = torch.Generator().manual_seed(0)
    xs = [torch.rand(batch, n, generator=g).to(device) for n in sizes]
    ws = [torch.rand(n_out, n_in, generator=g).to(device) for n_in, n_out in zip(sizes, sizes[1:])]
    bs = [torch.rand(n_out, generator=g).to(device) for n_out in sizes[1:]]

    def step():
        for i, w in enumerate(ws):
            torch.addmm(bs[i], xs[i], w.t())  # forward: y = x W^T + b
        for i, w in enumerate(ws):
            grad_out = xs[i + 1]
            torch.mm(grad_out.t(), xs[i])  # dL/dW
            if i > 0:
                torch.mm(grad_out, w)  # dL/dx (the input image needs none)

    for _ in range(20):
        step()
    sync(device)
    start = time.perf_counter()
    for _ in range(epochs * ((subset or 60_000) // batch)):
        step()
    sync(device)
    return {"train_s": time.perf_counter() - start, "load_s": 0.0, "accuracy": None, **peak_memory(device)}


def profile(epochs: int, device: torch.device, subset: int | None) -> dict:  # noqa: ARG001 - PARTS share one signature
    """Where one lessonkit epoch's time goes: torch.profiler's table, to stderr."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    from lessonkit.core.device import flush_denormals
    from lessonkit.core.mnist_data import mnist_tensors, random_subset
    from lessonkit.lessons.mnist.train import run_lab

    flush_denormals()
    train_data, test_data = mnist_tensors(device)
    data = (random_subset(*train_data, subset or 20_000, 0), test_data)  # 200 steps show the shares
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with torch_profile(activities=activities) as prof:
        start = time.perf_counter()
        run_lab(0.3, epochs=1, seed=777, device=device, data=data, show_progress=False)
        sync(device)
        wall = time.perf_counter() - start
    sort = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=sort, row_limit=18), file=sys.stderr)
    return {"train_s": wall, "load_s": 0.0, "accuracy": None, **peak_memory(device)}


PARTS = {"original": original, "lessonkit": lessonkit, "plain": lessonkit_denormals_kept, "floor": floor,
         "profile": profile}


def run_part(part: str, args) -> dict:
    command = [sys.executable, __file__, "--part", part, "--epochs", str(args.epochs), "--device", args.device]
    if args.subset:
        command += ["--subset", str(args.subset)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"{part} failed:\n{done.stderr}")
    if part == "profile":
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15, help="epochs for both pipelines (default 15, the recipe)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cpu or cuda (default: cuda if present)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch.set_num_threads in each process (default: torch's own)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all pipelines, interleaved; the table shows medians (default 1). "
                             "A machine's speed drifts by several percent between minutes: "
                             "use 3 for a ratio you can quote")
    parser.add_argument("--subset", type=int, default=0,
                        help="train on this many images, not all 60,000 (a tiny run checks the script works)")
    parser.add_argument("--profile", action="store_true",
                        help="also print torch.profiler's table for 200 lessonkit steps")
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)  # one child process's job
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"argument --epochs: must be at least 1, got {args.epochs}")
    if args.subset and not 100 <= args.subset <= 60_000:
        parser.error(f"argument --subset: must be from 100 (one batch) to 60000, got {args.subset}")
    if args.repeat < 1:
        parser.error(f"argument --repeat: must be at least 1, got {args.repeat}")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.part:
        print(json.dumps(PARTS[args.part](args.epochs, device, args.subset or None)))
        return
    print(f"torch {torch.__version__} on {device}"
          f"{' (' + torch.cuda.get_device_name(0) + ')' if device.type == 'cuda' else ''}, "
          f"{args.threads or torch.get_num_threads()} CPU threads, {os.cpu_count()} cores; "
          f"{args.epochs} epochs of {args.subset or 60_000:,} images, batch 100")
    rounds = []  # interleaved, so a slow spell of the machine touches every pipeline alike
    for round_number in range(args.repeat):
        rounds.append({part: run_part(part, args) for part in ("original", "lessonkit", "plain", "floor")})
        if args.repeat > 1:
            r = rounds[-1]
            print(f"round {round_number + 1}: original {r['original']['train_s']:.1f} s, "
                  f"lessonkit {r['lessonkit']['train_s']:.1f} s "
                  f"({r['original']['train_s'] / r['lessonkit']['train_s']:.2f}x), denormals kept "
                  f"{r['plain']['train_s']:.1f} s, floor {r['floor']['train_s']:.1f} s", flush=True)
    # each pipeline's median run (the upper one of the middle two for an even count)
    rows = {part: sorted((r[part] for r in rounds), key=lambda row: row["train_s"])[len(rounds) // 2]
            for part in rounds[0]}
    base = rows["original"]["train_s"]
    print(f"{'pipeline':<30} {'train s':>8} {'load s':>7} {'vs original':>11} "
          f"{'peak RSS MB':>11} {'peak CUDA MB':>12} {'test acc':>8}")
    names = {"original": "original lab (DataLoader)", "lessonkit": "lessonkit (run_lab)",
             "plain": "  with denormals kept", "floor": "matmuls alone (floor)"}
    for part, row in rows.items():
        cuda = f"{row['peak_cuda_mb']:.0f}" if row["peak_cuda_mb"] is not None else "-"
        acc = f"{100 * row['accuracy']:.2f}%" if row["accuracy"] is not None else "-"
        print(f"{names[part]:<30} {row['train_s']:>8.1f} {row['load_s']:>7.1f} {base / row['train_s']:>10.2f}x "
              f"{row['peak_rss_mb']:>11.0f} {cuda:>12} {acc:>8}")
    print(f"lessonkit is {base / rows['lessonkit']['train_s']:.2f}x faster than the original lab and takes "
          f"{rows['lessonkit']['train_s'] / rows['floor']['train_s']:.2f}x the matmul floor.")
    print(f"Flushing denormals makes it {rows['plain']['train_s'] / rows['lessonkit']['train_s']:.2f}x faster than "
          f"the same loop without.")
    if args.profile:
        run_part("profile", args)


if __name__ == "__main__":
    main()

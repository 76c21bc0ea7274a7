#!/usr/bin/env python3
"""Batch latency of PyTorch (eager, inference mode) on the issue-6 models, for the models suite's
"below PyTorch" line: the same architectures as ModelBenchmark (torchvision's, seeded random
weights), 1x3x224x224 (LeNet-5 is not in torchvision). Not part of the build or CI; on Debian 12
it needs `apt-get install python3-torch python3-torchvision` (PyTorch 1.13.1, the issue's figure).

Usage: python3 bench/reference/pytorch_models.py [--threads 1,2] [--batch 1] [--runs 300]
"""
import argparse
import statistics
import time

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch", default="1")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    torch.manual_seed(1)
    models = {
        "resnet18": torchvision.models.resnet18(),
        "mobilenetv2": torchvision.models.mobilenet_v2(),
        "squeezenet11": torchvision.models.squeezenet1_1(),
    }
    print(f"PyTorch {torch.__version__}, torchvision {torchvision.__version__}")
    print("| model | input | thr | PyTorch p50 ms | p10 ms | p90 ms |")
    print("|---|---|---|---|---|---|")
    for name, model in models.items():
        model.eval()
        for batch in (int(b) for b in args.batch.split(",")):
            x = torch.rand(batch, 3, 224, 224) * 2 - 1
            for threads in (int(t) for t in args.threads.split(",")):
                torch.set_num_threads(threads)
                times = []
                with torch.inference_mode():
                    for i in range(args.warmup + args.runs):
                        start = time.perf_counter()
                        model(x)
                        if i >= args.warmup:
                            times.append((time.perf_counter() - start) * 1e3)
                q = statistics.quantiles(times, n=10)
                print(f"| {name} | {batch}x3x224x224 | {threads} | {statistics.median(times):.3f} | {q[0]:.3f} | {q[-1]:.3f} |",
                      flush=True)


if __name__ == "__main__":
    main()

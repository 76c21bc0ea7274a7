#!/usr/bin/env python3
"""Writes PyTorch-computed outputs and gradients for the engine's layers, the golden data of
PyTorchReferenceTest (verification/src/test/resources/pytorch/layers.bin).

Each case: a kind (conv, maxpool, avgpool, an activation's name, batchnorm, linear, a loss, an
optimizer), its hyperparameters as "key=v,v" words, and float32 tensors: the input x (and weights w,
bias b), the upstream gradient dy, PyTorch's output y and its gradients dx (dw, db) through
autograd; a loss's value and gradient; an optimizer's parameters after three steps of given gradients.

File format (little-endian): int32 case count; per case: UTF-8 string kind, string params,
int32 tensor count, then per tensor: string key, int32 rank, int32 dims, float32 values. A string
is an int32 byte length and the bytes.

Not part of the build: it needs PyTorch (Debian 12: apt-get install python3-torch, PyTorch 1.13).
Usage: python3 verification/reference/pytorch_gradients.py
"""
import os
import struct

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "pytorch", "layers.bin")


def string(s):
    b = s.encode()
    return struct.pack("<i", len(b)) + b


def tensor(key, t):
    t = t.detach().contiguous().float()
    return string(key) + struct.pack("<i", t.dim()) + struct.pack("<%di" % t.dim(), *t.shape) + t.numpy().astype("<f4").tobytes()


def record(kind, params, tensors):
    return string(kind) + string(params) + struct.pack("<i", len(tensors)) + b"".join(tensor(k, v) for k, v in tensors)


def conv_case(g, n, c, h, w, oc, kh, kw, stride, pad, dil, groups, bias=True):
    x = torch.randn(n, c, h, w, generator=g, requires_grad=True)
    wt = (torch.randn(oc, c // groups, kh, kw, generator=g) / (c // groups * kh * kw) ** 0.5).requires_grad_()
    b = torch.randn(oc, generator=g).requires_grad_() if bias else None
    y = F.conv2d(x, wt, b, stride, pad, dil, groups)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    params = "k=%d,%d s=%d,%d p=%d,%d d=%d,%d g=%d" % (kh, kw, stride[0], stride[1], pad[0], pad[1], dil[0], dil[1], groups)
    tensors = [("x", x), ("w", wt), ("dy", dy), ("y", y), ("dx", x.grad), ("dw", wt.grad)]
    if bias:
        tensors += [("b", b), ("db", b.grad)]
    return record("conv", params, tensors)


def global_pool_case(g, kind, shape, integers=False):
    x = (torch.randint(-3, 4, shape, generator=g).float() if integers else torch.randn(shape, generator=g)).requires_grad_()
    y = F.adaptive_max_pool2d(x, 1) if kind == "globalmaxpool" else F.adaptive_avg_pool2d(x, 1)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    return record(kind, "", [("x", x), ("dy", dy), ("y", y), ("dx", x.grad)])


def pool_case(g, kind, shape, k, s, p, dil=(1, 1), ceil=False, cip=True, integers=False):
    x = (torch.randint(-3, 4, shape, generator=g).float() if integers else torch.randn(shape, generator=g)).requires_grad_()
    if kind == "maxpool":
        y = F.max_pool2d(x, k, s, p, dil, ceil_mode=ceil)
    else:
        y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=cip)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    params = "k=%d,%d s=%d,%d p=%d,%d d=%d,%d ceil=%d cip=%d" % (k[0], k[1], s[0], s[1], p[0], p[1], dil[0], dil[1], ceil, cip)
    return record(kind, params, [("x", x), ("dy", dy), ("y", y), ("dx", x.grad)])


ACTIVATIONS = {
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "relu6": F.relu6,
    "clamp": lambda x: torch.clamp(x, -0.5, 1.5),
    "hardsigmoid": F.hardsigmoid,
    "hardswish": F.hardswish,
    "erf": torch.erf,
    "softmax": lambda x: torch.softmax(x, 1),
    "log_softmax": lambda x: torch.log_softmax(x, 1),
}


def activation_case(g, name):
    x = torch.randn(2, 5, 3, 7, generator=g) * 4
    # the kinks, where PyTorch's conventions decide the gradient
    x.view(-1)[:8] = torch.tensor([0.0, -0.0, 3.0, -3.0, 6.0, -0.5, 1.5, 0.0])
    x.requires_grad_()
    y = ACTIVATIONS[name](x)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    return record(name, "", [("x", x), ("dy", dy), ("y", y), ("dx", x.grad)])


def batchnorm_case(g):
    bn = torch.nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(4, generator=g))
        bn.bias.copy_(torch.randn(4, generator=g))
    x = (torch.randn(3, 4, 5, 6, generator=g) * 2 + 1).requires_grad_()
    y = bn(x)  # training: batch statistics, running ones updated
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    bn.eval()
    with torch.no_grad():
        y_eval = bn(x)
    return record("batchnorm", "", [("x", x), ("weight", bn.weight), ("bias", bn.bias), ("dy", dy), ("y", y),
                                    ("dx", x.grad), ("dweight", bn.weight.grad), ("dbias", bn.bias.grad),
                                    ("running_mean", bn.running_mean), ("running_var", bn.running_var), ("y_eval", y_eval)])


def linear_case(g):
    lin = torch.nn.Linear(7, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(4, 7, generator=g))
        lin.bias.copy_(torch.randn(4, generator=g))
    x = torch.randn(5, 7, generator=g, requires_grad=True)
    y = lin(x)
    dy = torch.randn(y.shape, generator=g)
    y.backward(dy)
    return record("linear", "", [("x", x), ("weight", lin.weight), ("bias", lin.bias), ("dy", dy), ("y", y),
                                 ("dx", x.grad), ("dweight", lin.weight.grad), ("dbias", lin.bias.grad)])


def loss_cases(g):
    logits = (torch.randn(6, 5, generator=g) * 3).requires_grad_()
    labels = torch.randint(0, 5, (6,), generator=g)
    loss = torch.nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    out = [record("cross_entropy", "", [("x", logits), ("target", labels.float()), ("loss", loss.reshape(1)),
                                        ("dx", logits.grad)])]
    for reduction in ("mean", "sum"):
        y = torch.randn(4, 3, generator=g, requires_grad=True)
        target = torch.randn(4, 3, generator=g)
        loss = torch.nn.MSELoss(reduction=reduction)(y, target)
        loss.backward()
        out.append(record("mse", "reduction=" + ("1" if reduction == "mean" else "0"),
                          [("x", y), ("target", target), ("loss", loss.reshape(1)), ("dx", y.grad)]))
    return out


def optimizer_case(g, kind, grad_scale=1.0, **options):
    w = torch.randn(4, 7, generator=g)
    b = torch.randn(4, generator=g)
    grads = [(torch.randn(4, 7, generator=g) * grad_scale, torch.randn(4, generator=g) * grad_scale) for _ in range(3)]
    pw, pb = torch.nn.Parameter(w.clone()), torch.nn.Parameter(b.clone())
    opt = torch.optim.SGD([pw, pb], **options) if kind == "sgd" else torch.optim.Adam([pw, pb], **options)
    for gw, gb in grads:
        pw.grad, pb.grad = gw.clone(), gb.clone()
        opt.step()
    params = " ".join("%s=%s" % (k, int(v) if isinstance(v, bool) else repr(v) if not isinstance(v, tuple)
                                 else ",".join(map(repr, v))) for k, v in options.items())
    tensors = [("weight", w), ("bias", b)]
    for i, (gw, gb) in enumerate(grads):
        tensors += [("dweight%d" % i, gw), ("dbias%d" % i, gb)]
    return record(kind, params, tensors + [("weight_after", pw), ("bias_after", pb)])


def training_case(g):
    """Three SGD steps (momentum, weight decay) of conv-bn-relu-pool-linear on one batch, cross-entropy."""
    torch.manual_seed(11)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(64, 5))
    conv, bn, lin = net[0], net[1], net[5]
    with torch.no_grad():
        bn.weight.copy_(torch.rand(4, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(4, generator=g) * 0.1)
    x = torch.randn(6, 3, 8, 8, generator=g)
    labels = torch.randint(0, 5, (6,), generator=g)
    start = [("conv_weight", conv.weight), ("conv_bias", conv.bias), ("bn_weight", bn.weight), ("bn_bias", bn.bias),
             ("linear_weight", lin.weight), ("linear_bias", lin.bias)]
    tensors = [("x", x), ("target", labels.float())] + [(k, v.detach().clone()) for k, v in start]
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    net.train()
    for step in range(3):
        opt.zero_grad()
        loss = torch.nn.CrossEntropyLoss()(net(x), labels)
        loss.backward()
        opt.step()
        tensors.append(("loss%d" % step, loss.detach().reshape(1)))
    tensors += [(k + "_after", v) for k, v in start]
    tensors += [("running_mean", bn.running_mean), ("running_var", bn.running_var)]
    return record("training", "", tensors)


def main():
    g = torch.Generator().manual_seed(2026)
    cases = [
        conv_case(g, 2, 3, 9, 8, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
        conv_case(g, 1, 8, 14, 14, 8, 3, 3, (1, 1), (1, 1), (1, 1), 1),        # Winograd's shape
        conv_case(g, 2, 4, 11, 9, 6, 3, 5, (2, 1), (3, 1), (2, 1), 2),
        conv_case(g, 2, 6, 9, 10, 6, 3, 3, (2, 2), (1, 1), (1, 1), 6),         # depthwise, stride 2
        conv_case(g, 3, 16, 7, 5, 5, 1, 1, (1, 1), (0, 0), (1, 1), 1, bias=False),  # pointwise
        conv_case(g, 1, 3, 33, 31, 8, 7, 7, (2, 2), (3, 3), (1, 1), 1),        # a first layer
        conv_case(g, 2, 4, 12, 12, 4, 3, 3, (3, 2), (2, 0), (3, 2), 1),        # dilation 3 and 2
        conv_case(g, 1, 6, 13, 13, 6, 5, 5, (4, 4), (2, 2), (1, 1), 3),        # stride 4, groups 3
        pool_case(g, "maxpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1)),
        pool_case(g, "maxpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1), ceil=True),
        pool_case(g, "maxpool", (1, 2, 9, 10), (3, 3), (1, 1), (1, 1), dil=(2, 2)),
        pool_case(g, "maxpool", (2, 3, 9, 8), (2, 2), (2, 2), (0, 0), integers=True),   # ties: first max
        pool_case(g, "maxpool", (2, 3, 12, 12), (3, 3), (2, 2), (1, 1), integers=True),
        pool_case(g, "maxpool", (1, 3, 7, 8), (2, 3), (1, 2), (1, 0)),
        pool_case(g, "avgpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1)),
        pool_case(g, "avgpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1), cip=False),
        pool_case(g, "avgpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1), ceil=True),
        pool_case(g, "avgpool", (2, 3, 10, 11), (3, 3), (2, 2), (1, 1), ceil=True, cip=False),
        pool_case(g, "avgpool", (1, 3, 7, 9), (2, 2), (2, 2), (0, 0), ceil=True),
        pool_case(g, "avgpool", (1, 2, 8, 9), (3, 2), (1, 2), (1, 1)),
    ]
    cases += [global_pool_case(g, "globalavgpool", (2, 5, 7, 6)), global_pool_case(g, "globalmaxpool", (2, 5, 7, 6)),
              global_pool_case(g, "globalmaxpool", (2, 5, 3, 4), integers=True)]  # ties: the first maximum
    cases += [activation_case(g, name) for name in ACTIVATIONS]
    cases += [batchnorm_case(g), linear_case(g)] + loss_cases(g) + [training_case(g)]
    cases += [optimizer_case(g, "sgd", lr=0.1),
              optimizer_case(g, "sgd", lr=0.05, momentum=0.9, weight_decay=0.01),
              optimizer_case(g, "sgd", lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True),
              optimizer_case(g, "adam", lr=0.01),
              optimizer_case(g, "adam", lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
              # gradients of the order of eps, where eps enters the update decides it
              optimizer_case(g, "adam", grad_scale=1e-6, lr=0.02, eps=1e-6)]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        f.write(struct.pack("<i", len(cases)) + b"".join(cases))
    print("%d cases, %d bytes -> %s (PyTorch %s)" % (len(cases), os.path.getsize(OUT), os.path.normpath(OUT), torch.__version__))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch's ONNX exports, run by Striate, against PyTorch's own outputs.

Each case is a PyTorch module (single operators with their attribute variants, the patterns
exporters emit around them, and torchvision architectures with seeded random weights and random
BatchNorm statistics), exported with torch.onnx.export at each requested opset, run through
`java -jar cli/target/striate-cli.jar run` on a TensorProto input file (the `./striate run` path),
and compared with the module's eager output: max |striate - torch| / max |torch|, within 2e-5 for
single operators and 1e-4 for whole networks (float32 sums of up to a few thousand terms).

Not part of the build or CI: it needs PyTorch (Debian 12: `apt-get install python3-torch
python3-torchvision`, PyTorch 1.13, which exports opsets 7-17) and a built CLI jar
(`mvn -q install -DskipTests`).

Usage: python3 verification/reference/pytorch_exports.py [OPSETS] [NAME-FILTER]
       e.g. python3 verification/reference/pytorch_exports.py 9,11,13,17
With STRIATE_WRITE_CASES=DIR, every agreeing case of at most 16 KB (model and tensors) is also written to DIR
in ONNX's backend-test layout (model.onnx, test_data_set_0/input_k.pb and PyTorch's output_k.pb) and
listed in DIR/LIST.txt: the onnx module's PyTorchExportTest runs them in every build.
"""
import os, shutil, struct, subprocess, sys, tempfile, traceback
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F, torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAVA_HOME = os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64")
JAVA = os.path.join(JAVA_HOME, "bin", "java")
JAR = os.path.join(ROOT, "cli/target/striate-cli.jar")

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f; n >>= 7
        if n: out.append(b | 0x80)
        else: out.append(b); return bytes(out)

def tensor_proto(name, arr):
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    b = bytearray()
    for d in arr.shape:
        b += varint(1 << 3 | 0) + varint(d)
    b += varint(2 << 3) + varint(1)
    nb = name.encode(); b += varint(8 << 3 | 2) + varint(len(nb)) + nb
    raw = arr.tobytes(); b += varint(9 << 3 | 2) + varint(len(raw)) + raw
    return bytes(b)

def read_varint(buf, i):
    n = s = 0
    while True:
        c = buf[i]; i += 1; n |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return n, i

def parse_tensor(buf):
    dims, raw, floats, name, i = [], None, [], "", 0
    while i < len(buf):
        key, i = read_varint(buf, i); f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
            if f == 1: dims.append(v)
        elif wt == 2:
            ln, i = read_varint(buf, i); chunk = buf[i:i + ln]; i += ln
            if f == 9: raw = chunk
            elif f == 8: name = chunk.decode()
            elif f == 4: floats = list(struct.unpack("<%df" % (ln // 4), chunk))
            elif f == 1:
                j = 0
                while j < len(chunk): v, j = read_varint(chunk, j); dims.append(v)
        elif wt == 5: i += 4
        elif wt == 1: i += 8
    a = np.frombuffer(raw, dtype=np.float32) if raw is not None else np.array(floats, dtype=np.float32)
    return name, a.reshape(dims)

def slug(name):
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").lower()


def run_case(name, module, shapes, opset, tol=2e-5, keep=None):
    module.eval()
    torch.manual_seed(7)
    xs = [torch.randn(*s) for s in shapes]
    with torch.no_grad():
        ref = module(*xs)
    refs = ref if isinstance(ref, (tuple, list)) else [ref]
    d = tempfile.mkdtemp(prefix="tdiff")
    path = os.path.join(d, "m.onnx")
    try:
        torch.onnx.export(module, tuple(xs), path, opset_version=opset, input_names=["in%d" % k for k in range(len(xs))],
                          output_names=["out%d" % k for k in range(len(refs))])
    except Exception as e:
        return "EXPORT-FAIL %s" % str(e).splitlines()[0][:100]
    args = [JAVA, "--add-modules", "jdk.incubator.vector", "-jar", JAR, "run", path]
    for k, x in enumerate(xs):
        p = os.path.join(d, "input_%d.pb" % k)
        open(p, "wb").write(tensor_proto("in%d" % k, x.numpy()))
        args += ["--input", p]
    args += ["--output-dir", os.path.join(d, "out")]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr.strip().splitlines() or ["?"])
        msg = [l for l in msg if "WARNING" not in l]
        return "STRIATE-FAIL " + " | ".join(msg)[:300]
    worst = 0.0
    for k, rf in enumerate(refs):
        _, got = parse_tensor(open(os.path.join(d, "out", "output_%d.pb" % k), "rb").read())
        rf = rf.numpy()
        if got.shape != rf.shape:
            return "SHAPE %s vs torch %s" % (got.shape, rf.shape)
        if np.isnan(rf).any() != np.isnan(got).any() or (np.isnan(rf) != np.isnan(got)).any():
            return "NaN pattern differs"
        fin = ~np.isnan(rf)
        scale = max(np.abs(rf[fin]).max(), 1e-30) if fin.any() else 1
        worst = max(worst, float(np.abs(got[fin] - rf[fin]).max() / scale) if fin.any() else 0)
    case_bytes = os.path.getsize(path) + 4 * (sum(x.numel() for x in xs) + sum(r.numel() for r in refs))
    if keep and worst <= tol and case_bytes <= 16 * 1024:
        case = os.path.join(keep, "%s_opset%d" % (slug(name), opset))
        data = os.path.join(case, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        shutil.copy(path, os.path.join(case, "model.onnx"))
        for k, x in enumerate(xs):
            shutil.copy(os.path.join(d, "input_%d.pb" % k), os.path.join(data, "input_%d.pb" % k))
        for k, rf in enumerate(refs):
            open(os.path.join(data, "output_%d.pb" % k), "wb").write(tensor_proto("out%d" % k, rf.numpy()))
        with open(os.path.join(keep, "LIST.txt"), "a") as f:
            f.write("%s_opset%d\t%s at opset %d, PyTorch %s\n" % (slug(name), opset, name, opset, torch.__version__))
    return ("ok  " if worst <= tol else "DIFF") + " %.2e" % worst

class Fn(nn.Module):
    def __init__(self, f, *mods):
        super().__init__(); self.f = f; self.m = nn.ModuleList(mods)
    def forward(self, *x): return self.f(self.m, *x)

def cases():
    c = []
    T = lambda *s: s
    c.append(("conv g2 d2 s2 p3", lambda: nn.Conv2d(4, 6, (3, 5), stride=(2, 1), padding=(3, 1), dilation=(2, 1), groups=2), [T(2, 4, 11, 9)]))
    c.append(("conv depthwise s2", lambda: nn.Conv2d(8, 8, 3, 2, 1, groups=8), [T(1, 8, 9, 10)]))
    c.append(("conv nobias 1x1", lambda: nn.Conv2d(16, 5, 1, bias=False), [T(3, 16, 7, 5)]))
    c.append(("conv 3x3 winograd", lambda: nn.Conv2d(32, 32, 3, padding=1), [T(1, 32, 14, 14)]))
    c.append(("conv 7x7 s2", lambda: nn.Conv2d(3, 8, 7, 2, 3), [T(1, 3, 33, 31)]))
    c.append(("zeropad asym + conv", lambda: nn.Sequential(nn.ZeroPad2d((1, 2, 0, 3)), nn.Conv2d(3, 4, 3)), [T(1, 3, 6, 7)]))
    c.append(("reflectionpad + conv", lambda: nn.Sequential(nn.ReflectionPad2d((2, 1, 3, 0)), nn.Conv2d(3, 4, 3)), [T(1, 3, 6, 7)]))
    c.append(("replicationpad", lambda: nn.ReplicationPad2d((1, 2, 2, 1)), [T(1, 2, 4, 5)]))
    c.append(("conv padding_mode reflect", lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), [T(1, 3, 6, 7)]))
    c.append(("constpad", lambda: nn.ConstantPad2d((2, 0, 1, 1), 0.5), [T(1, 2, 4, 5)]))
    c.append(("convtranspose s2 p1 op1", lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), [T(2, 4, 5, 6)]))
    c.append(("convtranspose 2x2 s2 nobias", lambda: nn.ConvTranspose2d(6, 2, 2, stride=2, bias=False), [T(1, 6, 4, 3)]))
    c.append(("convtranspose g2 d2 s(3,2)", lambda: nn.ConvTranspose2d(4, 6, (3, 2), stride=(3, 2), padding=(2, 0), dilation=(2, 1), groups=2), [T(2, 4, 5, 4)]))
    c.append(("convtranspose 3x3 s1 p1", lambda: nn.ConvTranspose2d(8, 8, 3, padding=1), [T(1, 8, 9, 9)]))
    c.append(("convtranspose1d s3", lambda: nn.ConvTranspose1d(3, 4, 5, stride=3), [T(2, 3, 7)]))
    c.append(("interpolate nearest x2", lambda: Fn(lambda m, x: F.interpolate(x, scale_factor=2)), [T(2, 3, 4, 5)]))
    c.append(("interpolate bilinear x2", lambda: Fn(lambda m, x: F.interpolate(x, scale_factor=2, mode="bilinear")), [T(1, 3, 4, 5)]))
    c.append(("interpolate bilinear align_corners", lambda: Fn(lambda m, x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)), [T(1, 3, 4, 5)]))
    c.append(("interpolate nearest size 7x9", lambda: Fn(lambda m, x: F.interpolate(x, size=(7, 9))), [T(1, 2, 4, 5)]))
    c.append(("interpolate bilinear size 7x9", lambda: Fn(lambda m, x: F.interpolate(x, size=(7, 9), mode="bilinear")), [T(1, 2, 4, 5)]))
    c.append(("unet up block", lambda: Fn(lambda m, x: m[1](torch.cat([m[0](x), F.interpolate(x, scale_factor=2)[:, :2]], 1)),
                                             nn.ConvTranspose2d(4, 2, 2, stride=2), nn.Conv2d(4, 3, 3, padding=1)), [T(1, 4, 6, 5)]))
    c.append(("maxpool ceil p1", lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [T(1, 3, 10, 11)]))
    c.append(("maxpool ceil p0", lambda: nn.MaxPool2d(3, 2, ceil_mode=True), [T(2, 3, 13, 12)]))
    c.append(("maxpool dil2", lambda: nn.MaxPool2d(3, 1, 1, dilation=2), [T(1, 2, 9, 9)]))
    c.append(("maxpool 2x2", lambda: nn.MaxPool2d(2), [T(1, 3, 9, 8)]))
    c.append(("maxpool rect", lambda: nn.MaxPool2d((2, 3), (1, 2), (1, 0)), [T(1, 3, 7, 8)]))
    c.append(("avgpool cip", lambda: nn.AvgPool2d(3, 2, 1), [T(1, 3, 10, 11)]))
    c.append(("avgpool nocip", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), [T(1, 3, 10, 11)]))
    c.append(("avgpool ceil cip", lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [T(1, 3, 10, 11)]))
    c.append(("avgpool ceil nocip", lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), [T(1, 3, 10, 11)]))
    c.append(("avgpool ceil p0", lambda: nn.AvgPool2d(2, 2, ceil_mode=True), [T(1, 3, 7, 9)]))
    c.append(("gap", lambda: nn.AdaptiveAvgPool2d(1), [T(2, 5, 7, 6)]))
    c.append(("gmp", lambda: nn.AdaptiveMaxPool2d(1), [T(2, 5, 7, 6)]))
    c.append(("relu", lambda: nn.ReLU(), [T(1, 3, 5, 5)]))
    c.append(("leaky", lambda: nn.LeakyReLU(0.2), [T(1, 3, 5, 5)]))
    c.append(("sigmoid", lambda: nn.Sigmoid(), [T(1, 3, 5, 5)]))
    c.append(("tanh", lambda: nn.Tanh(), [T(1, 3, 5, 5)]))
    c.append(("relu6", lambda: nn.ReLU6(), [T(1, 3, 5, 5)]))
    c.append(("hardtanh", lambda: nn.Hardtanh(-0.5, 1.5), [T(1, 3, 5, 5)]))
    c.append(("prelu per channel", lambda: prelu(nn.PReLU(3)), [T(2, 3, 4, 5)]))
    c.append(("prelu one slope", lambda: nn.PReLU(), [T(2, 3, 4, 5)]))
    c.append(("instancenorm affine", lambda: affine(nn.InstanceNorm2d(4, affine=True)), [T(2, 4, 5, 6)]))
    c.append(("instancenorm plain", lambda: nn.InstanceNorm2d(4), [T(2, 4, 5, 6)]))
    c.append(("pixel_shuffle 3", lambda: nn.PixelShuffle(3), [T(1, 18, 2, 3)]))
    c.append(("pixel_unshuffle 2", lambda: nn.PixelUnshuffle(2), [T(2, 3, 4, 6)]))
    c.append(("elu 0.5", lambda: nn.ELU(0.5), [T(2, 3, 5, 5)]))
    c.append(("selu", lambda: nn.SELU(), [T(2, 3, 5, 5)]))
    c.append(("softsign", lambda: nn.Softsign(), [T(2, 3, 5, 5)]))
    c.append(("maximum / minimum", lambda: Fn(lambda m, x, y: torch.minimum(torch.maximum(x, y), x * 0.5)), [T(2, 3, 4, 5), T(1, 3, 1, 1)]))
    c.append(("mish", lambda: nn.Mish(), [T(2, 3, 5, 5)]))
    c.append(("softplus", lambda: nn.Softplus(), [T(2, 3, 5, 5)]))
    c.append(("F.normalize embedding", lambda: Fn(lambda m, x: F.normalize(x, dim=1)), [T(3, 16)]))
    c.append(("sum / amax / amin", lambda: Fn(lambda m, x: x.sum([2, 3]) + x.amax(1).mean([1, 2]).unsqueeze(1) - x.amin(3).sum(2)), [T(2, 3, 4, 5)]))
    c.append(("exp log abs neg", lambda: Fn(lambda m, x: torch.log(torch.exp(-x.abs()) + 1) + torch.reciprocal(x * x + 1)), [T(2, 3, 4)]))
    c.append(("gelu (erf)", lambda: nn.GELU(), [T(2, 3, 5, 5)]))
    c.append(("layernorm last axis", lambda: nn.LayerNorm(8), [T(2, 3, 8)]))
    c.append(("layernorm last two axes", lambda: nn.LayerNorm([4, 5], elementwise_affine=True), [T(2, 3, 4, 5)]))
    c.append(("(x*x + 1).pow(1.5).sqrt()", lambda: Fn(lambda m, x: (x * x + 1).pow(1.5).sqrt()), [T(2, 3, 4)]))
    c.append(("softmax d1", lambda: nn.Softmax(dim=1), [T(2, 4, 3, 3)]))
    c.append(("softmax d-1", lambda: nn.Softmax(dim=-1), [T(2, 10)]))
    c.append(("logsoftmax d1", lambda: nn.LogSoftmax(dim=1), [T(2, 7)]))
    c.append(("logsoftmax d1 4d", lambda: nn.LogSoftmax(dim=1), [T(2, 4, 3, 3)]))
    c.append(("gelu tanh", lambda: nn.GELU(approximate='tanh'), [T(1, 3, 5, 5)]))
    c.append(("flatten linear", lambda: nn.Sequential(nn.Flatten(), nn.Linear(48, 10)), [T(3, 3, 4, 4)]))
    c.append(("view linear", lambda: Fn(lambda m, x: m[0](x.view(x.size(0), -1)), nn.Linear(48, 10)), [T(2, 3, 4, 4)]))
    c.append(("reshape -1", lambda: Fn(lambda m, x: m[0](torch.flatten(x, 1)), nn.Linear(48, 5)), [T(2, 3, 4, 4)]))
    c.append(("bn eval", lambda: bn(nn.BatchNorm2d(4)), [T(2, 4, 5, 5)]))
    c.append(("conv bn relu", lambda: nn.Sequential(nn.Conv2d(3, 4, 3), bn(nn.BatchNorm2d(4)), nn.ReLU()), [T(1, 3, 8, 8)]))
    c.append(("dropout eval", lambda: nn.Sequential(nn.Dropout(0.5), nn.Conv2d(3, 2, 1)), [T(1, 3, 4, 4)]))
    c.append(("cat + add", lambda: Fn(lambda m, x: torch.cat([m[0](x), m[1](x)], 1) + torch.cat([x, x], 1), nn.Conv2d(3, 3, 3, padding=1), nn.Conv2d(3, 3, 1)), [T(1, 3, 6, 6)]))
    c.append(("channel shuffle", lambda: Fn(lambda m, x: x.view(2, 2, 3, 5, 4).transpose(1, 2).contiguous().view(2, 6, 5, 4)), [T(2, 6, 5, 4)]))
    c.append(("slice channels", lambda: Fn(lambda m, x: x[:, 1:5:2, :, 1:] * 2), [T(2, 6, 5, 4)]))
    c.append(("slice negative step", lambda: Fn(lambda m, x: torch.flip(x, [3])), [T(2, 3, 5, 4)]))
    c.append(("se block mul", lambda: Fn(lambda m, x: x * torch.sigmoid(m[0](F.adaptive_avg_pool2d(x, 1))), nn.Conv2d(4, 4, 1)), [T(2, 4, 5, 5)]))
    c.append(("hardsigmoid", lambda: nn.Hardsigmoid(), [T(2, 3, 5, 5)]))
    c.append(("hardswish", lambda: nn.Hardswish(), [T(2, 3, 5, 5)]))
    c.append(("normalize (x - mean) / std", lambda: Fn(lambda m, x: (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)), [T(2, 3, 5, 5)]))
    c.append(("mean([2, 3])", lambda: Fn(lambda m, x: x.mean([2, 3])), [T(2, 5, 4, 6)]))
    c.append(("chunk(2, dim=1)", lambda: Fn(lambda m, x: torch.chunk(x, 2, 1)[0] - torch.chunk(x, 2, 1)[1]), [T(2, 6, 3, 3)]))
    c.append(("add 2 inputs", lambda: Fn(lambda m, x, y: x + y), [T(2, 3, 4, 4), T(2, 3, 4, 4)]))
    c.append(("mul bcast", lambda: Fn(lambda m, x, y: x * y), [T(2, 3, 4, 4), T(1, 3, 1, 1)]))
    c.append(("add bias bcast", lambda: Fn(lambda m, x: x + m[0].weight.view(1, 3, 1, 1), nn.Conv2d(3, 1, 1)), [T(2, 3, 4, 4)]))
    c.append(("matmul", lambda: Fn(lambda m, x, y: torch.matmul(x, y)), [T(3, 5), T(5, 4)]))
    c.append(("linear nobias", lambda: nn.Linear(6, 3, bias=False), [T(4, 6)]))
    c.append(("identity+clip", lambda: Fn(lambda m, x: torch.clamp(x, min=0.1)), [T(2, 6)]))
    c.append(("clamp max only", lambda: Fn(lambda m, x: torch.clamp(x, max=0.2)), [T(2, 6)]))
    c.append(("interpolate bicubic x2", lambda: Fn(lambda m, x: F.interpolate(x, scale_factor=2, mode="bicubic")), [T(1, 3, 4, 5)]))
    c.append(("interpolate bicubic align_corners", lambda: Fn(lambda m, x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True)), [T(1, 3, 4, 5)]))
    c.append(("interpolate bicubic size 3x4", lambda: Fn(lambda m, x: F.interpolate(x, size=(3, 4), mode="bicubic")), [T(1, 2, 7, 9)]))
    c.append(("groupnorm 2 groups", lambda: affine(nn.GroupNorm(2, 6), 5), [T(2, 6, 4, 5)]))
    c.append(("softshrink + hardshrink", lambda: Fn(lambda m, x: F.softshrink(x, 0.3) + F.hardshrink(x, 0.4)), [T(2, 3, 5, 5)]))
    c.append(("lppool2d p2 k3 s2", lambda: nn.LPPool2d(2, 3, stride=2), [T(1, 3, 9, 8)]))
    c.append(("lppool2d p1 k2", lambda: nn.LPPool2d(1, 2), [T(1, 3, 6, 8)]))
    c.append(("repeat (tile)", lambda: Fn(lambda m, x: x.repeat(1, 2, 1, 3)), [T(2, 3, 4, 2)]))
    c.append(("prod logsumexp l1-norm", lambda: Fn(lambda m, x: x.prod(1) + torch.logsumexp(x, 1) + x.norm(p=1, dim=1)), [T(2, 3, 4, 5)]))
    c.append(("round sign sin cos", lambda: Fn(lambda m, x: torch.round(x * 3) + torch.sign(x) + torch.sin(x) * torch.cos(x)), [T(2, 3, 4, 5)]))
    c.append(("atan asin tan", lambda: Fn(lambda m, x: torch.atan(x) + torch.asin(x.clamp(-0.9, 0.9)) + torch.tan(x * 0.5)), [T(2, 3, 4)]))
    c.append(("silu", lambda: nn.SiLU(), [T(2, 3, 5, 5)]))
    c.append(("var / std", lambda: Fn(lambda m, x: x.var(dim=(2, 3)) + x.std(1).mean([1, 2]).unsqueeze(1)), [T(2, 3, 4, 5)]))
    c.append(("arange positions", lambda: Fn(lambda m, x: x + torch.arange(x.size(3)).float()), [T(2, 3, 4, 5)]))
    c.append(("index select x[:, 0] and x[..., -1]", lambda: Fn(lambda m, x: m[0](x)[:, 0] + m[0](x)[..., -1].mean(), nn.Conv2d(3, 4, 1)), [T(2, 3, 4, 5)]))
    c.append(("index_select channels", lambda: Fn(lambda m, x: torch.index_select(m[0](x), 1, torch.tensor([2, 0, 2])), nn.Conv2d(3, 4, 1)), [T(2, 3, 4, 5)]))
    c.append(("maxpool indices 3x3 s2 p1", lambda: Fn(lambda m, x: m[0](x)[1].float(), nn.MaxPool2d(3, 2, 1, return_indices=True)), [T(1, 2, 7, 9)]))
    c.append(("resnet18", lambda: tv(torchvision.models.resnet18()), [T(1, 3, 64, 64)]))
    c.append(("mobilenet_v2", lambda: tv(torchvision.models.mobilenet_v2()), [T(2, 3, 64, 64)]))
    c.append(("squeezenet1_1", lambda: tv(torchvision.models.squeezenet1_1()), [T(1, 3, 96, 96)]))
    c.append(("alexnet", lambda: tv(torchvision.models.alexnet()), [T(1, 3, 224, 224)]))
    c.append(("googlenet", lambda: tv(torchvision.models.googlenet(aux_logits=False, init_weights=True)), [T(1, 3, 96, 96)]))
    for name in ["efficientnet_b0", "shufflenet_v2_x0_5", "densenet121", "resnext50_32x4d", "mnasnet0_5", "vgg11_bn",
                 "mobilenet_v3_small", "mobilenet_v3_large", "regnet_x_400mf"]:
        size = 224 if name == "vgg11_bn" else 64  # VGG's adaptive 7x7 pool exports only from a multiple of 7
        c.append((name, (lambda n: lambda: tv(getattr(torchvision.models, n)()))(name), [T(1, 3, size, size)]))
    c.append(("convnext_tiny", lambda: tv(torchvision.models.convnext_tiny()), [T(1, 3, 64, 64)]))
    c.append(("inception_v3", lambda: tv(torchvision.models.inception_v3(aux_logits=False, init_weights=True)), [T(1, 3, 299, 299)]))
    return c

def bn(m):
    g = torch.Generator().manual_seed(3)
    m.running_mean.copy_(torch.randn(m.num_features, generator=g))
    m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
    m.weight.data.copy_(torch.randn(m.num_features, generator=g)); m.bias.data.copy_(torch.randn(m.num_features, generator=g))
    return m

def affine(m, seed=4):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        m.weight.copy_(torch.randn(m.weight.numel(), generator=g))
        m.bias.copy_(torch.randn(m.bias.numel(), generator=g))
    return m


def prelu(m):
    with torch.no_grad():
        m.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    return m


def tv(model):
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d): bn(mod)
    return model

if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    opsets = [int(o) for o in (sys.argv[1] if len(sys.argv) > 1 else "9,11,13,17").split(",")]
    only = sys.argv[2] if len(sys.argv) > 2 else None
    print("PyTorch %s, torchvision %s; max |striate - torch| / max |torch| per opset" % (torch.__version__, torchvision.__version__))
    print("| case | input | " + " | ".join("opset %d" % o for o in opsets) + " |")
    print("|---|---|" + "---|" * len(opsets))
    for name, make, shapes in cases():
        if only and only not in name: continue
        cells = []
        for o in opsets:
            torch.manual_seed(1)
            try:
                res = run_case(name, make(), shapes, o, tol=1e-4 if "_" in name or name in ("resnet18", "alexnet", "googlenet") else 2e-5,
                               keep=os.environ.get("STRIATE_WRITE_CASES"))
            except Exception as e:
                res = "HARNESS " + repr(e)[:150]
            cells.append(res.replace("|", "/"))
        print("| %s | %s | %s |" % (name, " ".join("x".join(map(str, s)) for s in shapes), " | ".join(cells)), flush=True)

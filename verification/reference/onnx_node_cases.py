#!/usr/bin/env python3
"""ONNX's own node test cases, generated from the installed onnx package, in the backend-test layout.

The onnx wheel ships each operator's test case as Python (onnx/backend/test/case/node/*.py: the
model and NumPy-computed inputs and outputs), not as data. This writes every case, or those a list
names, as ONNX's test runner reads them: DIR/<case>/model.onnx and
DIR/<case>/test_data_set_<k>/{input,output}_<i>.pb, and DIR/LIST.txt naming what was written.

The onnx module's OnnxConformanceTest runs the cases in onnx/src/test/resources/onnx-node-tests-1.23
(every one of them must pass) in every build, and, given -Donnx.cases=DIR, every case of a full
generation: each must pass or be refused with an OnnxException, and the passing ones are listed in
onnx/target/onnx-cases-passing.txt, the list this script copies into the resources.

Not part of the build or CI: it needs the onnx and numpy packages (onnx 1.23.1 and numpy 2.2.6,
from the wheels of this machine's package index: python3 -m venv V && V/bin/pip install --no-index
--find-links /opt/pypi/files onnx==1.23.1 numpy==2.2.6).

Usage: V/bin/python verification/reference/onnx_node_cases.py DIR [LIST]
  e.g. V/bin/python verification/reference/onnx_node_cases.py /tmp/onnx-cases
       mvn -q -pl onnx surefire:test -Dtest=OnnxConformanceTest -Donnx.cases=/tmp/onnx-cases
       V/bin/python verification/reference/onnx_node_cases.py onnx/src/test/resources/onnx-node-tests-1.23 \
           onnx/target/onnx-cases-passing.txt
"""
import os, shutil, sys

import onnx
from onnx import numpy_helper
from onnx.backend.test.case import node as node_cases


def write_case(case, out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    graph = case.model.graph
    for k, (inputs, outputs) in enumerate(case.data_sets):
        data = os.path.join(out, f"test_data_set_{k}")
        os.makedirs(data)
        for kind, values, declared in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            for i, value in enumerate(values):
                proto = value if isinstance(value, onnx.TensorProto) else numpy_helper.from_array(value, declared[i].name)
                with open(os.path.join(data, f"{kind}_{i}.pb"), "wb") as f:
                    f.write(proto.SerializeToString())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    wanted = None
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            wanted = [line.strip() for line in f if line.strip()]
    cases = {case.name: case for case in node_cases.collect_testcases(None)}
    names = wanted if wanted is not None else sorted(cases)
    missing = [n for n in names if n not in cases]
    if missing:
        sys.exit(f"not cases of onnx {onnx.__version__}: {missing}")
    os.makedirs(out, exist_ok=True)
    written = []
    for name in names:
        case = cases[name]
        if any(not t.type.HasField("tensor_type") for t in list(case.model.graph.input) + list(case.model.graph.output)):
            continue  # sequences, maps, optionals: not tensors
        write_case(case, os.path.join(out, name))
        written.append(name)
    with open(os.path.join(out, "LIST.txt"), "w") as f:
        f.write(f"# onnx {onnx.__version__} node test cases, written by verification/reference/onnx_node_cases.py\n")
        f.writelines(n + "\n" for n in written)
    print(f"{len(written)} cases of onnx {onnx.__version__} written to {out}")


if __name__ == "__main__":
    main()

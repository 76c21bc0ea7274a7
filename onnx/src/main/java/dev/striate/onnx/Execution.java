package dev.striate.onnx;

import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;

/** The threads a session's kernels run on, and the GEMM on them. */
record Execution(ThreadPool pool, Sgemm gemm) {
}

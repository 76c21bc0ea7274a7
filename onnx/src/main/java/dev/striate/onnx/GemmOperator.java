package dev.striate.onnx;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.Transpose;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;

/**
 * ONNX Gemm ({@code Y = alpha·op(A)·op(B) + beta·C}, C broadcast to {@code [M, N]}) and MatMul
 * (NumPy matmul: batch dimensions broadcast, 1-D operands promoted), on the session's
 * {@link dev.striate.gemm.Sgemm}. A Gemm may carry a fused clamp (a following Relu or Clip); a bias
 * row ({@code C} of shape {@code [N]} or {@code [1, N]}, beta 1, constant) is added in the GEMM's
 * epilogue rather than in a pass of its own.
 */
final class GemmOperator implements ClampableOperator {

    private final String node;
    private final float alpha;
    private final float beta;
    private final boolean transA;
    private final boolean transB;
    private final float min;
    private final float max;
    private final Execution execution;

    GemmOperator(Node node, Execution execution) {
        this(node.toString(), node.getFloat("alpha", 1f), node.getFloat("beta", 1f), node.getInt("transA", 0) != 0,
                node.getInt("transB", 0) != 0, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, execution);
    }

    private GemmOperator(String node, float alpha, float beta, boolean transA, boolean transB, float min, float max,
                         Execution execution) {
        this.node = node;
        this.alpha = alpha;
        this.beta = beta;
        this.transA = transA;
        this.transB = transB;
        this.min = min;
        this.max = max;
        this.execution = execution;
    }

    @Override
    public GemmOperator clamped(float lo, float hi) {
        return new GemmOperator(node, alpha, beta, transA, transB, Math.max(min, lo), Math.min(max, hi), execution);
    }

    @Override
    public Step plan(Value[] in) {
        Value a = in[0];
        Value b = in[1];
        Value c = in.length > 2 ? in[2] : null;
        if (a.rank() != 2 || b.rank() != 2) {
            throw new OnnxException(node + ": A " + a + " and B " + b + " must be 2-D");
        }
        int m = transA ? a.dims[1] : a.dims[0];
        int k = transA ? a.dims[0] : a.dims[1];
        int kb = transB ? b.dims[1] : b.dims[0];
        int n = transB ? b.dims[0] : b.dims[1];
        if (k != kb) {
            throw new OnnxException(node + ": A " + a + (transA ? "ᵀ" : "") + " and B " + b + (transB ? "ᵀ" : "")
                    + " do not multiply: " + k + " against " + kb);
        }
        boolean withC = c != null && beta != 0f;
        int cRowStride = 0;
        int cColStride = 0;
        if (withC) {
            int[] cd = c.dims;
            int cm = cd.length == 2 ? cd[0] : 1;
            int cn = cd.length >= 1 ? cd[cd.length - 1] : 1;
            if (cd.length > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n)) {
                throw new OnnxException(node + ": C " + c + " does not broadcast to [" + m + ", " + n + "]");
            }
            cColStride = cn == 1 ? 0 : 1;
            cRowStride = cm == 1 ? 0 : cn;
        }
        Transpose ta = transA ? Transpose.T : Transpose.N;
        Transpose tb = transB ? Transpose.T : Transpose.N;
        int lda = a.dims[1];
        int ldb = b.dims[1];
        long flops = 2L * m * n * k;
        Value y = Value.runtime(m, n);
        if (withC && c.isConstant() && beta == 1f && cRowStride == 0 && cColStride == 1) {
            Epilogue bias = Epilogue.of(Epilogue.Bias.PER_COLUMN, min, max);
            float[] row = c.floats;
            return Step.compute((i, o) -> execution.gemm().gemm(ta, tb, m, n, k, alpha, i[0].data(), i[0].offset(), lda,
                    i[1].data(), i[1].offset(), ldb, 0f, o[0].data(), o[0].offset(), n, bias, row, 0), flops, y);
        }
        Epilogue clamp = Epilogue.of(Epilogue.Bias.NONE, min, max);
        int rs = cRowStride;
        int cs = cColStride;
        return Step.compute((i, o) -> {
            if (withC) {
                fill(i[2], beta, rs, cs, o[0], m, n);
            }
            execution.gemm().gemm(ta, tb, m, n, k, alpha, i[0].data(), i[0].offset(), lda, i[1].data(), i[1].offset(), ldb,
                    withC ? 1f : 0f, o[0].data(), o[0].offset(), n, clamp, null, 0);
        }, flops, y);
    }

    /** {@code y[r][j] := beta · c[r·rowStride + j·colStride]}. */
    private static void fill(Tensor c, float beta, int rowStride, int colStride, Tensor y, int m, int n) {
        float[] cs = c.data();
        float[] ys = y.data();
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < n; j++) {
                ys[y.offset() + r * n + j] = beta * cs[c.offset() + r * rowStride + j * colStride];
            }
        }
    }

    /** MatMul with NumPy's rules: batch dimensions broadcast, a 1-D operand promoted and its axis dropped. */
    static Operator matMul(Node node, Execution execution) {
        String name = node.toString();
        return in -> {
            Value a = in[0];
            Value b = in[1];
            if (a.rank() == 0 || b.rank() == 0) {
                throw new OnnxException(name + ": operands " + a + " and " + b + " must have rank >= 1");
            }
            int[] ad = a.rank() == 1 ? new int[] {1, a.dims[0]} : a.dims;
            int[] bd = b.rank() == 1 ? new int[] {b.dims[0], 1} : b.dims;
            int m = ad[ad.length - 2];
            int k = ad[ad.length - 1];
            int n = bd[bd.length - 1];
            if (bd[bd.length - 2] != k) {
                throw new OnnxException(name + ": " + a + " and " + b + " do not multiply: " + k + " against "
                        + bd[bd.length - 2]);
            }
            int batchRank = Math.max(ad.length, bd.length) - 2;
            int[] batch = new int[batchRank];
            for (int d = 0; d < batchRank; d++) {
                int da = dimAligned(ad, d, batchRank);
                int db = dimAligned(bd, d, batchRank);
                if (da != db && da != 1 && db != 1) {
                    throw new OnnxException(name + ": batch dimensions of " + a + " and " + b + " do not broadcast");
                }
                batch[d] = Math.max(da, db) == 0 ? 0 : (da == 1 ? db : da);
            }
            int count = Shape.checkedSize(batch);
            int[] aOffsets = new int[count];
            int[] bOffsets = new int[count];
            for (int i = 0; i < count; i++) {
                aOffsets[i] = batchOffset(i, batch, ad, m * k);
                bOffsets[i] = batchOffset(i, batch, bd, k * n);
            }
            int[] yDims = new int[batchRank + (a.rank() == 1 ? 0 : 1) + (b.rank() == 1 ? 0 : 1)];
            System.arraycopy(batch, 0, yDims, 0, batchRank);
            int at = batchRank;
            if (a.rank() > 1) {
                yDims[at++] = m;
            }
            if (b.rank() > 1) {
                yDims[at] = n;
            }
            return Step.compute((i, o) -> {
                for (int t = 0; t < count; t++) {
                    execution.gemm().gemm(Transpose.N, Transpose.N, m, n, k, 1f, i[0].data(), i[0].offset() + aOffsets[t], k,
                            i[1].data(), i[1].offset() + bOffsets[t], n, 0f, o[0].data(), o[0].offset() + t * m * n, n);
                }
            }, 2L * count * m * n * k, Value.runtime(yDims));
        };
    }

    /** Dimension d of a batch of rank {@code rank} for an operand whose last two dims are the matrix; 1 where missing. */
    private static int dimAligned(int[] dims, int d, int rank) {
        int i = d - (rank - (dims.length - 2));
        return i < 0 ? 1 : dims[i];
    }

    /** Offset of batch entry {@code index} (row-major over {@code batch}) in an operand, broadcast dims repeating. */
    private static int batchOffset(int index, int[] batch, int[] dims, int matrix) {
        int offset = 0;
        int stride = matrix;
        for (int d = batch.length - 1; d >= 0; d--) {
            int coordinate = index % batch[d];
            index /= batch[d];
            int own = dimAligned(dims, d, batch.length);
            offset += (own == 1 ? 0 : coordinate) * stride;
            stride *= own;
        }
        return offset;
    }
}

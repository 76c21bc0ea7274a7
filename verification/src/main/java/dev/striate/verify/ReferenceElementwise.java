package dev.striate.verify;

/**
 * The element-wise oracle: NumPy broadcasting by explicit index arithmetic (every output element's
 * coordinates mapped into each operand), reductions and batch normalization in double. Shares no
 * code with the engine.
 */
public final class ReferenceElementwise {

    private ReferenceElementwise() {
    }

    /** The broadcast of two shapes, or null when they do not broadcast. */
    public static int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int d = 0; d < rank; d++) {
            int da = d - (rank - a.length) >= 0 ? a[d - (rank - a.length)] : 1;
            int db = d - (rank - b.length) >= 0 ? b[d - (rank - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[d] = Math.max(da, db) == 1 ? 1 : (da == 1 ? db : da);
        }
        return out;
    }

    /** Flat index into a tensor of {@code shape} of the output element at {@code coords} (broadcast). */
    public static int sourceIndex(int[] shape, int[] coords) {
        int index = 0;
        int offset = coords.length - shape.length;
        for (int d = 0; d < shape.length; d++) {
            index = index * shape[d] + (shape[d] == 1 ? 0 : coords[d + offset]);
        }
        return index;
    }

    /** Coordinates of flat index i in shape. */
    public static int[] coords(int[] shape, int i) {
        int[] c = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            c[d] = i % shape[d];
            i /= shape[d];
        }
        return c;
    }

    public static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** a op b broadcast, in double; op is one of {@code + - * /}. */
    public static double[] binary(char op, float[] a, int[] aShape, float[] b, int[] bShape) {
        int[] out = broadcastShape(aShape, bShape);
        double[] y = new double[size(out)];
        for (int i = 0; i < y.length; i++) {
            int[] c = coords(out, i);
            double x = a[sourceIndex(aShape, c)];
            double z = b[sourceIndex(bShape, c)];
            y[i] = switch (op) {
                case '+' -> x + z;
                case '-' -> x - z;
                case '*' -> x * z;
                case '/' -> x / z;
                default -> throw new IllegalArgumentException("reference: no operator " + op);
            };
        }
        return y;
    }

    /** Σ dy (· other) into target's shape over the broadcast dimensions, in double. */
    public static double[] sumTo(float[] dy, int[] dyShape, float[] other, int[] otherShape, int[] targetShape) {
        double[] t = new double[size(targetShape)];
        for (int i = 0; i < dy.length; i++) {
            int[] c = coords(dyShape, i);
            double v = dy[i];
            if (other != null) {
                v *= other[sourceIndex(otherShape, c)];
            }
            t[sourceIndex(targetShape, c)] += v;
        }
        return t;
    }

    /** Inference batch norm over [N, C, plane], in double. */
    public static double[] batchNorm(float[] x, int n, int c, int plane, float[] gamma, float[] beta, float[] mean,
                                     float[] var, float eps) {
        double[] y = new double[x.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int k = 0; k < plane; k++) {
                    int at = (i * c + ch) * plane + k;
                    y[at] = ((double) x[at] - mean[ch]) / Math.sqrt((double) var[ch] + eps) * gamma[ch] + beta[ch];
                }
            }
        }
        return y;
    }
}

package dev.striate.verify;

/**
 * The activation oracle: each function and its derivative written from its textbook (and PyTorch)
 * definition in double, one element at a time; softmax over an axis by the definition with the max
 * shift. Shares no code with the engine.
 */
public final class ReferenceActivations {

    private ReferenceActivations() {
    }

    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    public static double tanh(double x) {
        return Math.tanh(x);
    }

    private static final double BETA = Math.sqrt(2 / Math.PI);
    private static final double KAPPA = 0.044715;

    public static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(BETA * (x + KAPPA * x * x * x)));
    }

    public static double geluDerivative(double x) {
        double t = Math.tanh(BETA * (x + KAPPA * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * BETA * (1 + 3 * KAPPA * x * x);
    }

    /**
     * Softmax (or log-softmax) of {@code x} viewed as {@code [outer, n, inner]} along the middle
     * axis, in double.
     */
    public static double[] softmax(float[] x, int outer, int n, int inner, boolean log) {
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < n; a++) {
                    double v = x[(o * n + a) * inner + j];
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (int a = 0; a < n; a++) {
                    sum += Math.exp(x[(o * n + a) * inner + j] - max);
                }
                for (int a = 0; a < n; a++) {
                    double shifted = x[(o * n + a) * inner + j] - max;
                    y[(o * n + a) * inner + j] = log ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
                }
            }
        }
        return y;
    }

    /** dx of softmax (from y) or log-softmax (from its output), by the Jacobian's definition, in double. */
    public static double[] softmaxBackward(float[] y, float[] dy, int outer, int n, int inner, boolean log) {
        double[] dx = new double[y.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                for (int a = 0; a < n; a++) {
                    int ia = (o * n + a) * inner + j;
                    double sum = 0;
                    for (int b = 0; b < n; b++) {
                        int ib = (o * n + b) * inner + j;
                        // ∂y_b/∂x_a: softmax y_b(δ_ab − y_a); log-softmax δ_ab − p_a with p = exp(y)
                        double jac = log ? (a == b ? 1 : 0) - Math.exp(y[ia])
                                : (double) y[ib] * ((a == b ? 1 : 0) - (double) y[ia]);
                        sum += dy[ib] * jac;
                    }
                    dx[ia] = sum;
                }
            }
        }
        return dx;
    }

    /** |x − max of its slice| per element: the size of the shift whose rounding softmax amplifies. */
    public static double[] shiftMagnitude(float[] x, int outer, int n, int inner) {
        double[] m = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < n; a++) {
                    max = Math.max(max, x[(o * n + a) * inner + j]);
                }
                for (int a = 0; a < n; a++) {
                    m[(o * n + a) * inner + j] = Math.abs(x[(o * n + a) * inner + j] - max);
                }
            }
        }
        return m;
    }

    /**
     * Per element, its slice's {@code Σ_j p_j·|x_j − max|} (p = softmax): how far the rounding of the
     * shifts, amplified by exp, moves the slice's sum relative to itself.
     */
    public static double[] weightedShift(float[] x, int outer, int n, int inner) {
        double[] p = softmax(x, outer, n, inner, false);
        double[] shift = shiftMagnitude(x, outer, n, inner);
        double[] w = new double[x.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double sum = 0;
                for (int a = 0; a < n; a++) {
                    int i = (o * n + a) * inner + j;
                    sum += p[i] * shift[i];
                }
                for (int a = 0; a < n; a++) {
                    w[(o * n + a) * inner + j] = sum;
                }
            }
        }
        return w;
    }

    /** Σ|term| of each softmax-backward element: the scale of its rounding error. */
    public static double[] softmaxBackwardMagnitude(float[] y, float[] dy, int outer, int n, int inner, boolean log) {
        double[] mag = new double[y.length];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < inner; j++) {
                double sum = 0;
                for (int b = 0; b < n; b++) {
                    int ib = (o * n + b) * inner + j;
                    sum += Math.abs((double) dy[ib] * (log ? 1 : y[ib]));
                }
                for (int a = 0; a < n; a++) {
                    int ia = (o * n + a) * inner + j;
                    mag[ia] = Math.abs(dy[ia]) + (log ? Math.exp(y[ia]) : Math.abs(y[ia])) * sum;
                }
            }
        }
        return mag;
    }

    /**
     * erf(x) in double, from the series {@code erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!}, whose
     * terms are all positive (no cancellation: about 1e-15 relative); ±1 beyond |x| = 6, where
     * erfc is below 2e-17.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.signum(x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
    }
}

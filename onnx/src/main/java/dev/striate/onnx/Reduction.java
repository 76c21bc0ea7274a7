package dev.striate.onnx;

/**
 * What each ONNX Reduce operator does to an element before folding it ({@link #prepare}), how it
 * folds ({@link #combine}, from {@link #identity}) and what it does to the fold after
 * ({@link #finish}), all in float. LogSumExp is {@code log Σ exp(x)} as the specification writes
 * it, so an element past ~88.7 overflows to ∞ (ONNX's reference computes the same).
 */
enum Reduction {
    SUM(0), MEAN(0), MAX(Float.NEGATIVE_INFINITY), MIN(Float.POSITIVE_INFINITY), PROD(1),
    L1(0), L2(0), SUM_SQUARE(0), LOG_SUM(0), LOG_SUM_EXP(0);

    final float identity;

    Reduction(float identity) {
        this.identity = identity;
    }

    /** The reduction of op type {@code ReduceX}. */
    static Reduction of(String opType) {
        return switch (opType) {
            case "ReduceSum" -> SUM;
            case "ReduceMean" -> MEAN;
            case "ReduceMax" -> MAX;
            case "ReduceMin" -> MIN;
            case "ReduceProd" -> PROD;
            case "ReduceL1" -> L1;
            case "ReduceL2" -> L2;
            case "ReduceSumSquare" -> SUM_SQUARE;
            case "ReduceLogSum" -> LOG_SUM;
            case "ReduceLogSumExp" -> LOG_SUM_EXP;
            default -> throw new IllegalArgumentException(opType + " is not a reduction");
        };
    }

    float prepare(float v) {
        return switch (this) {
            case L1 -> Math.abs(v);
            case L2, SUM_SQUARE -> v * v;
            case LOG_SUM_EXP -> (float) Math.exp(v);
            default -> v;
        };
    }

    /** The running value r with the next prepared element v (max and min propagate NaN). */
    float combine(float r, float v) {
        return switch (this) {
            case MAX -> Math.max(r, v);
            case MIN -> Math.min(r, v);
            case PROD -> r * v;
            default -> r + v;
        };
    }

    /** Each of {@code n} folds from {@code at}, over {@code count} elements, made the result. */
    void finish(float[] ys, int at, int n, int count) {
        for (int j = at; j < at + n; j++) {
            ys[j] = switch (this) {
                case MEAN -> count == 0 ? Float.NaN : ys[j] / count;
                case L2 -> (float) Math.sqrt(ys[j]);
                case LOG_SUM, LOG_SUM_EXP -> (float) Math.log(ys[j]);
                default -> ys[j];
            };
        }
    }
}

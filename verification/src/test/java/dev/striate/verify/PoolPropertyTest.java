package dev.striate.verify;

import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random valid pooling hyperparameters (kernel, stride, per-side padding below the dilated kernel,
 * dilation, ceil mode) and image sizes against {@link ReferencePool}, through {@link PoolCheck}:
 * max values and indices exact, max and average gradients, both divisor rules.
 */
class PoolPropertyTest {

    @Property
    void randomPoolsMatchTheOracle(
            @ForAll @IntRange(min = 1, max = 5) int kernelH,
            @ForAll @IntRange(min = 1, max = 5) int kernelW,
            @ForAll @IntRange(min = 1, max = 4) int strideH,
            @ForAll @IntRange(min = 1, max = 4) int strideW,
            @ForAll @IntRange(min = 0, max = 4) int padTop,
            @ForAll @IntRange(min = 0, max = 4) int padLeft,
            @ForAll @IntRange(min = 0, max = 4) int padBottom,
            @ForAll @IntRange(min = 0, max = 4) int padRight,
            @ForAll @IntRange(min = 1, max = 3) int dilationH,
            @ForAll @IntRange(min = 1, max = 3) int dilationW,
            @ForAll boolean ceil,
            @ForAll boolean integers,
            @ForAll @IntRange(min = 1, max = 3) int planes,
            @ForAll @IntRange(min = 1, max = 30) int height,
            @ForAll @IntRange(min = 1, max = 40) int width,
            @ForAll long seed) {
        int spanH = dilationH * (kernelH - 1) + 1;
        int spanW = dilationW * (kernelW - 1) + 1;
        // fold the draws into the valid region instead of rejecting them: every try is a check
        int top = padTop % spanH;
        int bottom = padBottom % spanH;
        int left = padLeft % spanW;
        int right = padRight % spanW;
        int h = Math.max(height, spanH - top - bottom);
        int w = Math.max(width, spanW - left - right);
        PoolParams p = new PoolParams(kernelH, kernelW, strideH, strideW, top, left, bottom, right,
                dilationH, dilationW, ceil);
        float[] x = PoolCheck.input(new SplittableRandom(seed), planes * h * w, integers, false);
        PoolCheck.check(p + " " + planes + "x" + h + "x" + w, p, 1, planes, h, w, x, ThreadPool.common());
    }
}

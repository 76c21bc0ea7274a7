package dev.striate.verify;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvParams;
import dev.striate.conv.ConvProblem;
import dev.striate.gemm.Sgemm;
import dev.striate.simd.FloatSpecies;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random valid hyperparameters (channels, groups, kernel, stride, per-side padding, dilation, batch,
 * image size) against the oracle, for the general path, the automatic choice and, where they apply,
 * DIRECT, Winograd and DIRECT_BLOCKED (its own properties: output channels in blocks of 64; input channels
 * in blocks of 64 for the channel-blocked dx). Tries as in
 * {@link SgemmPropertyTest}.
 */
class ConvPropertyTest {

    @Property
    void randomLayersMatchTheOracle(
            @ForAll @IntRange(min = 1, max = 4) int groupInChannels,
            @ForAll @IntRange(min = 1, max = 4) int groupOutChannels,
            @ForAll @IntRange(min = 1, max = 3) int groups,
            @ForAll boolean depthwise,
            @ForAll @IntRange(min = 1, max = 5) int kernelH,
            @ForAll @IntRange(min = 1, max = 5) int kernelW,
            @ForAll @IntRange(min = 1, max = 4) int strideH,
            @ForAll @IntRange(min = 1, max = 4) int strideW,
            @ForAll @IntRange(min = 0, max = 3) int padTop,
            @ForAll @IntRange(min = 0, max = 3) int padLeft,
            @ForAll @IntRange(min = 0, max = 3) int padBottom,
            @ForAll @IntRange(min = 0, max = 3) int padRight,
            @ForAll @IntRange(min = 1, max = 3) int dilationH,
            @ForAll @IntRange(min = 1, max = 3) int dilationW,
            @ForAll @IntRange(min = 1, max = 3) int batch,
            @ForAll @IntRange(min = 1, max = 24) int height,
            @ForAll @IntRange(min = 1, max = 24) int width,
            @ForAll long seed) {
        int cg = depthwise ? 1 : groupInChannels;
        int channels = cg * groups;
        ConvParams p = new ConvParams(channels, groupOutChannels * groups, kernelH, kernelW, strideH, strideW,
                padTop, padLeft, padBottom, padRight, dilationH, dilationW, groups);
        Assume.that(height + padTop + padBottom >= dilationH * (kernelH - 1) + 1);
        Assume.that(width + padLeft + padRight >= dilationW * (kernelW - 1) + 1);
        ConvProblemCheck check = new ConvProblemCheck(new ConvProblem(batch, height, width, p), seed);
        check.checkAll(ConvAlgorithm.IM2COL, Sgemm.shared());
        check.checkAll(ConvAlgorithm.AUTO, Sgemm.shared());
        if (groups == 1) {
            check.checkAll(ConvAlgorithm.DIRECT, Sgemm.shared());
        }
        if (ConvOracleTest.winogradApplies(check.problem)) {
            check.checkAll(ConvAlgorithm.WINOGRAD, Sgemm.shared());
            check.checkAll(ConvAlgorithm.WINOGRAD_F4, Sgemm.shared());
        }
    }

    /**
     * dx by stride phases on the channel-blocked tile: input channels in blocks of 64; output channels
     * a block (DIRECT_BLOCKED, any stride) or a few (AUTO, which takes it on strided layers).
     */
    @Property(tries = 100)
    void randomBlockedDataGradientsMatchTheOracle(
            @ForAll @IntRange(min = 1, max = 2) int inBlocks,
            @ForAll boolean blockedOutput,
            @ForAll @IntRange(min = 1, max = 9) int outChannels,
            @ForAll @IntRange(min = 1, max = 4) int kernelH,
            @ForAll @IntRange(min = 1, max = 4) int kernelW,
            @ForAll @IntRange(min = 1, max = 3) int strideH,
            @ForAll @IntRange(min = 1, max = 3) int strideW,
            @ForAll @IntRange(min = 0, max = 2) int padTop,
            @ForAll @IntRange(min = 0, max = 2) int padLeft,
            @ForAll @IntRange(min = 0, max = 2) int padBottom,
            @ForAll @IntRange(min = 0, max = 2) int padRight,
            @ForAll @IntRange(min = 1, max = 2) int dilationH,
            @ForAll @IntRange(min = 1, max = 2) int dilationW,
            @ForAll @IntRange(min = 1, max = 2) int batch,
            @ForAll @IntRange(min = 1, max = 12) int height,
            @ForAll @IntRange(min = 1, max = 12) int width,
            @ForAll long seed) {
        ConvParams p = new ConvParams(64 * inBlocks, blockedOutput ? 64 : outChannels, kernelH, kernelW, strideH,
                strideW, padTop, padLeft, padBottom, padRight, dilationH, dilationW, 1);
        Assume.that(height + padTop + padBottom >= dilationH * (kernelH - 1) + 1);
        Assume.that(width + padLeft + padRight >= dilationW * (kernelW - 1) + 1);
        ConvProblem problem = new ConvProblem(batch, height, width, p);
        boolean direct = blockedOutput && ConvOracleTest.applies(problem, ConvAlgorithm.DIRECT_BLOCKED);
        new ConvProblemCheck(problem, seed).checkAll(direct ? ConvAlgorithm.DIRECT_BLOCKED : ConvAlgorithm.AUTO,
                Sgemm.shared());
    }

    @Property
    void randomBlockedLayersMatchTheOracle(
            @ForAll @IntRange(min = 1, max = 40) int inChannels,
            @ForAll @IntRange(min = 1, max = 2) int outBlocks,
            @ForAll @IntRange(min = 1, max = 5) int kernelH,
            @ForAll @IntRange(min = 1, max = 5) int kernelW,
            @ForAll @IntRange(min = 1, max = 3) int strideH,
            @ForAll @IntRange(min = 1, max = 3) int strideW,
            @ForAll @IntRange(min = 0, max = 2) int padTop,
            @ForAll @IntRange(min = 0, max = 2) int padLeft,
            @ForAll @IntRange(min = 0, max = 2) int padBottom,
            @ForAll @IntRange(min = 0, max = 2) int padRight,
            @ForAll @IntRange(min = 1, max = 2) int dilationH,
            @ForAll @IntRange(min = 1, max = 2) int dilationW,
            @ForAll @IntRange(min = 1, max = 2) int batch,
            @ForAll @IntRange(min = 1, max = 28) int height,
            @ForAll @IntRange(min = 1, max = 28) int width,
            @ForAll long seed) {
        ConvParams p = new ConvParams(inChannels, 64 * outBlocks, kernelH, kernelW, strideH, strideW,
                padTop, padLeft, padBottom, padRight, dilationH, dilationW, 1);
        Assume.that(height + padTop + padBottom >= dilationH * (kernelH - 1) + 1);
        Assume.that(width + padLeft + padRight >= dilationW * (kernelW - 1) + 1);
        ConvProblem problem = new ConvProblem(batch, height, width, p);
        if (!ConvOracleTest.applies(problem, ConvAlgorithm.DIRECT_BLOCKED)) {
            // refused only where the machine lacks the 32 vector registers of its tile
            assertTrue(FloatSpecies.PREFERRED.vectorBitSize() < 512, "DIRECT_BLOCKED refused " + p);
            return;
        }
        new ConvProblemCheck(problem, seed).checkAll(ConvAlgorithm.DIRECT_BLOCKED, Sgemm.shared());
    }
}

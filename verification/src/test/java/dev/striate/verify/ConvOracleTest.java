package dev.striate.verify;

import dev.striate.conv.ConvAlgorithm;
import dev.striate.conv.ConvProblem;
import dev.striate.gemm.GemmConfig;
import dev.striate.gemm.Sgemm;
import dev.striate.runtime.ThreadPool;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every convolution algorithm against the oracle on named problems covering the hyperparameter
 * space: strides 1–4, paddings 0–3 (asymmetric too), dilations 1–3, groups 1, 2 and C (depthwise,
 * with channel multiplier 1 and 2), kernels 1, 3, 5, 7, 11 and non-square, batch 1 and 3, odd image
 * sizes, reductions longer than one KC block, and images on both sides of the 256-pixel threshold
 * where the forward product switches to {@code Yᵀ = colᵀ·Wᵀ}. Each runs the general im2col path and whatever
 * the automatic choice is, on the default GEMM and on a tiny-blocked one (many edge tiles).
 */
class ConvOracleTest {

    static final String[] PROBLEMS = {
        "mb1ic3ih5oc2kh3",
        "mb1ic3ih9oc4kh3sh2",
        "mb1ic2ih11oc3kh3sh3ph1",
        "mb1ic2ih13oc3kh5sh4ph2",
        "mb1ic2ih7iw8oc3kh3ph0pw1pb2pr3",
        "mb3ic3ih6oc2kh3ph3",
        "mb1ic2ih5oc2kh3sh2ph2pw0pb1pr3",
        "mb1ic2ih9oc3kh3dh1",
        "mb1ic2ih11oc2kh3dh2ph2",
        "mb1ic3ih12iw10oc2kh3kw2dh2dw1ph1",
        "g2mb1ic4ih7oc6kh3ph1",
        "g2mb3ic6ih9oc4kh3sh2ph1dh1",
        "g4mb1ic4ih9oc4kh3ph1",
        "g3mb3ic3ih10oc6kh3sh2ph1",
        "g8mb1ic8ih17oc8kh3ph1",
        "g5mb2ic5ih21iw19oc5kh5ph2dh1",
        "g3mb1ic3ih6iw45oc6kh5ph2",
        "mb19ic6ih14oc16kh5",
        "g2mb11ic4ih9oc6kh3sh2ph1",
        "mb10ic8ih6oc12kh1",
        "g4mb1ic4ih12oc4kh3sh2ph0pw1pb1pr0",
        "g6mb1ic6ih30iw35oc12kh3ph1",
        "mb1ic5ih7oc3kh1",
        "mb3ic8ih9iw13oc5kh1",
        "g2mb1ic6ih5oc4kh1",
        "mb1ic4ih8oc3kh1sh2",
        "mb1ic3ih13oc2kh5ph2",
        "mb1ic2ih15oc3kh7sh2ph3",
        "mb1ic3ih27oc4kh11sh4ph2",
        "mb1ic2ih9iw12oc3kh3kw5ph1pw2",
        "mb1ic2ih8iw5oc2kh1kw3",
        "mb3ic3ih7iw5oc4kh3ph1",
        "mb1ic60ih10oc7kh3ph1",
        "mb2ic64ih14oc20kh3ph1",
        "mb1ic1ih1oc1kh1",
        "mb1ic2ih3oc2kh5ph1pw2",
        "mb1ic2ih3iw1oc2kh1kw2pr2dw1",
        "mb2ic5ih17iw19oc7kh3ph1",
        "g2mb1ic4ih20oc6kh5ph2",
        "mb1ic3ih33oc5kh1",
        "mb1ic8ih24oc6kh3ph2dh1",
        "g4mb2ic4ih19iw37oc8kh3sh2ph1",
        "g2mb1ic2ih20iw34oc2kh3sh2ph0pw2",
        "g3mb1ic3ih17iw25oc3kh3sh3ph1",
        "g2mb1ic2ih9iw40oc2kh5kw3sh1sw2ph2pw1",
        // a first layer's weight gradient in chunks of pixels (9 216 here: three partial sums), a batch of two
        "mb2ic3ih96oc8kh3ph1",
        // Winograd on maps where AUTO may pick F(4x4): a multiple of 4, ragged last tiles in both
        // directions, no padding, asymmetric padding, a batch, more channels than L.
        "mb1ic16ih28oc20kh3ph1",
        "mb2ic17ih30iw27oc18kh3ph1",
        "mb1ic16ih31oc16kh3",
        "mb1ic16ih29iw33oc17kh3ph2pw0pb1pr2",
        // Winograd on small maps, where the tiles fill part of a register tile's width: 16 tiles at
        // 7x7; 25 tiles with a batch and asymmetric padding.
        "mb1ic16ih7oc40kh3ph1",
        "mb2ic20ih9iw11oc33kh3ph1pw0pb2pr1",
        // Patch matrices over 2^16 floats, lowered and multiplied in bands of output rows: two bands
        // at stride 1, at stride 2 with asymmetric pads, and a short last band with groups, stride 3,
        // dilation and a batch.
        "mb1ic3ih64oc8kh3ph1",
        "mb1ic3ih131iw127oc5kh3sh2ph1pw0pb2pr1",
        "g2mb2ic4ih200oc6kh3sh3ph1dh1",
        // dx of strided layers whose patch matrix outgrows L2 (2^19 floats), scattered in bands of
        // output rows that overlap in the input: ResNet's 7x7/s2 first layer on a 130x130 map
        // (13 bands of 5 rows), and groups, stride 3, dilation, asymmetric padding and a batch.
        "mb1ic3ih130oc8kh7sh2ph3",
        "g2mb2ic16ih170iw160oc4kh5sh3dh1ph2pw1pb0pr3",
        // Winograd's weight gradient through F(2x2) (>= 36 tiles, >= 64 channels): ragged last
        // tiles, asymmetric padding (a batch: ConvThreadsTest), input channels past the last whole
        // vector of filters; 36 tiles over a batch of three (dw summed image by image) in two
        // passes of output channels, the second shorter; 49 tiles with a partial vector of filters.
        "mb1ic64ih45iw47oc64kh3ph1",
        "mb1ic64ih45iw47oc65kh3ph1pw0pb2pr1",
        "mb1ic70ih45iw47oc64kh3ph1",
        "mb3ic64ih12oc72kh3ph1",
        "mb1ic80ih13oc96kh3ph1",
        // ... in passes of output channels (M bounded to keep the workspace within one image's im2col
        // matrix: 56 of 200 channels a pass on 8-row register tiles, 51 on 3-row ones), over a batch of two.
        "mb2ic64ih17oc200kh3ph1",
        // Depthwise on narrow maps, a vector's lanes of channels at a time (8 on 8-lane machines): a
        // block and 4 channels more, a batch (forward: the flattened plane on 8-lane machines, rows of
        // one to two vectors); a 7x7 map (forward channel-blocked); stride 2 on a non-square map; a
        // 5x5 kernel with asymmetric padding.
        "g12mb2ic12ih9oc12kh3ph1",
        "g8mb1ic8ih7oc8kh3ph1",
        "g16mb1ic16ih13iw11oc16kh3sh2ph1",
        "g8mb1ic8ih10oc8kh5ph1pw2pb2pr0",
        // ... and where a block is 16 channels (16-lane machines): a whole block and a partial one
        // over a batch, a partial block at stride 2 on a non-square map, a five-column kernel.
        "g24mb2ic24ih7oc24kh3ph1",
        "g20mb1ic20ih9iw11oc20kh3sh2ph1",
        "g16mb1ic16ih10oc16kh5ph2",
        // ... the 3x3 forward's runs of seven pixels along output rows: rows of 15 (two runs and a
        // pixel alone), of 4 (too short for a run) and asymmetric pads; inputs 12 to 16 wide loaded
        // by a transpose a row: no bottom or left pad (the last row's transpose runs into the slack),
        // and MobileNetV2's stride-2 layer from 14x14.
        "g16mb1ic16ih6iw15oc16kh3ph1",
        "g32mb1ic32ih5iw4oc32kh3ph0pw2pb2pr0",
        "g16mb2ic16ih5iw13oc16kh3ph2pw0pb0pr2",
        "g32mb1ic32ih14oc32kh3sh2ph1",
        // ... two transposes a row: 28 wide at stride 2 (MobileNetV2's 192 channels), 32 at stride 3.
        "g16mb1ic16ih9iw28oc16kh3sh2ph1",
        "g16mb1ic16ih6iw32oc16kh3sh3ph1",
        // The row kernel's 3x3 output rows two at a time: an odd count (the last alone) over a batch,
        // rows of exactly one vector, and vertical stride 2 with dilation 2 (input rows still shared).
        "g8mb2ic8ih19iw37oc8kh3ph1",
        "g4mb1ic4ih20iw16oc4kh3ph1pw0pb2pr0",
        "g8mb1ic8ih23iw33oc8kh3sh2sw1ph2pw1dh1dw0",
        // The flattened plane: MobileNetV2's 14x14 over a batch of 2, asymmetric padding on a
        // non-square map, and a channel multiplier of 2.
        "g16mb2ic16ih14oc16kh3ph1",
        "g8mb1ic8ih12iw15oc8kh3ph0pw1pb2pr0",
        "g8mb1ic8ih11oc16kh3ph1",
        // ... and five columns wide: LeNet-5's first layer (one input channel, six outputs), maps
        // narrower than the kernel (the last vectors' reads reach two rows of slack past the
        // plane), a taller kernel than wide.
        "mb2ic1ih28oc6kh5ph2",
        "g2mb1ic2ih3iw4oc2kh5ph2",
        "g2mb1ic2ih2iw1oc2kh5ph2",
        "g4mb1ic4ih16iw21oc4kh7kw5ph3pw2",
        // Stride 2 on rows of one to two vectors (16 lanes: 25 outputs; 8 lanes: 12, with two outputs
        // per channel, which the channel-blocked kernel leaves to the row kernel): the row's second
        // vector moved back over its first.
        "g8mb1ic8ih40iw50oc8kh3sh2ph1",
        "g8mb2ic8ih24oc16kh3sh2ph1",
        // dx of stride-2 3x3 depthwise layers padded by one as a gather (even widths, a vector of
        // outputs per row or more): an odd height, exactly one vector of outputs per row at 16
        // lanes, and no bottom or right pad.
        "g8mb2ic8ih33iw32oc8kh3sh2ph1",
        "g16mb1ic16ih64iw36oc16kh3sh2ph1pw1pb0pr0",
        // Planes loaded and computed in bands of output rows (Depthwise.BAND_FLOATS): three bands
        // at stride 1 with a short last one and asymmetric padding, over a batch; two at stride 2.
        "g3mb2ic3ih101iw41oc3kh3ph1pw0pb2pr1",
        "g2mb1ic2ih71iw60oc2kh3sh2ph1",
        // One input channel on a small map (the demo's first layer): pixel-major, not the depthwise kernel.
        "mb3ic1ih8oc32kh5ph2",
        // One-wide kernels at a column stride, gathered straight from the image: a 1x1/s2 downsample,
        // a 3x1 kernel with strides 2/3 and padding, and 1x1/s2 products run transposed (64 pixels;
        // 7x7 over a batch, ResNet's downsample shape), their A panels gathered from the image in place.
        "mb1ic8ih36oc6kh1sh2",
        "mb2ic6ih40iw45oc5kh3kw1sh2sw3ph1pw2",
        "mb1ic256ih16oc256kh1sh2",
        "mb2ic64ih14oc48kh1sh2",
        // ... but not with more output channels than patch rows, whose Yᵀ would pass the patch matrix:
        // the usual product there, gathered and pointwise.
        "mb1ic64ih14oc160kh1sh2",
        "mb1ic100ih7oc200kh1",
        // The transposed product Yᵀ = colᵀ·Wᵀ gathering its A panels (7 pixels on 16 lanes, 3 on 8)
        // from the image, on images too large for the pixel-major kernel: panels that straddle
        // output rows and a partial last one (6x6), stride 2 (gathered panels) over a batch, whole
        // output rows read as runs (7x7), and pointwise.
        "mb1ic300ih6oc48kh3ph1",
        "mb2ic256ih14oc48kh3sh2ph1",
        "mb1ic128ih7oc96kh3ph1",
        "mb1ic100ih7oc96kh1",
        // ... its result transposed into y in square blocks, the last block of channels moved back
        // (90 channels), and one by one on a map of fewer pixels than a block (3x3, pointwise).
        "mb1ic96ih7oc90kh1",
        "mb1ic512ih3oc90kh1",
        // DIRECT_BLOCKED (output channels in blocks of 64 on 512-bit machines): pixel ranges ending
        // in a short tile (169 pixels; 196 over two threads), stride 2 with two blocks of channels
        // over a batch, dilation with asymmetric padding, a 5x5 kernel, channels and rows under a
        // vector (the pixel-major copy's narrow transpose).
        "mb1ic32ih13oc64kh3ph1",
        "mb2ic20ih28oc128kh3sh2ph1",
        "mb1ic17ih15iw19oc64kh3dh2ph2pw1pb3pr0",
        "mb2ic9ih11oc64kh5ph2",
        "mb1ic3ih12oc64kh3sh2ph1dh1",
        // ... on a map too small for a range of pixels per thread: three blocks of channels split
        // over the threads (unevenly on two)
        "mb1ic40ih7oc192kh3ph1",
        // dx by stride phases on the channel-blocked tile (input channels in blocks of 64): phases of
        // unequal length (15x15) over a batch, asymmetric pads and two blocks of channels, stride 3,
        // pads past the kernel (dy offsets past its last row), a 5x3 kernel on strides 2x1, a stride-1
        // DIRECT_BLOCKED layer (one phase, the flipped layer), and dilation 2 on stride 2 (odd phases
        // reached by no tap: Wᵀ·dY and col2im).
        "mb2ic64ih15oc64kh3sh2ph1",
        "mb1ic128ih14iw11oc64kh3sh2ph0pw1pb2pr0",
        "mb1ic64ih17oc128kh3sh3ph1",
        "mb1ic64ih9oc64kh3sh2ph3",
        "mb1ic128ih19oc64kh5kw3sh2sw1ph2pw1",
        "mb1ic64ih13oc128kh3ph1",
        "mb1ic64ih12oc64kh3sh2ph2dh1",
        // dw on the channel-blocked tile (DIRECT_BLOCKED from 400 output pixels, its workspace within
        // the im2col matrix's): a batch summed image by image with two blocks of channels, a 5x3
        // kernel on strides 2x1 with asymmetric pads, a dilated 5x5 on stride 3.
        "mb2ic32ih21iw23oc128kh3ph1",
        "mb1ic12ih43oc64kh5kw3sh2sw1ph2pw1pb1pr0",
        "mb1ic16ih66oc64kh5sh3ph2dh1",
    };

    static final Sgemm DEFAULT = Sgemm.shared();
    static final Sgemm TINY_BLOCKS = new Sgemm(GemmConfig.of("3x3v", 3, 7, 16),
            new ThreadPool(2));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String d : PROBLEMS) {
            ConvProblem problem = ConvProblem.parse(d);
            for (Sgemm gemm : new Sgemm[] {DEFAULT, TINY_BLOCKS}) {
                String g = gemm == DEFAULT ? "default" : "tiny-blocks";
                out.add(Arguments.of(d, ConvAlgorithm.IM2COL, gemm, g));
                var auto = new dev.striate.conv.Convolution(problem.params(),
                        new float[problem.params().weightSize()], null).algorithmFor(problem.height(), problem.width());
                if (auto != ConvAlgorithm.IM2COL) {
                    out.add(Arguments.of(d, auto, gemm, g));
                }
                if (gemm == DEFAULT && auto != ConvAlgorithm.DIRECT && problem.params().groups() == 1) {
                    out.add(Arguments.of(d, ConvAlgorithm.DIRECT, gemm, g));
                }
                if (gemm == DEFAULT && auto != ConvAlgorithm.DIRECT_BLOCKED && applies(problem, ConvAlgorithm.DIRECT_BLOCKED)) {
                    out.add(Arguments.of(d, ConvAlgorithm.DIRECT_BLOCKED, gemm, g));
                }
                if (winogradApplies(problem)) {
                    for (ConvAlgorithm winograd : new ConvAlgorithm[] {ConvAlgorithm.WINOGRAD, ConvAlgorithm.WINOGRAD_F4}) {
                        if (auto != winograd) {
                            out.add(Arguments.of(d, winograd, gemm, g));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    static boolean winogradApplies(ConvProblem problem) {
        return applies(problem, ConvAlgorithm.WINOGRAD);
    }

    /** Whether algorithm can run problem's layer on this machine. */
    static boolean applies(ConvProblem problem, ConvAlgorithm algorithm) {
        try {
            new dev.striate.conv.Convolution(problem.params(), new float[problem.params().weightSize()], null)
                    .withAlgorithm(algorithm);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0} {1} {3}")
    @MethodSource("cases")
    void matchesOracle(String descriptor, ConvAlgorithm algorithm, Sgemm gemm, String gemmName) {
        ConvProblemCheck.of(descriptor).checkAll(algorithm, gemm);
    }

    /**
     * The channel-blocked forward borrows its padded copy and its sums from the pool's arena, whose
     * arrays come back holding what their last borrower wrote: here NaN, in every array the layer
     * could be lent, so a pad the kernel did not clear would show in the output.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mb1ic16ih20oc64kh3ph1", "mb1ic32ih9iw11oc64kh3ph2pw1pb0pr3"})
    void channelBlockedForwardOnDirtyArena(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        Assumptions.assumeTrue(applies(problem, ConvAlgorithm.DIRECT_BLOCKED), "the channel-blocked kernel needs 512-bit vectors");
        ThreadPool pool = new ThreadPool(2);
        try {
            var arena = pool.arena();
            float[][] lent = new float[4][];
            for (int i = 0; i < lent.length; i++) {
                lent[i] = arena.take(1 << 16);
                java.util.Arrays.fill(lent[i], Float.NaN);
            }
            for (float[] a : lent) {
                arena.give(a);
            }
            ConvProblemCheck.of(descriptor).checkAll(ConvAlgorithm.DIRECT_BLOCKED, new Sgemm(GemmConfig.defaults(), pool));
        } finally {
            pool.close();
        }
    }

    /**
     * AUTO itself (the cases above name the algorithm it picks, which sends dw down that
     * algorithm's own path) on layers DIRECT would take but the channel-blocked kernel runs faster
     * (16 input channels, 64 out: SqueezeNet's expand shape): forward and dx on DIRECT_BLOCKED,
     * dw on the direct kernel, all against the oracle, batch 1 and 2, on the default GEMM and the
     * tiny-blocked one.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mb1ic16ih20oc64kh3ph1", "mb2ic16ih23iw19oc64kh3ph1"})
    void autoOnFewChannelsFanningOut(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        var auto = new dev.striate.conv.Convolution(problem.params(), new float[problem.params().weightSize()], null);
        Assumptions.assumeTrue(applies(problem, ConvAlgorithm.DIRECT_BLOCKED), "the channel-blocked kernel needs 512-bit vectors");
        assertEquals(ConvAlgorithm.DIRECT_BLOCKED, auto.algorithmFor(problem.height(), problem.width()));
        ConvProblemCheck.of(descriptor).checkAll(ConvAlgorithm.AUTO, DEFAULT);
        ConvProblemCheck.of(descriptor).checkAll(ConvAlgorithm.AUTO, TINY_BLOCKS);
    }

    /**
     * The case CI's property run met (seed 0): a 3x3 image, one output pixel, so each dx element is one
     * product, yet F(2x2) computes it from its tile's transformed sums — off by 3.05e-8 against its own
     * one-term bound of 1.18e-8, within its tile's bound and its transforms'
     * ({@link ConvProblemCheck#F2_TRANSFORM_TERMS}).
     */
    @Test
    void winogradWhereEachOutputIsOneProduct() {
        new ConvProblemCheck(ConvProblem.parse("mb1ic1ih3oc1oh1kh3"), 0).checkAll(ConvAlgorithm.WINOGRAD, DEFAULT);
    }
}

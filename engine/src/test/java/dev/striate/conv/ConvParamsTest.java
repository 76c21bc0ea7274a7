package dev.striate.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.simd.FloatSpecies;
import dev.striate.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConvParamsTest {

    @Test
    void outputSizeFollowsTheOnnxFormula() {
        ConvParams p = ConvParams.of(3, 8, 3).stride(2).padding(1, 0, 2, 1).dilation(2, 1);
        // floor((H + top + bottom − dh·(KH−1) − 1)/sh) + 1
        assertEquals((11 + 1 + 2 - 2 * 2 - 1) / 2 + 1, p.outputHeight(11));
        assertEquals((10 + 0 + 1 - 1 * 2 - 1) / 2 + 1, p.outputWidth(10));
        assertEquals(1, ConvParams.of(1, 1, 5).outputHeight(5));
    }

    @Test
    void emptyOutputIsRejectedNamingTheLayer() {
        ConvParams p = ConvParams.of(3, 8, 5).dilation(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.outputHeight(8));
        assertTrue(e.getMessage().contains("ic3oc8k5x5") && e.getMessage().contains("dilated kernel (9)"), e.getMessage());
    }

    @Test
    void badHyperparametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(3, 8, 3).groups(2));
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(4, 6, 3).groups(4));
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(3, 8, 3).stride(0));
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(3, 8, 3).padding(0, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(3, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(3, 8, 3).dilation(0));
        IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> ConvParams.of(1 << 16, 1 << 16, 3));
        assertTrue(overflow.getMessage().contains("exceeds"), overflow.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConvParams.of(1, 1, 3).padding(Integer.MAX_VALUE).outputHeight(Integer.MAX_VALUE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mb1ic64ih56oc64oh56kh3ph1", "g32mb8ic32ih112oc32oh112kh3ph1", "mb1ic3ih227oc96oh55kh11sh4",
        "mb2ic3ih7iw9oc4oh4ow9kh3kw1pb1dh1dw0", "mb1ic256ih56oc64oh56kh1"})
    void descriptorsRoundTrip(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        assertEquals(descriptor, problem.toString());
        assertEquals(problem, ConvProblem.parse(problem.toString()));
    }

    @Test
    void descriptorDefaultsAndChecks() {
        ConvProblem p = ConvProblem.parse("resnet:ic64ih56oc64kh3ph1dh1");
        assertEquals(1, p.batch());
        assertEquals(2, p.params().dilationH(), "benchdnn's dh counts the gaps: dh1 is dilation 2");
        assertEquals(54, p.outputHeight());
        assertEquals(2L * 64 * 54 * 54 * 64 * 9, p.flops());
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1ic64ih56oc64oh55kh3ph1"));
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1ic64ih56kh3"));
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1ic64ih56oc64kh3xx1"));
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1ic64ih56oc64kh3kh3"));
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1ic64ih99999999999oc64kh3"));
        assertThrows(IllegalArgumentException.class, () -> ConvProblem.parse("mb1 ic64"));
    }

    @Test
    void convolutionRejectsMismatchedTensorsNamingTheShapes() {
        ConvParams p = ConvParams.of(3, 4, 3).padding(1);
        Convolution conv = new Convolution(p, new float[p.weightSize()], new float[4]);
        IllegalArgumentException wrongChannels = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(1, 2, 5, 5)));
        assertTrue(wrongChannels.getMessage().contains("[N, 3, H, W]") && wrongChannels.getMessage().contains("[1, 2, 5, 5]"),
                wrongChannels.getMessage());
        IllegalArgumentException wrongOutput = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(Tensor.zeros(1, 3, 5, 5), Tensor.zeros(1, 4, 4, 5)));
        assertTrue(wrongOutput.getMessage().contains("[1, 4, 5, 5]"), wrongOutput.getMessage());
        Tensor x = Tensor.zeros(1, 3, 5, 5);
        assertThrows(IllegalArgumentException.class, () -> conv.forward(x, Tensor.wrap(x.data(), 0, 1, 4, 5, 5)),
                "output aliasing the input");
        assertThrows(IllegalArgumentException.class, () -> new Convolution(p, new float[p.weightSize() - 1], null));
        assertThrows(IllegalArgumentException.class, () -> new Convolution(p, new float[p.weightSize()], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> conv.withAlgorithm(ConvAlgorithm.DEPTHWISE));
        assertThrows(IllegalArgumentException.class, () -> conv.withAlgorithm(ConvAlgorithm.POINTWISE));
        assertThrows(IllegalArgumentException.class, () -> conv.withClamp(1f, 0f));
        assertThrows(IllegalArgumentException.class,
                () -> conv.backwardWeights(x, Tensor.zeros(1, 4, 5, 5), Tensor.zeros(4, 3, 3, 2), null));
        float[] shared = new float[200];
        java.util.Arrays.fill(shared, 7f);
        Tensor dw = Tensor.zeros(4, 3, 3, 3);
        java.util.Arrays.fill(dw.data(), 7f);
        IllegalArgumentException aliased = assertThrows(IllegalArgumentException.class,
                () -> conv.backwardWeights(Tensor.wrap(shared, 0, 1, 3, 5, 5), Tensor.zeros(1, 4, 5, 5), dw,
                        Tensor.wrap(shared, 70, 4)));
        assertTrue(aliased.getMessage().contains("db overlaps x"), aliased.getMessage());
        for (float[] untouched : new float[][] {shared, dw.data()}) {
            for (float v : untouched) {
                assertEquals(7f, v, "a rejected call wrote nothing");
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> conv.backwardData(Tensor.zeros(1, 4, 5, 5), Tensor.zeros(1, 3, 5, 6)), "dx width mismatch");
    }

    /** What AUTO picks for layer p (zero weights, no bias) on {@code h×w} inputs. */
    private static ConvAlgorithm auto(ConvParams p, int h, int w) {
        return new Convolution(p, new float[p.weightSize()], null).algorithmFor(h, w);
    }

    @Test
    void automaticAlgorithmChoice() {
        float[] none = null;
        assertEquals(ConvAlgorithm.DEPTHWISE, new Convolution(ConvParams.of(8, 8, 3).groups(8), new float[72], none).algorithmFor(9, 9));
        assertEquals(ConvAlgorithm.POINTWISE, new Convolution(ConvParams.of(8, 4, 1), new float[32], none).algorithmFor(9, 9));
        assertEquals(ConvAlgorithm.IM2COL, new Convolution(ConvParams.of(8, 4, 1).stride(2), new float[32], none).algorithmFor(9, 9));
        // Up to 16 input channels the direct kernel, where its 30-register tile fits (512-bit vectors)
        // and output rows fill a vector; else im2col or Winograd.
        boolean direct = DirectConv.fitsRegisters();
        ConvAlgorithm few = direct ? ConvAlgorithm.DIRECT : ConvAlgorithm.IM2COL;
        ConvParams first = new ConvParams(3, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1);
        assertEquals(few, auto(first, 224, 224),
                "ResNet's first layer");
        assertEquals(ConvAlgorithm.IM2COL, new Convolution(ConvParams.of(3, 8, 3), new float[216], none)
                .algorithmFor(FloatSpecies.LANES + 1, FloatSpecies.LANES + 1), "output rows narrower than a vector");
        assertEquals(few, new Convolution(ConvParams.of(8, 4, 3), new float[288], none).algorithmFor(56, 56),
                "8 input channels: direct, else im2col (Winograd needs 16 channels in and out)");
        // From 9 input channels the channel-blocked kernel where its blocks of 64 outputs fit
        // (ConvAlgorithm.blockedBeatsDirect): SqueezeNet's 16→64 expand; 8 channels stay direct.
        ConvAlgorithm blocked = direct ? ConvAlgorithm.DIRECT_BLOCKED : ConvAlgorithm.IM2COL;
        assertEquals(blocked, auto(ConvParams.of(16, 64, 3).padding(1), 55, 55),
                "16 input channels feeding 64 outputs: channel-blocked, else im2col");
        assertEquals(blocked, auto(ConvParams.of(9, 64, 3).padding(1), 55, 55),
                "9 input channels feeding 64 outputs: channel-blocked, else im2col");
        assertEquals(few, auto(ConvParams.of(8, 64, 3).padding(1), 55, 55),
                "8 input channels feeding 64 outputs: direct, else im2col");
        assertEquals(few, auto(ConvParams.of(16, 48, 3).padding(1), 55, 55),
                "below 48 input channels any fan-out runs direct, else im2col");
        ConvParams square = ConvParams.of(16, 16, 3).padding(1);
        assertEquals(direct ? ConvAlgorithm.DIRECT : ConvAlgorithm.WINOGRAD,
                auto(square, 56, 56),
                "16 channels in and out on 28x28 tiles: direct, else Winograd");
        assertEquals(few, auto(square, 27, 27),
                "16 channels on 14x14 tiles (3136 channel-tiles): direct, else im2col");
        ConvParams seventeen = ConvParams.of(17, 17, 3).padding(1);
        assertEquals(ConvAlgorithm.WINOGRAD, auto(seventeen, 56, 56), "17 input channels: past the direct kernel's bound");
        ConvParams wider = ConvParams.of(32, 128, 3).padding(1);
        // Output channels in blocks of 64 on 512-bit machines: the channel-blocked direct kernel
        // where im2col would run, from 13x13 outputs, for kernels larger than 1x1
        assertEquals(blocked, auto(wider, 27, 27),
                "SqueezeNet's fire4 expand: 32 input channels fanning out");
        ConvParams fire8 = ConvParams.of(64, 256, 3).padding(1);
        Convolution expand8 = new Convolution(fire8, new float[fire8.weightSize()], none);
        assertEquals(blocked, expand8.algorithmFor(13, 13), "64 channels on 7x7 tiles: 3136 channel-tiles");
        assertEquals(ConvAlgorithm.WINOGRAD, expand8.algorithmFor(27, 27), "from 48 input channels any fan-out on 14x14 tiles");
        ConvParams from96 = ConvParams.of(96, 96, 3).padding(1);
        assertEquals(ConvAlgorithm.WINOGRAD, auto(from96, 13, 13),
                "96 channels on 7x7 tiles: the threshold");
        assertEquals(ConvAlgorithm.IM2COL, new Convolution(ConvParams.of(95, 95, 3).padding(1), new float[95 * 95 * 9], none)
                .algorithmFor(13, 13), "one channel below it");
        ConvParams resnet = ConvParams.of(64, 64, 3).padding(1);
        Convolution conv = new Convolution(resnet, new float[resnet.weightSize()], none);
        assertEquals(ConvAlgorithm.WINOGRAD, conv.algorithmFor(56, 56));
        assertEquals(blocked, conv.algorithmFor(14, 14), "64 channels on 7x7 tiles");
        assertEquals(blocked, conv.algorithmFor(12, 14), "64 channels on 6x7 tiles: a block's weights in L2");
        assertEquals(ConvAlgorithm.IM2COL, conv.algorithmFor(6, 8), "48 output pixels: under a 7x7 map");
        ConvParams layer4Down = ConvParams.of(256, 512, 3).stride(2).padding(1);
        assertEquals(blocked, auto(layer4Down, 14, 14),
                "ResNet-18's 3x3/s2 to 7x7: 49 output pixels, 590 KB of weights a block");
        ConvParams bottleneckDown = ConvParams.of(512, 512, 3).stride(2).padding(1);
        assertEquals(ConvAlgorithm.IM2COL, auto(bottleneckDown, 14, 14), "ResNet-50's 512→512 3x3/s2 to 7x7: 1.2 MB of weights a block, past L2");
        ConvParams downsample = ConvParams.of(64, 128, 1).stride(2);
        assertEquals(ConvAlgorithm.IM2COL, auto(downsample, 56, 56),
                "ResNet's 1x1/s2: a 1x1 kernel");
        ConvParams odd = ConvParams.of(32, 96, 3).padding(1);
        assertEquals(ConvAlgorithm.IM2COL, auto(odd, 27, 27),
                "96 output channels: not whole blocks of 64");
        // 7x7: 16 tiles of 2x2, Winograd only where they fill more than half a register tile's NR columns, or whole MR-row panels
        dev.striate.gemm.GemmConfig tile = dev.striate.gemm.Sgemm.shared().config();
        boolean fills = 2 * 16 > tile.nr() || 16 % tile.mr() == 0;
        ConvParams layer4 = ConvParams.of(512, 512, 3).padding(1);
        assertEquals(fills ? ConvAlgorithm.WINOGRAD : ConvAlgorithm.IM2COL,
                auto(layer4, 7, 7), "from 49 output pixels");
        assertTrue(ConvAlgorithm.winogradFillsTiles(7, 7, 8, 32), "16 tiles, two 8-row panels transposed (8x2v on 16 lanes)");
        assertFalse(ConvAlgorithm.winogradFillsTiles(7, 7, 7, 32), "16 tiles: under half of NR 32, no whole 7-row panels");
        assertTrue(ConvAlgorithm.winogradFillsTiles(7, 7, 3, 24), "16 tiles, NR 24 (3x3v on 8 lanes)");
        assertTrue(ConvAlgorithm.winogradFillsTiles(9, 9, 8, 32), "25 tiles, NR 32");
        assertFalse(ConvAlgorithm.winogradFillsTiles(5, 5, 8, 32), "9 tiles: neither way");
        assertEquals(ConvAlgorithm.IM2COL, conv.algorithmFor(6, 8), "below 49 output pixels");
        assertEquals(ConvAlgorithm.IM2COL, conv.withAlgorithm(ConvAlgorithm.IM2COL).algorithmFor(56, 56), "the exact path on request");
        assertEquals(blocked, new Convolution(resnet.stride(2), new float[resnet.weightSize()], none).algorithmFor(56, 56));
        assertThrows(IllegalArgumentException.class, () -> conv.withAlgorithm(ConvAlgorithm.WINOGRAD).withAlgorithm(ConvAlgorithm.DEPTHWISE));
        assertThrows(IllegalArgumentException.class,
                () -> new Convolution(resnet.dilation(2), new float[resnet.weightSize()], none).withAlgorithm(ConvAlgorithm.WINOGRAD));
    }

    @Test
    void emptyBatchGivesEmptyOutputsAndZeroGradientsOnEveryAlgorithm() {
        for (String d : new String[] {"mb1ic16ih20oc16kh3ph1", "g16mb1ic16ih20oc16kh3ph1", "mb1ic16ih20oc8kh1",
            "mb1ic4ih20oc8kh5sh2ph1"}) {
            ConvProblem problem = ConvProblem.parse(d);
            ConvParams p = problem.params();
            for (ConvAlgorithm algorithm : ConvAlgorithm.values()) {
                Convolution conv;
                try {
                    conv = new Convolution(p, new float[p.weightSize()], new float[p.outChannels()]).withAlgorithm(algorithm);
                } catch (IllegalArgumentException notApplicable) {
                    continue;
                }
                Tensor x = Tensor.zeros(0, p.inChannels(), problem.height(), problem.width());
                Tensor y = conv.forward(x);
                assertEquals(0, y.size());
                Tensor dw = Tensor.zeros(p.weightShape());
                Tensor db = Tensor.zeros(p.outChannels());
                java.util.Arrays.fill(dw.data(), 5f);
                java.util.Arrays.fill(db.data(), 5f);
                conv.backwardWeights(x, Tensor.zeros(y.shape().toArray()), dw, db);
                for (float v : dw.data()) {
                    assertEquals(0f, v, d + " " + algorithm + ": dw of an empty batch");
                }
                for (float v : db.data()) {
                    assertEquals(0f, v, d + " " + algorithm + ": db of an empty batch");
                }
            }
        }
    }

    /**
     * The bound, one image's patch matrix, on its benchmark layers and on small maps whose
     * transposed product {@code Yᵀ} would have more output channels than patch rows (expanding 1x1
     * layers at 7x7, ResNet's downsamples to 7x7), and small strided or expanding layers whose
     * pixel-major copies would pass it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mb1ic3ih227oc96oh55kh11sh4", "mb1ic96ih27oc256oh27kh5ph2", "mb1ic256ih13oc384oh13kh3ph1",
            "mb1ic384ih13oc384oh13kh3ph1", "mb1ic384ih13oc256oh13kh3ph1", "mb1ic3ih224oc64oh112kh7sh2ph3",
            "mb1ic64ih56oc64oh56kh3ph1", "mb1ic128ih28oc128oh28kh3ph1", "mb1ic256ih14oc256oh14kh3ph1",
            "mb1ic512ih7oc512oh7kh3ph1", "mb1ic64ih56oc128oh28kh3sh2ph1", "mb1ic128ih28oc256oh14kh3sh2ph1",
            "mb1ic256ih14oc512oh7kh3sh2ph1", "mb1ic256ih56oc64oh56kh1", "mb1ic64ih56oc256oh56kh1",
            "mb1ic256ih56oc512oh28kh1sh2", "mb1ic128ih56oc256oh56kh3ph1", "mb1ic256ih56oc256oh56kh3ph1",
            "g32mb1ic32ih112oc32oh112kh3ph1", "g144mb1ic144ih56oc144oh28kh3sh2ph1",
            "mb1ic256ih14oc512oh7kh1sh2", "mb1ic1024ih14oc2048oh7kh1sh2", "mb1ic160ih7oc960oh7kh1",
            "mb1ic512ih7oc2048oh7kh1", "mb1ic24ih7oc90kh1", "mb1ic64ih14oc160kh1sh2"})
    void workspaceStaysWithinOneImagesPatchMatrix(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        ConvParams p = problem.params();
        Convolution conv = new Convolution(p, new float[p.weightSize()], null);
        long patchMatrix = (long) p.groupPatchSize() * problem.outputHeight() * problem.outputWidth();
        long workspace = conv.workspaceFloats(problem.height(), problem.width());
        assertTrue(workspace <= patchMatrix, descriptor + " (" + conv.algorithmFor(problem.height(), problem.width())
                + "): " + workspace + " floats of workspace against a patch matrix of " + patchMatrix);
    }

    /** The rules size the copies without building them: the sizes must be the built ones'. */
    @ParameterizedTest
    @ValueSource(strings = {"mb1ic64ih14oc160kh1sh2", "mb2ic6ih14oc16kh5", "mb1ic3ih9iw7oc8kh3sh2ph1pw0pb2pr1",
            "mb1ic256ih14oc512oh7kh1sh2", "mb1ic8ih11oc4kh2sh2", "mb1ic1ih8oc32kh5ph2"})
    void copySizesComputedByTheRulesAreTheBuiltOnes(String descriptor) {
        ConvProblem problem = ConvProblem.parse(descriptor);
        ConvParams p = problem.params();
        int h = problem.height();
        int w = problem.width();
        assertEquals(new PixelMajorConv(p, h, w).floats(), PixelMajorConv.floats(p, h, w), descriptor);
        for (int panelWidth : new int[] {7, 3, FloatSpecies.LANES, 2 * FloatSpecies.LANES}) {
            assertEquals(new PatchPanels(p, h, w, panelWidth).floats(), PatchPanels.floats(p, h, w, panelWidth),
                    descriptor + " panels of " + panelWidth);
        }
    }

    @Test
    void workspaceLengthsPastAnArrayAreRejectedNamingTheLayerAndTheBuffer() {
        ConvParams p = ConvProblem.parse("mb1ic3ih224oc64oh112kh7sh2ph3").params();
        assertEquals(Integer.MAX_VALUE - 8, p.arrayLength("a block", Integer.MAX_VALUE - 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.arrayLength("dx's band block", 1L << 31));
        assertTrue(e.getMessage().contains(p.toString())
                && e.getMessage().contains("dx's band block") && e.getMessage().contains("2147483648"), e.getMessage());
    }
}

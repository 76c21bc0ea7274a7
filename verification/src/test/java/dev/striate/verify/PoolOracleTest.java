package dev.striate.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.pool.AvgPool2d;
import dev.striate.pool.GlobalAvgPool;
import dev.striate.pool.GlobalMaxPool;
import dev.striate.pool.MaxPool2d;
import dev.striate.pool.PoolParams;
import dev.striate.runtime.ThreadPool;
import dev.striate.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Max and average pooling against {@link ReferencePool} on named problems: the shapes that matter
 * (2x2/s2, 3x3/s2 with and without padding, 3x3/s1), ceil mode with a window hanging past the
 * padding, asymmetric pads, dilation, non-square kernels and strides, stride larger than the kernel,
 * images narrower than a vector and wider than several; integer inputs (ties everywhere, exact sums),
 * float inputs and inputs with NaN; one and three threads.
 */
class PoolOracleTest {

    private static final ThreadPool THREE = new ThreadPool(3);
    private static final ThreadPool ONE = new ThreadPool(1);

    @AfterAll
    static void close() {
        THREE.close();
        ONE.close();
    }

    static Stream<Arguments> problems() {
        return Stream.of(
                Arguments.of("2x2s2 even", PoolParams.of(2), 2, 3, 8, 8),
                Arguments.of("2x2s2 odd", PoolParams.of(2), 1, 2, 9, 11),
                Arguments.of("2x2s2 ceil odd", PoolParams.of(2).ceilMode(true), 1, 2, 9, 11),
                Arguments.of("2x2s2 wide rows", PoolParams.of(2), 2, 3, 6, 41),
                Arguments.of("3x3s2 resnet", PoolParams.of(3, 2).padding(1), 1, 4, 16, 16),
                Arguments.of("3x3s2 alexnet ceil", PoolParams.of(3, 2).ceilMode(true), 1, 2, 14, 14),
                Arguments.of("3x3s2p1 ceil overhang", PoolParams.of(3, 2).padding(1).ceilMode(true), 2, 2, 10, 12),
                Arguments.of("3x3s1p1", PoolParams.of(3, 1).padding(1), 1, 3, 7, 19),
                Arguments.of("5x5s1p2", PoolParams.of(5, 1).padding(2), 1, 2, 6, 6),
                Arguments.of("asymmetric pads", PoolParams.of(3, 2).padding(0, 1, 2, 0), 1, 2, 9, 10),
                Arguments.of("dilation 2", PoolParams.of(3, 1).dilation(2), 1, 2, 11, 13),
                Arguments.of("dilation 3 pads", PoolParams.of(2, 2).dilation(3).padding(2), 1, 2, 9, 9),
                Arguments.of("2x3 s1x2", PoolParams.of(2, 3, 1, 2).padding(1, 1, 0, 1), 2, 2, 7, 17),
                Arguments.of("stride 3 > kernel 2", PoolParams.of(2, 3), 1, 2, 11, 20),
                Arguments.of("stride 4 kernel 3 ceil", PoolParams.of(3, 4).ceilMode(true), 1, 1, 13, 13),
                Arguments.of("kernel 1 stride 2", PoolParams.of(1, 2), 1, 2, 7, 9),
                Arguments.of("width 1", PoolParams.of(3, 1, 2, 1).padding(1, 0, 1, 0), 1, 2, 9, 1),
                Arguments.of("wide row", PoolParams.of(3, 2).padding(1), 1, 1, 3, 61),
                Arguments.of("kernel larger than image", PoolParams.of(4, 1).padding(3, 3, 0, 0), 1, 2, 2, 3),
                Arguments.of("3x3s2 56x56 many planes", PoolParams.of(3, 2).padding(1), 2, 5, 56, 56),
                // outputs 56 wide: whole vectors past the first and a tail, each with its own indices
                Arguments.of("3x3s2 112 wide", PoolParams.of(3, 2).padding(1), 1, 2, 10, 112),
                // SqueezeNet's unpadded pools: rows of 55 and 27 end in a partial vector
                Arguments.of("3x3s2 squeezenet 55x55", PoolParams.of(3, 2), 1, 3, 55, 55),
                Arguments.of("3x3s2 squeezenet 27x27", PoolParams.of(3, 2), 2, 3, 27, 27),
                Arguments.of("3x3s2 outputs narrower than a vector", PoolParams.of(3, 2), 1, 3, 9, 9),
                // 32 outputs a row: the last window's third tap in the pair after the last block's
                Arguments.of("3x3s2 whole vectors of outputs", PoolParams.of(3, 2), 1, 3, 9, 65),
                Arguments.of("3x3s2p1 whole vectors of outputs", PoolParams.of(3, 2).padding(1), 2, 2, 8, 64),
                // 3x3/s2 rows of whole vectors of outputs: each pad rule, odd sizes, ceil overhang
                Arguments.of("3x3s2p1 odd wide", PoolParams.of(3, 2).padding(1), 1, 2, 15, 33),
                Arguments.of("3x3s2p1 ceil wide", PoolParams.of(3, 2).padding(1).ceilMode(true), 1, 2, 11, 36),
                Arguments.of("3x3s2 ceil wide", PoolParams.of(3, 2).ceilMode(true), 1, 2, 12, 38),
                Arguments.of("3x3s2 top pad only wide", PoolParams.of(3, 2).padding(1, 0, 0, 1), 1, 2, 12, 40),
                Arguments.of("3x3s2 left pad only wide", PoolParams.of(3, 2).padding(0, 1, 1, 0), 2, 2, 13, 41));
    }

    @ParameterizedTest(name = "{0} integers")
    @MethodSource("problems")
    void integerInputsWithTies(String name, PoolParams p, int n, int c, int h, int w) {
        PoolCheck.check(name, p, n, c, h, w, PoolCheck.input(new SplittableRandom(h * 31L + w), n * c * h * w, true, false), ONE);
    }

    @ParameterizedTest(name = "{0} floats, 3 threads")
    @MethodSource("problems")
    void floatInputs(String name, PoolParams p, int n, int c, int h, int w) {
        PoolCheck.check(name, p, n, c, h, w, PoolCheck.input(new SplittableRandom(h * 17L + w), n * c * h * w, false, false), THREE);
    }

    @ParameterizedTest(name = "{0} with NaN")
    @MethodSource("problems")
    void nanPropagates(String name, PoolParams p, int n, int c, int h, int w) {
        PoolCheck.check(name, p, n, c, h, w, PoolCheck.input(new SplittableRandom(h * 13L + w), n * c * h * w, true, true), ONE);
    }

    /**
     * Max pooling's values and indices over infinities and signed zeros, the first plane all −∞:
     * there every window keeps PyTorch's first in-image tap (never a pad's column), and elsewhere
     * −∞ ties, +∞ and ±0 exercise the scan's strict comparison.
     */
    @ParameterizedTest(name = "{0} infinities and signed zeros")
    @MethodSource("problems")
    void infinitiesAndSignedZerosKeepTheScansIndices(String name, PoolParams p, int n, int c, int h, int w) {
        float[] specials = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, 1f};
        SplittableRandom r = new SplittableRandom(h * 7L + w);
        float[] x = new float[n * c * h * w];
        for (int i = h * w; i < x.length; i++) {
            x[i] = specials[r.nextInt(specials.length)];
        }
        java.util.Arrays.fill(x, 0, h * w, Float.NEGATIVE_INFINITY);
        int planes = n * c;
        ReferencePool.MaxResult ref = ReferencePool.maxForward(p, planes, h, w, x);
        Tensor y = PoolCheck.nanFilled(n, c, p.outputHeight(h), p.outputWidth(w));
        int[] indices = new int[y.size()];
        new MaxPool2d(p, ONE).forward(Tensor.of(x, n, c, h, w), y, indices);
        assertArrayEquals(ref.value(), y.data(), 0f, name + ": values");
        assertArrayEquals(ref.index(), indices, name + ": indices");
    }

    /**
     * One layer over inputs of several widths, widest first: its gradient row buffers, kept from a
     * wider call, must not leak columns into a narrower one (2x2/s2 spreads whole vectors of
     * outputs: on 33 and 17 columns the last column lies past what they write on 16- and 8-lane
     * machines). Each gradient is a quarter of one dy (exact), the last column 0.
     */
    @Test
    void aLayerReusedOnNarrowerInputsLeavesNoStaleColumns() {
        PoolParams p = PoolParams.of(2);
        AvgPool2d avg = new AvgPool2d(p, true, ONE);
        for (int w : new int[] {64, 33, 17}) {
            int ow = p.outputWidth(w);
            float[] dy = RandomData.uniform(new SplittableRandom(w), 2 * ow);
            Tensor dx = PoolCheck.nanFilled(1, 1, 4, w);
            avg.backward(Tensor.of(dy, 1, 1, 2, ow), dx);
            double[] ref = ReferencePool.avgBackward(p, true, 1, 4, w, dy);
            for (int i = 0; i < ref.length; i++) {
                assertEquals((float) ref[i], dx.data()[i], 0f, "width " + w + " at " + i);
            }
        }
    }

    /**
     * Max pooling's backward adds each gradient at its index, whatever the indices say: 2x2/s2 planes
     * are written whole from the indices' taps, so they are checked on widths whose last column no
     * window reaches (33 and 17: past whole vectors on 16 and 8 lanes), 20 outputs wide (the last
     * vector moved back over the first), narrower than a vector (the scatter), an odd height, indices moved
     * out of their windows (the scatter's sums), and −0 gradients (0 + −0 is +0, as the scatter's).
     * Gradients are multiples of 1/8, so every sum is exact and the bits must match.
     */
    @Test
    void maxBackwardAddsAtAnyIndexOnEveryWidth() {
        PoolParams p = PoolParams.of(2);
        SplittableRandom r = new SplittableRandom(13);
        for (int w : new int[] {64, 41, 33, 17, 9}) {
            int h = 7;
            int oh = p.outputHeight(h);
            int ow = p.outputWidth(w);
            for (boolean moved : new boolean[] {false, true}) {
                float[] x = RandomData.uniform(r, 2 * h * w);
                int[] indices = new int[2 * oh * ow];
                new MaxPool2d(p, ONE).forward(Tensor.of(x, 1, 2, h, w), Tensor.zeros(1, 2, oh, ow), indices);
                float[] dy = new float[indices.length];
                for (int i = 0; i < dy.length; i++) {
                    dy[i] = r.nextInt(5) == 0 ? -0f : (r.nextInt(33) - 16) / 8f;
                    if (moved && r.nextInt(7) == 0) {
                        indices[i] = r.nextInt(h * w);
                    }
                }
                Tensor dx = PoolCheck.nanFilled(1, 2, h, w);
                new MaxPool2d(p, ONE).backward(Tensor.of(dy, 1, 2, oh, ow), indices, dx);
                double[] ref = ReferencePool.maxBackward(p, 2, h, w, indices, dy);
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(Float.floatToRawIntBits((float) ref[i] + 0f), Float.floatToRawIntBits(dx.data()[i]),
                            "width " + w + (moved ? ", moved indices" : "") + " at " + i);
                }
            }
        }
    }

    @Test
    void resultsAreBitwiseIdenticalForAnyThreadCount() {
        PoolParams p = PoolParams.of(3, 2).padding(1);
        float[] x = PoolCheck.input(new SplittableRandom(5), 3 * 8 * 20 * 20, false, false);
        Tensor xt = Tensor.of(x, 3, 8, 20, 20);
        Tensor a = Tensor.zeros(3, 8, 10, 10);
        Tensor b = Tensor.zeros(3, 8, 10, 10);
        new AvgPool2d(p, false, ONE).forward(xt, a);
        new AvgPool2d(p, false, THREE).forward(xt, b);
        assertArrayEquals(a.data(), b.data(), 0f);
    }

    /**
     * The global average runs a vector's lanes of planes at a time (lane sums of a transposed block);
     * each plane's mean must be the bits of that plane pooled alone, whatever the plane size (whole
     * vectors, a tail, under one vector) and the channel count (whole blocks and leftovers).
     */
    @Test
    void globalAverageInBlocksGivesEachPlanesOwnBits() {
        SplittableRandom r = new SplittableRandom(11);
        for (int[] s : new int[][] {{1, 37, 7, 7}, {2, 19, 13, 13}, {1, 33, 1, 5}, {1, 16, 4, 4}}) {
            int size = s[2] * s[3];
            float[] x = PoolCheck.input(r, s[0] * s[1] * size, false, false); // fractions: the order shows
            float[] pooled = new GlobalAvgPool().forward(Tensor.of(x, s)).data();
            for (int c = 0; c < s[0] * s[1]; c++) {
                float[] one = java.util.Arrays.copyOfRange(x, c * size, (c + 1) * size);
                float alone = new GlobalAvgPool().forward(Tensor.of(one, 1, 1, s[2], s[3])).data()[0];
                assertEquals(Float.floatToRawIntBits(alone), Float.floatToRawIntBits(pooled[c]),
                        java.util.Arrays.toString(s) + " plane " + c);
            }
        }
    }

    /**
     * The global pools cut their planes into runs over the thread pool when the input is large
     * enough: three threads must give the bits of one, with runs that end in a partial vector of
     * planes and inputs below the size that is split at all.
     */
    @Test
    void globalPoolsGiveTheSameBitsOnAnyThreads() {
        SplittableRandom r = new SplittableRandom(12);
        for (int[] s : new int[][] {{1, 1000, 13, 13}, {3, 37, 21, 21}, {1, 2048, 7, 7}, {2, 5, 3, 3}}) {
            int planes = s[0] * s[1];
            Tensor xt = Tensor.of(PoolCheck.input(r, planes * s[2] * s[3], r.nextBoolean(), true), s);
            String shape = java.util.Arrays.toString(s);
            assertArrayEquals(new GlobalAvgPool(ONE).forward(xt).data(), new GlobalAvgPool(THREE).forward(xt).data(), 0f,
                    "global avg " + shape);
            assertArrayEquals(new GlobalMaxPool(ONE).forward(xt).data(), new GlobalMaxPool(THREE).forward(xt).data(), 0f,
                    "global max " + shape);
        }
    }

    @Test
    void globalPoolsMatchTheOracle() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] s : new int[][] {{1, 2048, 7, 7}, {2, 3, 1, 1}, {1, 5, 3, 11}, {2, 4, 9, 9}}) {
            int planes = s[0] * s[1];
            int size = s[2] * s[3];
            float[] x = PoolCheck.input(r, planes * size, r.nextBoolean(), true);
            Tensor xt = Tensor.of(x, s);
            float[] absX = PoolCheck.abs(x);
            PoolCheck.assertWithin("global avg " + java.util.Arrays.toString(s), new GlobalAvgPool().forward(xt).data(),
                    ReferencePool.globalAvg(planes, size, x), ReferencePool.globalAvg(planes, size, absX), size);
            ReferencePool.MaxResult max = ReferencePool.globalMax(planes, size, x);
            assertArrayEquals(max.value(), new GlobalMaxPool().forward(xt).data(), 0f);

            float[] dy = RandomData.uniform(r, planes);
            Tensor dx = PoolCheck.nanFilled(s);
            new GlobalMaxPool().backward(xt, Tensor.of(dy, s[0], s[1], 1, 1), dx);
            float[] expected = new float[planes * size];
            for (int c = 0; c < planes; c++) {
                expected[c * size + max.index()[c]] = dy[c];
            }
            assertArrayEquals(expected, dx.data(), 0f, "global max backward");
            new GlobalAvgPool().backward(Tensor.of(dy, s[0], s[1], 1, 1), dx);
            for (int i = 0; i < planes * size; i++) {
                // one division, as PyTorch's grad / (H·W)
                assertTrue(dx.data()[i] == dy[i / size] / size, "global avg backward at " + i);
            }
        }
    }

    /*
     * Rows whose last vector is partial are read on past their end and written on into the next
     * output row: views inside larger arrays, NaN on both sides, show that what lies outside the
     * views is neither read into a result nor written.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void viewsInsideLargerArraysReadAndWriteOnlyThemselves(String name, PoolParams p, int n, int c, int h, int w) {
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        int size = n * c * h * w;
        int outSize = n * c * oh * ow;
        float[] x = PoolCheck.input(new SplittableRandom(h * 7L + w), size, false, false);
        float[] xArray = new float[size + 80];
        java.util.Arrays.fill(xArray, Float.NaN);
        System.arraycopy(x, 0, xArray, 40, size);
        Tensor xView = Tensor.wrap(xArray, 40, n, c, h, w);
        Tensor xt = Tensor.of(x, n, c, h, w);
        for (boolean maxPool : new boolean[] {true, false}) {
            Tensor ref = maxPool ? new MaxPool2d(p, ONE).forward(xt) : new AvgPool2d(p, false, ONE).forward(xt);
            float[] yArray = new float[outSize + 80];
            java.util.Arrays.fill(yArray, Float.NaN);
            Tensor yView = Tensor.wrap(yArray, 40, n, c, oh, ow);
            if (maxPool) {
                new MaxPool2d(p, THREE).forward(xView, yView);
            } else {
                new AvgPool2d(p, false, THREE).forward(xView, yView);
            }
            float[] got = java.util.Arrays.copyOfRange(yArray, 40, 40 + outSize);
            assertArrayEquals(ref.data(), got, 0f, name + (maxPool ? ": max" : ": avg") + " from a view");
            for (int i = 0; i < 40; i++) {
                assertTrue(Float.isNaN(yArray[i]) && Float.isNaN(yArray[40 + outSize + i]),
                        name + ": wrote outside the output view at " + i);
            }
        }
    }

    @Test
    void badArgumentsNameTheLayerAndShapesAndWriteNothing() {
        MaxPool2d pool = new MaxPool2d(PoolParams.of(3, 2).padding(1));
        Tensor x = Tensor.zeros(1, 2, 8, 8);
        Tensor wrong = PoolCheck.nanFilled(1, 2, 5, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.forward(x, wrong));
        assertTrue(e.getMessage().contains("MaxPool2d") && e.getMessage().contains("[1, 2, 4, 4]")
                && e.getMessage().contains("[1, 2, 5, 4]"), e.getMessage());
        assertTrue(Float.isNaN(wrong.data()[0]), "nothing written");
        for (int outside : new int[] {64, -2, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            int[] bad = new int[32];
            bad[5] = -1; // no tap in the image: valid
            bad[31] = outside;
            Tensor dx = PoolCheck.nanFilled(1, 2, 8, 8);
            e = assertThrows(IllegalArgumentException.class, () -> pool.backward(Tensor.zeros(1, 2, 4, 4), bad, dx));
            assertTrue(e.getMessage().contains("index " + outside + " at output 31"), e.getMessage());
            assertTrue(Float.isNaN(dx.data()[0]) && Float.isNaN(dx.data()[127]), "dx untouched by a rejected call");
        }
        MaxPool2d huge = new MaxPool2d(PoolParams.of(4097, 4097, 1, 1).padding(2048));
        e = assertThrows(IllegalArgumentException.class,
                () -> huge.forward(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 2, 2), new int[4]));
        assertTrue(e.getMessage().contains("16785409 taps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.forward(x, Tensor.zeros(1, 2, 4, 4), new int[31]));
        e = assertThrows(IllegalArgumentException.class, () -> PoolParams.of(3, 1).padding(3));
        assertTrue(e.getMessage().contains("smaller than the dilated kernel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(PoolParams.of(5)).forward(Tensor.zeros(1, 1, 3, 3)));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.forward(Tensor.zeros(2, 8, 8), Tensor.zeros(2, 4, 4)));
        Tensor shared = Tensor.zeros(1, 1, 4, 4);
        assertThrows(IllegalArgumentException.class,
                () -> new AvgPool2d(PoolParams.of(1)).forward(shared, shared));
    }
}

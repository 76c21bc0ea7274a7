package dev.striate.conv;

import dev.striate.runtime.Tuning;
import dev.striate.simd.FloatSpecies;

/**
 * How a {@link Convolution} computes its layer. Every algorithm gives the same result up to float
 * rounding (each is checked against the same oracle); they differ in speed and workspace.
 *
 * <p>Thread-safety: immutable.
 */
public enum ConvAlgorithm {
    /**
     * Pick per layer and input size: {@link #DEPTHWISE} where it applies, else {@link #POINTWISE}, else
     * {@link #DIRECT} on 512-bit machines for layers with at most {@code DIRECT_MAX_CHANNELS} input
     * channels and output rows at least a vector wide (but {@link #DIRECT_BLOCKED} where
     * {@code blockedBeatsDirect}), else
     * {@link #WINOGRAD} for 3x3 stride-1 layers with at least 49 output pixels, more 2x2 tiles than
     * half a register tile's columns, 16 channels in and out, and products large enough for the
     * transforms (measurements on {@code WINOGRAD_MIN_PIXELS}, {@code winogradFillsTiles} and
     * {@code winogradPaysForTransforms}), or {@link #WINOGRAD_F4} instead where a
     * tuning profile allows it ({@code WINOGRAD_TILE}), else {@link #DIRECT_BLOCKED} where its
     * measured rule holds ({@code directBlockedPays}), else {@link #IM2COL}.
     */
    AUTO,
    /** Patches of one image and group lowered to a matrix, then Sgemm: valid for every layer. */
    IM2COL,
    /** 1x1 kernel, stride 1, no padding: Sgemm straight on the input, no lowering. */
    POINTWISE,
    /** {@code groups == inChannels}: a direct vectorized kernel, one output channel at a time. */
    DEPTHWISE,
    /**
     * One group, few input channels (a network's first layer): a direct kernel vectorized along
     * output rows, eight output channels' weights broadcast per tap, no patch matrix. Forward only:
     * the gradients run as {@link #IM2COL}'s.
     */
    DIRECT,
    /**
     * One group, output channels a multiple of four vectors (64 on AVX-512), on 512-bit machines: a
     * direct kernel with output channels in vector lanes, as ONNX Runtime's NCHWc kernels — the image
     * copied pixel-major, each output pixel's inputs broadcast against four vectors of weights, no
     * patch matrix. dx on the same tile by stride phases where the input channels are whole blocks too
     * ({@code ChannelBlockedDataGradient}, which {@code AUTO} also gives strided {@link #IM2COL} layers),
     * dw on it from 400 output pixels ({@code ChannelBlockedWeightGradient}); otherwise the gradients
     * run as {@link #IM2COL}'s.
     */
    DIRECT_BLOCKED,
    /**
     * 3x3, stride 1, no dilation, one group: Winograd F(2x2, 3x3), 2.25× fewer multiplications, not
     * the exact rounding of the direct sum (error documented on {@code Winograd}). The layer's dx is
     * the Winograd forward pass of the flipped kernel (when no pad exceeds 2); dw goes through
     * F(2x2) too from 36 tiles per image and 64 channels in and out (measured, uniform [−1, 1) data:
     * max |error| 0.8–1.6e-6 of the gradient's largest element, against {@link #IM2COL}'s 0.7–1.1e-6
     * on 64→64 at 56x56, 128→128 at 28x28 and 128→256 at 56x56), else runs the {@link #IM2COL}
     * formulation.
     */
    WINOGRAD,
    /**
     * As {@link #WINOGRAD} with 4x4 output tiles, F(4x4, 3x3): 4× fewer multiplications than direct,
     * 1.78× fewer than F(2x2), at about ten times F(2x2)'s rounding error (measured on 64→64 at
     * 56x56 and 128→128 at 28x28, uniform [−1, 1) data: max |error| 6.9e-6 and 1.1e-5 of max |y|,
     * against 7.7e-7 and 8.0e-7) — within this repo's oracle bound, but outside the tightest
     * float32 comparisons (PyTorch's default {@code assert_close}: atol 1e-5) on outputs of order
     * one. So {@code AUTO} picks it only when the tuning profile says {@code conv.winogradTile=4}.
     * Measured here (one thread, forward, batch 1): 0.82× F(2x2)'s time on 64→64 at 56x56 and on
     * 128→128 at 28x28, 0.75× on 64→64 at 55x55, 0.59× on 256→256 at 56x56; dx 0.75× at 56x56.
     */
    WINOGRAD_F4;

    /**
     * Output pixels from which {@code AUTO} picks Winograd for a layer it applies to. Measured (one
     * thread, this repo's bench): F(2x2) against im2col was 1.4–1.7× as fast at 56x56 (64 channels)
     * and 1.2–1.7× at 28x28 (128), 1.0–1.2× at 14x14 (256), a tie at 13x13 (AlexNet conv3) and 0.9×
     * at 7x7 (512) while both packed the weights on every call. With the weights packed once
     * (Winograd's 16 GEMMs read U pre-packed) 7x7 with 512 channels runs 5.1–5.6 ms against im2col's
     * 6.2–7.1 ms (two interleaved pairs), and the tuning sweep's geometric mean over the 7x7, 14x14 and
     * 28x28 ResNet layers was 85 GFLOPS from 49 pixels against 70 from 196: ResNet's smallest maps
     * qualify. A tuning profile's {@code conv.winogradMinPixels} (or
     * {@code -Dstriate.conv.winogradMinPixels}) replaces it.
     */
    static final long WINOGRAD_MIN_PIXELS = Tuning.intValue("striate.conv.winogradMinPixels", "conv.winogradMinPixels", 49);
    /**
     * Input channels up to which {@code AUTO} picks {@link #DIRECT}: with C·KH·KW short, im2col's
     * patch matrix repeats every input float KH·KW/(sh·sw) times and packing it costs as much as
     * the product. Measured (forward, batch 1, time against the algorithm {@code AUTO} picked
     * before, 2-core AMD EPYC with AVX-512, one thread / two): ResNet's 7x7/s2 3→64 at 224 0.61
     * (one thread), AlexNet's 11x11/s4 3→96 0.91–0.95, MobileNetV2's 3x3/s2 3→32 0.54–0.56,
     * SqueezeNet's 3x3/s2 3→64 0.87; SqueezeNet's 16→64 at 55x55 0.69–0.78 / 0.75–0.81, 8→32 at
     * 56x56 0.57–0.78 / 0.41–0.77, 3x3/s2 16→32 at 112 0.58–0.59 / 0.40–0.58, 16→32 at 56x56
     * 0.50–0.53, 16→16 at 56x56 0.83–0.86 of Winograd's. From 32 channels im2col (or Winograd) is
     * as fast or faster: 32→128 at 27x27 0.85–1.05, 48→192 and 64→256 at 13x13 1.01–1.12, AlexNet's
     * 96→256 5x5 1.04 (13x13 maps waste 3 of a row's 16 lanes).
     */
    static final int DIRECT_MAX_CHANNELS = Tuning.intValue("striate.conv.directMaxChannels", "conv.directMaxChannels", 16);

    /** Channels below which the 16 GEMMs' K (input channels) or M (output channels) is too short to pay for the transforms. */
    static final int WINOGRAD_MIN_CHANNELS = 16;

    /**
     * The largest Winograd output tile {@code AUTO} may pick: 2 (F(2x2, 3x3), the default) or 4
     * ({@link #WINOGRAD_F4}, faster and less exact), from {@code -Dstriate.conv.winogradTile} or a
     * tuning profile's {@code conv.winogradTile}.
     */
    static final int WINOGRAD_TILE = winogradTile(Tuning.intValue("striate.conv.winogradTile", "conv.winogradTile", 2));

    /** Tiles of 4x4 outputs from which {@code AUTO} prefers F(4x4) when allowed: 7x7 tiles, a 25x25 map or larger. */
    static final int F4_MIN_TILES = 49;

    static int winogradTile(int tile) {
        if (tile != 2 && tile != 4) {
            throw new IllegalArgumentException("conv.winogradTile must be 2 or 4, got " + tile);
        }
        return tile;
    }

    /**
     * The algorithm this choice means for {@code p} with an {@code oh×ow} output, on a GEMM whose
     * register tile is {@code mr × nr}; an explicit choice that cannot run p is rejected.
     */
    ConvAlgorithm choose(ConvParams p, int oh, int ow, int mr, int nr) {
        return switch (this) {
            case AUTO -> p.isDepthwise() ? DEPTHWISE
                    : p.isPointwise() ? POINTWISE
                    : directFits(p, ow) && !blockedBeatsDirect(p, oh, ow) ? DIRECT
                    : Winograd.applies(p) && (long) oh * ow >= WINOGRAD_MIN_PIXELS && winogradFillsTiles(oh, ow, mr, nr)
                            && p.inChannels() >= WINOGRAD_MIN_CHANNELS && p.outChannels() >= WINOGRAD_MIN_CHANNELS
                            && winogradPaysForTransforms(p, oh, ow)
                    ? (WINOGRAD_TILE == 4 && (long) ((oh + 3) / 4) * ((ow + 3) / 4) >= F4_MIN_TILES ? WINOGRAD_F4 : WINOGRAD)
                    : directBlockedPays(p, oh, ow) ? DIRECT_BLOCKED
                    : IM2COL;
            case IM2COL -> IM2COL;
            case POINTWISE -> require(p.isPointwise(), p, "a 1x1 kernel, stride 1 and no padding");
            case DEPTHWISE -> require(p.isDepthwise(), p, "groups == inChannels");
            case DIRECT -> require(DirectConv.applies(p), p, "one group");
            case DIRECT_BLOCKED -> require(ChannelBlockedConv.applies(p), p,
                    "one group, output channels a multiple of four vectors and 512-bit vectors");
            case WINOGRAD, WINOGRAD_F4 -> require(Winograd.applies(p), p, "a 3x3 kernel, stride 1, no dilation and one group");
        };
    }

    /**
     * Whether F(2x2)'s 16 products fill their register tiles: N = tiles wide, more than half of NR
     * columns, or, run transposed ({@code Winograd.transposesProducts}), tiles on M in whole MR-row
     * panels. On a 7x7 map (16 tiles) with the 16-lane 8x2v tile (NR 32) the usual products did not,
     * and im2col, its patches gathered as the GEMM packs them, took 0.77–0.85 of Winograd's time
     * (one thread, 128 to 512 channels); at 9x9 (25 tiles) 1.3×, and with the 8-lane 3x3v tile (NR
     * 24) 1.23–1.37× on the 7x7 map (there the im2col product runs transposed). With 8x2v's
     * one-vector form for such panels ({@code MicroKernel.runNarrow}) im2col still took 0.82, 0.91
     * and 0.90 of Winograd's time at 64, 128 and 512 channels, 1.06 at 256. Transposed, two 8-row
     * panels of tiles, Winograd took 0.85 / 0.81 of im2col's time on ResNet's 512→512 at 7x7 (one
     * thread / two; see {@code Winograd.transposesProducts}).
     */
    static boolean winogradFillsTiles(int oh, int ow, int mr, int nr) {
        long tiles = (long) ((oh + 1) / 2) * ((ow + 1) / 2);
        return 2 * tiles > nr || Winograd.transposesProducts(tiles, mr, nr);
    }

    /**
     * Whether Winograd's 16 products, each {@code OC × tiles × C}, are large enough to pay for the
     * transforms and their own fixed costs on p's channels and {@code oh×ow} output: at least
     * {@link #WINOGRAD_MIN_CHANNEL_TILES} of input channels times 2x2 tiles (the products' depth
     * times their width), and, where a layer has more output channels than input (the output
     * transform costs per output channel, the products save per pair), at least
     * {@link #WINOGRAD_FAN_OUT_MIN_CHANNELS} input channels. Measured on every C in 16, 32, 48, 64,
     * 96, 128 with 1×, 2× and 4× as many outputs, at 13x13, 27x27 and 56x56 (forward, time of
     * Winograd / im2col, same process, one thread / two; {@code AlgoAb}, 2026-11-27): Winograd lost
     * on every 13x13 map up to 64 channels in (1.02–2.0 / 1.12–3.9: SqueezeNet's 48→192 1.17 / 1.49,
     * 64→256 1.02 / 1.36), tied at 96 (0.89–0.98 / 0.97–1.02) and won from 128 (0.81–0.89 / 0.81–0.85);
     * at 27x27 it lost at 16 channels in (0.95–1.33 / 1.6–2.4) and on 32 fanning out (32→64 1.02 /
     * 1.21, SqueezeNet's 32→128 1.08 / 1.30), tied on 32→32 (0.96 / 1.0) and won from 48 (0.83–0.90
     * / 0.87–1.02); at 56x56 it won on 16→16 and 32→32 (0.88 / 0.94, 0.80 / 0.81), lost on 16 fanning
     * out (16→32 1.10 / 1.17, 16→64 1.27 / 1.55) and 32→128 (1.02 / 1.04), nearly tied on 32→64
     * (0.92 / 0.98), and won from 48 on (0.52–0.78 / 0.53–0.80).
     */
    static boolean winogradPaysForTransforms(ConvParams p, int oh, int ow) {
        long tiles = (long) ((oh + 1) / 2) * ((ow + 1) / 2);
        return p.inChannels() * tiles >= WINOGRAD_MIN_CHANNEL_TILES
                && (p.outChannels() <= p.inChannels() || p.inChannels() >= WINOGRAD_FAN_OUT_MIN_CHANNELS);
    }

    /**
     * Whether {@link #DIRECT_BLOCKED} pays where {@code AUTO} would otherwise pick {@link #IM2COL}: a
     * kernel larger than 1x1, at least {@link #DIRECT_BLOCKED_MIN_PIXELS} output pixels — or at least
     * {@link #DIRECT_BLOCKED_SMALL_MAP_MIN_PIXELS} where a block's packed weights, which every tile
     * of five pixels reads again, stay within {@link #DIRECT_BLOCKED_SMALL_MAP_MAX_BLOCK_WEIGHTS}
     * floats — and a workspace within one image's im2col matrix. Measured (forward, batch 1, its
     * time against im2col's, separate JVMs alternated, one thread / two, AMD EPYC Zen 5 with
     * AVX-512, 1 MB of L2 per core): SqueezeNet 1.1's 32→128 at 27x27 0.66–0.78 / 0.75–0.85, 48→192
     * at 13x13 0.66–0.79 / 0.83–0.88, 64→256 at 13x13 0.77–0.87 / 0.77–0.78; ResNet's 3x3/s2 64→128
     * to 28x28 0.66–0.77 / 0.61–0.85 and 128→256 to 14x14 0.85–0.96 / 0.59–0.68; AlexNet's conv2
     * (96→256 5x5 at 27x27) 0.81–0.82 / 0.76–0.82. On 7x7 maps (49 pixels, the blocks of channels
     * split over the threads): ResNet-18's 256→512 3x3/s2 (590 KB of weights a block) 0.93 / 0.78,
     * 128→128 3x3 0.56 / 0.56, and ResNet-50's 512→512 3x3/s2 (1.2 MB a block, past L2) 2.0 / 0.90;
     * 64→64 3x3 at 12x14 0.61 / 0.38 (the 169-pixel bound of an earlier rule came from 256→512 alone).
     * Slower: ResNet's 1x1/s2
     * layers 1.12–1.27 / 1.0–1.7 (the copy moves the whole image, of which stride 2 reads a quarter),
     * and Winograd's layers (AlexNet conv3 1.27 on one thread). Against {@link #DIRECT} on
     * SqueezeNet's 16→64 at 55x55 0.88–0.93 / 0.94–0.98 (and see {@link #blockedBeatsDirect}).
     */
    static boolean directBlockedPays(ConvParams p, int oh, int ow) {
        long pixels = (long) oh * ow;
        boolean smallMapPays = pixels >= DIRECT_BLOCKED_SMALL_MAP_MIN_PIXELS
                && (long) p.groupPatchSize() * ChannelBlockedTile.BLOCK <= DIRECT_BLOCKED_SMALL_MAP_MAX_BLOCK_WEIGHTS;
        if (!ChannelBlockedConv.applies(p) || p.kernelH() * p.kernelW() == 1
                || pixels < DIRECT_BLOCKED_MIN_PIXELS && !smallMapPays) {
            return false;
        }
        // the smallest input giving this output
        int h = (oh - 1) * p.strideH() + (p.kernelH() - 1) * p.dilationH() + 1 - p.padTop() - p.padBottom();
        int w = (ow - 1) * p.strideW() + (p.kernelW() - 1) * p.dilationW() + 1 - p.padLeft() - p.padRight();
        return h > 0 && w > 0 && ChannelBlockedConv.floats(p, h, w) <= (long) p.groupPatchSize() * oh * ow;
    }

    /** Whether {@code AUTO} gives {@link #DIRECT} layer p with {@code ow}-wide output rows, unless {@link #blockedBeatsDirect}. */
    static boolean directFits(ConvParams p, int ow) {
        return DirectConv.applies(p) && DirectConv.fitsRegisters() && p.inChannels() <= DIRECT_MAX_CHANNELS
                && ow >= FloatSpecies.LANES;
    }

    /**
     * Whether a layer {@link #DIRECT} would take runs {@link #DIRECT_BLOCKED} instead: more than
     * {@value #BLOCKED_OVER_DIRECT_MIN_CHANNELS} input channels, where {@link #directBlockedPays}
     * (output channels in whole blocks of four vectors). Its dw stays DIRECT's
     * ({@code Convolution.directWeightGradient}). Measured (time against DIRECT, the two
     * alternated in one process, one thread / two, 2026-11-28, another tenant on the machine in
     * phases): SqueezeNet's 16→64 at 55x55 forward 0.87–1.0 / 0.83–1.01 over six runs (median
     * 0.92 / 0.86), dx 0.92–1.07 / 0.69–1.10 (median 0.92 / 0.78), dw on the blocked kernel
     * 0.83–0.92 / 1.27–1.39 (so dw stays direct); 16→128 at 28x28 forward 0.90 / 0.84, 3x3/s2
     * 16→64 to 56x56 0.94 / 0.76. With fewer channels DIRECT keeps its lead: 8→64 at 56x56 1.12 /
     * 0.88, 4→64 1.40 / 1.03, the 3→64 first layers about 2.
     */
    static boolean blockedBeatsDirect(ConvParams p, int oh, int ow) {
        return p.inChannels() > BLOCKED_OVER_DIRECT_MIN_CHANNELS && directBlockedPays(p, oh, ow);
    }

    /** Input channels above which {@link #blockedBeatsDirect} may hold. */
    static final int BLOCKED_OVER_DIRECT_MIN_CHANNELS = 8;

    /** Output pixels from which {@link #DIRECT_BLOCKED} pays whatever its weights: a 13x13 map. */
    static final int DIRECT_BLOCKED_MIN_PIXELS = 169;
    /** Output pixels from which it pays when a block's weights stay in L2: a 7x7 map. */
    static final int DIRECT_BLOCKED_SMALL_MAP_MIN_PIXELS = 49;
    /** A block's packed weights (floats) that stay in L2 between tiles: three quarters of 1 MB. */
    static final int DIRECT_BLOCKED_SMALL_MAP_MAX_BLOCK_WEIGHTS = 196_608;

    /** Input channels times 2x2 output tiles from which Winograd may pay: 96 channels on a 13x13 map. */
    static final long WINOGRAD_MIN_CHANNEL_TILES = 96L * 49;
    /** Input channels from which a layer with more outputs than inputs runs Winograd. */
    static final int WINOGRAD_FAN_OUT_MIN_CHANNELS = 48;

    /** Whether this is one of the Winograd algorithms. */
    boolean isWinograd() {
        return this == WINOGRAD || this == WINOGRAD_F4;
    }

    /** The Winograd output tile side of this algorithm (2 or 4). */
    int winogradTile() {
        return this == WINOGRAD_F4 ? 4 : 2;
    }

    private ConvAlgorithm require(boolean applies, ConvParams p, String what) {
        if (!applies) {
            throw new IllegalArgumentException("conv " + p + ": algorithm " + this + " needs " + what);
        }
        return this;
    }
}

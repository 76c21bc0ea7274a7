package dev.striate.conv;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.FloatArena;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import static dev.striate.simd.Interleave.ZIP_LOW;
import static dev.striate.simd.Interleave.ZIP_HIGH;

/**
 * Winograd's minimal filtering F(m×m, 3x3) (Lavin &amp; Gray, 2016) for 3x3, stride-1, undilated,
 * ungrouped layers, with output tiles of m = 2 or 4: each m×m output tile is
 * {@code Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A} over the (m+2)×(m+2) input tile d, so the 9m² multiplications of a
 * direct tile become (m+2)² — 2.25× fewer for m = 2, 4× for m = 4. Summed over input channels, the
 * (m+2)² element-wise products become as many independent GEMMs
 * {@code M_ξ[OC×T] = U_ξ[OC×C] · V_ξ[C×T]} over the T tiles of an image, run on {@link Sgemm}.
 *
 * <p>Which m: F(4x4) multiplies 1.78× less than F(2x2) per output but cuts the image into a quarter
 * as many tiles, so its GEMMs are four times narrower (N = T) and a map that is not a multiple of 4
 * wastes more of its last tiles. Measured here (one thread, the GEMMs alone, weights packed): F(4x4)
 * took 0.58 of F(2x2)'s GEMM time at 56x56 (64 channels), 0.73 at 28x28 (128), 0.85 at 14x14 (256,
 * 16 tiles of N). Which one runs is {@link ConvAlgorithm}'s choice ({@code WINOGRAD} or
 * {@code WINOGRAD_F4}).
 *
 * <p>On maps of few tiles the products run transposed ({@link #transposesProducts}): tiles on the
 * GEMM's rows, U packed as B.
 *
 * <p>Transforms are vectorized across L neighbouring tiles: the input is read from a
 * {@link StridedPlane} of stride m, where the columns {@code m·t + j} of consecutive tiles t are
 * consecutive floats, and V is written straight into the GEMM's row-major B operand. The output
 * transform adds the bias and clamps as it writes y: no extra pass.
 *
 * <p>Workspace: V holds every input channel's transform ((m+2)²·C·T floats, about 4/9 of the im2col
 * matrix's 9·C·OH·OW for m = 2); M would hold (m+2)²·OC·T more, which with as many or more output
 * channels than input exceeds the im2col matrix on odd maps (AlexNet's 13x13 layers: 1.3–1.7×) or
 * with OC = 2C (VGG's conv3_1: 1.36×). So the products and the output transform run in passes over
 * output channels, M holding one pass, sized to keep the whole workspace within one image's im2col
 * matrix ({@link #passRows}); each pass's products read rows of the packed U
 * ({@link Sgemm#gemm(PackedOperand, int, int, Transpose, int, float, float[], int, int, float, float[],
 * int, int, Epilogue, float[], int)}), so the result is the same bits in any number of passes.
 *
 * <p>Error: the transforms add, scale and (for m = 4) multiply by up to 8 and divide by 24, so the
 * result is not the direct sum's rounding. Measured against the exact im2col path (uniform [−1, 1)
 * data), max |difference| for F(2x2) is 8.1e-7 of max |y| on ResNet's 64→64 at 56x56 and 8.8e-7
 * on 256→256 at 14x14, for F(4x4) 6.9e-6 on 64→64 at 56x56 and 1.1e-5 on 128→128 at 28x28. The
 * oracle tests hold both to the direct algorithms' bound with each element's magnitude raised to
 * the largest of its tile (its outputs share their transformed products: an output whose window
 * lies in the padding is ~1e-8, not 0), plus the transforms' own rounding in terms of the plane's
 * normwise scale: 1 such term for F(2x2), whose outputs of one product each can otherwise miss
 * their own bound by 3x, 96 for F(4x4) (measured maxima 0.40 and 41 over 450,000 and 200,000
 * random layers).
 * {@link ConvAlgorithm#IM2COL} forces the exact path.
 *
 * <p>Thread-safety: holds one call's workspace; use one instance per concurrent call.
 */
final class Winograd implements ThreadPool.ParallelTask {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;
    /** Appended to a workspace-size error: the exact path allocates no transformed buffers. */
    private static final String EXACT_PATH_HINT = " (ConvAlgorithm.IM2COL needs none)";
    private static final int INPUT = 0, PRODUCTS = 1, OUTPUT = 2, PACKED_INPUT = 3, GRADIENT_PASSES = 4, BANDS = 5;

    private final ConvParams p;
    private final int h, w, oh, ow;
    /** Output tile side m and the (m + 2)² products ξ. */
    private final int m, products;
    /** Tile rows and columns, and tiles per image: the length of a row of V and M. */
    private final int tileRows, tileCols, tiles;
    private final int roundedCols;
    /**
     * Output channels per pass of the products and the output transform (a whole number of the
     * GEMM's MR-row panels unless it is all of them): M holds this many channels' products at a
     * time, so V, M and a transform's scratch fit in one image's im2col matrix ({@link #passRows}).
     */
    private final int passRows;
    /**
     * Output channels per pass of the weight gradient ({@link #backwardWeights}) at most: as many
     * whole MR-row panels as keep its dU within {@value #GRADIENT_PASS_FLOATS} floats (16 per filter).
     */
    private final int gradientPassRows;
    /** The GEMM's MR, of which a weight gradient pass takes whole panels. */
    private final int mr;
    /** The GEMM's NR: the weight gradient's packed input is made a panel of NR input channels at a time ({@link #packInputBand}). */
    private final int nr;
    /** Tile rows per band of the weight gradient's packed input, and the bands of a map ({@link #packInputBand}). */
    private final int inputBandRows, inputBands;
    /**
     * A band of the weight gradient's transformed input, in floats, at most (unless one tile row
     * takes more): a quarter of L2, so it is packed from L2. On 64→64 at 56x56, one thread, the
     * transform and packing together took 405 / 257 / 204 / 215 µs for bands of 16K / 32K / 64K /
     * 128K floats (a band reloads two plane rows of each channel, and packs by scalars the depths
     * past its last whole 16).
     */
    private static final long INPUT_BAND_FLOATS = 64 * 1024;
    /** This call's rows per weight gradient pass: at most {@link #gradientPassRows}, and enough passes for every thread. */
    private int gradientRows;
    /**
     * A weight gradient pass's dU, in floats: half of L2, beside the streams of V's panels and dM.
     * Every pass reads all of V's panels, so fewer passes read less: 256→256 at 14x14 (V 0.8 MB,
     * 8 passes rather than 16) took 498 µs against 509 for a quarter of L2 and 490 for all of it
     * (two threads, medians of 22 alternated windows, all when the host was quiet); 128→128 at
     * 28x28 383–388 for all three.
     */
    private static final long GRADIENT_PASS_FLOATS = 128 * 1024;
    /**
     * For maps of exactly L tiles (m = 2; 7x7 and 8x8 on 16 lanes): tile t's top-left padded element
     * in a {@link Scratch} plane, lane t ({@link #transformInputGathered}). Null for other maps.
     */
    private final int[] tileIndex;
    /** Whether the products run transposed, {@code Mᵀ_ξ = V_ξᵀ·U_ξᵀ} ({@link #transposesProducts}). */
    private final boolean transposedProducts;
    /** From one product's matrix to the next in V and in M ({@link #apart}). */
    private final int vStride, mStride;
    /** A transform's scratch, in floats ({@link Scratch#floats}). */
    private final long scratchFloats;
    /** V's and M's lengths; the arrays are borrowed from the pool's {@link FloatArena} for each call. */
    private final int vLength, mLength;
    private float[] v, mt;
    /** Per-thread scratch (a plane, output rows, the transforms' intermediate vectors), borrowed by each transform task. */
    private final WorkspacePool<Scratch> idleScratch = new WorkspacePool<>();

    /* The call in flight, read by the tasks of each phase. */
    private int phase, phaseItems, perTask, bands;
    /** The pass in flight: its first output channel and how many it covers. */
    private int passFirst, passCount;
    private PackedOperand[] u;
    private Sgemm gemm;
    private float[] x, y, bias;
    /* The weight gradient in flight: dy of the image, dw and whether it is added to, the passes' scratch (see backwardWeights). */
    private float[] dy, dw, passScratch;
    private int gradientSlots;
    private int dyOff, dwOff;
    private boolean accumulate;
    /**
     * V_ξᵀ of the weight gradient's image, packed as the GEMM's B ({@link #backwardWeights}): views of
     * an array lent by the arena for each call, made on first use and re-pointed by each call (between
     * calls they still name the last call's array, which the arena may have dropped since: one array
     * kept alive until the next call at most).
     */
    private final PackedOperand[] packedV = new PackedOperand[16];
    private int xOff, yOff;
    private float min, max;

    /** Whether F(m×m, 3x3) computes layer p. */
    static boolean applies(ConvParams p) {
        return p.kernelH() == 3 && p.kernelW() == 3 && p.strideH() == 1 && p.strideW() == 1
                && p.dilationH() == 1 && p.dilationW() == 1 && p.groups() == 1;
    }

    /**
     * A workspace for layer p on {@code h×w} inputs with {@code m×m} output tiles (m = 2 or 4), for
     * products on a GEMM whose register tile is {@code mr × nr}.
     */
    Winograd(ConvParams p, int h, int w, int m, int mr, int nr) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.oh = p.outputHeight(h);
        this.ow = p.outputWidth(w);
        this.m = m;
        this.products = (m + 2) * (m + 2);
        this.tileRows = (oh + m - 1) / m;
        this.tileCols = (ow + m - 1) / m;
        this.tiles = tileRows * tileCols;
        this.roundedCols = (tileCols + L - 1) / L * L;
        this.vLength = p.arrayLength("Winograd's V" + EXACT_PATH_HINT, products * apart((long) p.inChannels() * tiles));
        this.vStride = vLength / products;
        Scratch first = new Scratch();
        idleScratch.give(first);
        this.scratchFloats = first.floats();
        long im2col = (long) p.groupPatchSize() * oh * ow;
        long mSlack = (long) products * CACHE_LINE_FLOATS + L;
        this.transposedProducts = transposesProducts(tiles, mr, nr);
        if (m == 2 && tiles == L) {
            tileIndex = new int[L];
            for (int t = 0; t < tiles; t++) {
                tileIndex[t] = 2 * (t / tileCols) * first.plane.rowStride + t % tileCols;
            }
        } else {
            tileIndex = null;
        }
        // a transposed pass's products are columns of U's packed panels, and each thread holds one product's Mᵀ
        this.passRows = passRows(p.outChannels(), transposedProducts ? nr : mr, im2col - vLength - scratchFloats - mSlack,
                (long) (transposedProducts ? products + 1 : products) * tiles);
        this.mStride = (int) apart((long) passRows * tiles);
        this.gradientPassRows = passRows(p.outChannels(), mr, GRADIENT_PASS_FLOATS, 16L * p.inChannels());
        this.mr = mr;
        this.nr = nr;
        this.inputBandRows = (int) Math.max(1, Math.min(tileRows, INPUT_BAND_FLOATS / ((long) products * nr * tileCols)));
        this.inputBands = (tileRows + inputBandRows - 1) / inputBandRows;
        // L floats past M's last row: the output transform's last vector reads on past it
        this.mLength = p.arrayLength("Winograd's M" + EXACT_PATH_HINT, (long) products * mStride + L);
    }

    /**
     * Output channels per pass: all of them when their products ({@code rowFloats} each) fit in
     * {@code budget} floats, else as many whole MR-row panels as fit (at least one), evened out over
     * the passes that takes. The alternative, passes over tiles, would narrow every product (N is
     * already only the tiles of one image); passes over channels keep N and cost one packing of V's
     * panels per pass, each pass's products its rows × C × tiles of multiply-adds against C × tiles
     * floats packed.
     */
    private static int passRows(int outChannels, int mr, long budget, long rowFloats) {
        long fit = Math.max(0, budget) / rowFloats;
        long rows = Math.max(mr, fit / mr * mr);
        if (fit >= outChannels || rows >= outChannels) {
            return outChannels;
        }
        int passes = (int) ((outChannels + rows - 1) / rows);
        return ((outChannels + passes - 1) / passes + mr - 1) / mr * mr;
    }

    /**
     * The distance between consecutive products' matrices in V or M for matrices of {@code floats}:
     * a vector's 16 stores in the input transform (loads in the output transform) go one to each
     * matrix, and 16 streams a multiple of 4 KB apart share one L1 set, more than its ways. Moved a
     * cache line apart, ResNet's 3x3-64 at 56x56 (64 × 784 floats, 49 × 4 KB) ran its forward in
     * 1397–1406 µs against 1454–1579 µs, and VGG's conv3_1 (128 × 784 floats) got back the 4–6% that
     * V's rows without slack had cost it (`dev/` WallLoop, one thread, three alternated runs).
     */
    private static long apart(long floats) {
        return floats % ALIASING_FLOATS == 0 ? floats + CACHE_LINE_FLOATS : floats;
    }

    /** 4 KB, the distance at which addresses share an L1 set, and a cache line, in floats. */
    private static final int ALIASING_FLOATS = 1024, CACHE_LINE_FLOATS = 16;

    /** The output tile side m this workspace runs. */
    int tile() {
        return m;
    }

    /** Whether this workspace serves inputs of this size with this tile (its owner's layer is fixed). */
    boolean fits(int height, int width, int tile) {
        return h == height && w == width && m == tile;
    }

    /** One transform task's scratch: the input plane, m output rows, and the transforms' intermediate vectors. */
    private final class Scratch {
        // Tile (ty, tx) reads padded rows m·ty..m·ty+m+1 and columns m·tx..m·tx+m+1, lanes past tileCols included.
        final StridedPlane plane = new StridedPlane(m * tileRows + 2, m * roundedCols + 2, m, p.padTop(), p.padLeft());
        final float[] rows = new float[m * m * roundedCols];
        final float[] between = new float[m == 4 ? 36 * L : 0];
        /** One vector per product ξ: where a vector of tiles that reaches past the last goes first ({@link #unspill}). */
        final float[] spill = new float[products * L];
        /** One channel of dy, columns split by parity, zero past the image ({@link #transformGradient}); made on first use. */
        StridedPlane gradientPlane;
        /** Gᵀ·dU (3x4) and Gᵀ·dU·G (3x3) of L filters, element by element ({@link #filterGradients}). */
        final float[] filterColumns = new float[12 * L], filterRows = new float[9 * L];
        /** One band of the weight gradient's transformed input ({@link #packInputBand}); made on first use. */
        private float[] inputBand = new float[0];
        /** One transposed product's {@code Mᵀ_ξ} ({@link #productTransposed}); made on first use. */
        private float[] product = new float[0];

        float[] inputBand(int floats) {
            if (inputBand.length < floats) {
                inputBand = new float[floats];
            }
            return inputBand;
        }

        float[] product(int floats) {
            if (product.length < floats) {
                product = new float[floats];
            }
            return product;
        }

        /** The forward pass's floats (the weight gradient's plane, band and filter rows not counted). */
        long floats() {
            return plane.floats() + rows.length + between.length + spill.length;
        }
    }

    /**
     * Floats of workspace: V, M for one pass of output channels, and a transform's plane, output
     * rows and intermediates (one per thread in use; U belongs to the layer). In bands
     * ({@link #forwardBand}) V and M may each take a cache line more per product and band.
     */
    long workspaceFloats() {
        return (long) vLength + mLength + scratchFloats + (transposedProducts ? (long) tiles * passRows : 0);
    }

    /**
     * Whether the 16 products run transposed, tiles on the GEMM's M side and output channels on N
     * ({@code Mᵀ_ξ = V_ξᵀ·U_ξᵀ}, U packed as B, in passes over its columns), each product's result
     * transposed into M for the output transform: on maps of fewer tiles than two register tiles
     * are wide, when they fill whole MR-row panels. There the usual products' N = tiles fills a
     * fraction of NR (16 of 8x2v's 32 on a 7x7 map: its one-vector form, a broadcast per
     * multiply-add, ran at half speed), while transposed the 16 tiles are two whole 8-row panels.
     * Each element of U still serves one vector of tiles (U is streamed: 16 MB for 512 channels),
     * but two threads stream it at twice one thread's rate. Measured on ResNet's 512→512 layer at
     * 7x7 (forward, time against im2col's; 2-core Zen 5): 0.85 on one thread and 0.81 on two in
     * separate runs, 0.99–1.00 and 0.83–0.84 alternated in one process (each layer's weights
     * evicting the other's from L3); its dx, the flipped layer's forward, 0.71–0.73 and 0.70–0.75.
     * Inside ResNet-18, weights from memory, its three 512-channel 3x3 layers took 0.92–0.95 of
     * their im2col time on one thread and 0.92–0.94 on two (the undisturbed one of two pairs of runs).
     * All before the packing of {@code V_ξᵀ} two panels and depths per pair of vectors, which took
     * the products to about 0.85 of their time.
     */
    static boolean transposesProducts(long tiles, int mr, int nr) {
        return tiles < 2L * nr && tiles % mr == 0;
    }

    /** Whether U is packed as the products' B ({@link #transposesProducts}) rather than their A. */
    boolean transposedProducts() {
        return transposedProducts;
    }

    /**
     * The transformed weights {@code U_ξ[oc][c] = (G g Gᵀ)_ξ} for every filter g and output tile side
     * {@code m}, ξ = (m + 2)·i + j | weights {@code [OC][C][3][3]} | written into {@code into}
     * ({@code (m+2)²·OC·C} floats), or a new array when it is null or not that long.
     */
    static float[] transformWeights(ConvParams p, float[] weights, int m, float[] into) {
        int oc = p.outChannels();
        int c = p.inChannels();
        int size = p.arrayLength("Winograd's U" + EXACT_PATH_HINT, (long) (m + 2) * (m + 2) * oc * c);
        float[] u = into != null && into.length == size ? into : new float[size];
        if (m == 4) {
            transformWeights4(weights, oc, c, u);
            return u;
        }
        for (int o = 0; o < oc; o++) {
            for (int i = 0; i < c; i++) {
                int g = (o * c + i) * 9;
                for (int row = 0; row < 4; row++) {
                    // (G g) row: G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]] applied down each column k.
                    float t0 = gRow(weights, g, row, 0);
                    float t1 = gRow(weights, g, row, 1);
                    float t2 = gRow(weights, g, row, 2);
                    int at = (row * 4 * oc + o) * c + i; // ξ = 4·row + col
                    u[at] = t0;
                    u[at + oc * c] = 0.5f * (t0 + t1 + t2);
                    u[at + 2 * oc * c] = 0.5f * (t0 - t1 + t2);
                    u[at + 3 * oc * c] = t2;
                }
            }
        }
        return u;
    }

    /** F(4x4, 3x3)'s G (6x3), interpolation points 0, ±1, ±2 and ∞. */
    private static final double[][] G4 = {
        {1 / 4.0, 0, 0},
        {-1 / 6.0, -1 / 6.0, -1 / 6.0},
        {-1 / 6.0, 1 / 6.0, -1 / 6.0},
        {1 / 24.0, 1 / 12.0, 1 / 6.0},
        {1 / 24.0, -1 / 12.0, 1 / 6.0},
        {0, 0, 1},
    };

    /** U_ξ = G g Gᵀ for m = 4, in double and rounded once: the fractions of G are not exact in float. */
    private static void transformWeights4(float[] weights, int oc, int c, float[] u) {
        double[] gg = new double[18];
        for (int o = 0; o < oc; o++) {
            for (int i = 0; i < c; i++) {
                int g = (o * c + i) * 9;
                for (int r = 0; r < 6; r++) {
                    for (int k = 0; k < 3; k++) {
                        gg[r * 3 + k] = G4[r][0] * weights[g + k] + G4[r][1] * weights[g + 3 + k] + G4[r][2] * weights[g + 6 + k];
                    }
                }
                for (int r = 0; r < 6; r++) {
                    for (int col = 0; col < 6; col++) {
                        double e = gg[r * 3] * G4[col][0] + gg[r * 3 + 1] * G4[col][1] + gg[r * 3 + 2] * G4[col][2];
                        u[((r * 6 + col) * oc + o) * c + i] = (float) e;
                    }
                }
            }
        }
    }

    /** Row {@code row} of {@code G g}, column k, for the filter at g. */
    private static float gRow(float[] weights, int g, int row, int k) {
        float g0 = weights[g + k];
        float g1 = weights[g + 3 + k];
        float g2 = weights[g + 6 + k];
        return switch (row) {
            case 0 -> g0;
            case 1 -> 0.5f * (g0 + g1 + g2);
            case 2 -> 0.5f * (g0 - g1 + g2);
            default -> g2;
        };
    }

    /**
     * y := clamp(conv(x) + bias) for one image, U from {@link #transformWeights} packed per ξ as A | x:
     * {@code C×h×w} at xOff; y: {@code OC×oh×ow} at yOff; bias null for none | y must not alias x |
     * allocates nothing.
     */
    void forward(PackedOperand[] u, float[] x, int xOff, Sgemm gemm, float[] bias, float min, float max, float[] y, int yOff) {
        int c = p.inChannels();
        int oc = p.outChannels();
        this.x = x;
        this.xOff = xOff;
        this.y = y;
        this.yOff = yOff;
        this.bias = bias;
        this.min = min;
        this.max = max;
        this.u = u;
        this.gemm = gemm;
        int threads = gemm.pool().idleParallelism();
        bands = m == 2 && tileRows >= BAND_MIN_TILE_ROWS ? threads : 1;
        borrowTransforms();
        try {
            if (bands > 1) {
                phase = BANDS;
                gemm.pool().parallelFor(bands, this);
                return;
            }
            runPhase(INPUT, c);
            for (passFirst = 0; passFirst < oc; passFirst += passRows) {
                passCount = Math.min(passRows, oc - passFirst);
                runPhase(PRODUCTS, products);
                runPhase(OUTPUT, passCount);
            }
        } finally {
            returnTransforms();
            this.x = this.y = this.bias = null;
            this.u = null;
            this.gemm = null;
        }
    }

    /**
     * V and M for the call in flight, from the arena of the GEMM's pool: every layer on that pool
     * reuses the same memory (contents unspecified: each call writes what it reads, and the output
     * transform's reads past M's last row feed only lanes it discards).
     */
    private void borrowTransforms() {
        FloatArena arena = gemm.pool().arena();
        v = arena.take(bands > 1
                ? p.arrayLength("Winograd's V" + EXACT_PATH_HINT, Math.max(vLength, bandOffset(bands, p.inChannels())))
                : vLength);
        mt = arena.take(bands > 1
                ? p.arrayLength("Winograd's M" + EXACT_PATH_HINT, Math.max(mLength, bandOffset(bands, passRows) + L))
                : mLength);
    }

    /**
     * Tile rows from which two or more threads run the forward pass in bands ({@link #forwardBand}):
     * a 56x56 map's (at 28x28 and 14x14, two bands as separate problems took 0.95–1.06 of the whole
     * image's time: no gain worth the workspace slack).
     */
    private static final int BAND_MIN_TILE_ROWS = 28;

    /** The first tile row of band {@code band} of {@link #bands}. */
    private int bandRow(int band) {
        return (int) ((long) tileRows * band / bands);
    }

    /**
     * Where band {@code band}'s part of V (rows = input channels) or M (rows = a pass's output
     * channels) starts: each band's products lie together, {@code rows × its tiles} floats apart.
     */
    private long bandOffset(int band, int rows) {
        long at = 0;
        for (int b = 0; b < band; b++) {
            at += products * apart((long) rows * (bandRow(b + 1) - bandRow(b)) * tileCols);
        }
        return (int) at;
    }

    /**
     * Band {@code band} of {@link #bands}: its tile rows' input transform, products and output
     * transform, all on this thread, its V and M apart from the other bands'. On two threads the
     * whole-image phases move V from the thread that transformed a channel to those whose products
     * read it, and M back again; a band's thread reads only what it wrote. A tile's arithmetic is
     * the same either way: the same bits.
     */
    private void forwardBand(int band) {
        int firstRow = bandRow(band);
        int endRow = bandRow(band + 1);
        if (firstRow >= endRow) {
            return;
        }
        int first = firstRow * tileCols;
        int count = endRow * tileCols - first;
        int c = p.inChannels();
        int oc = p.outChannels();
        int vAt = (int) bandOffset(band, c); // within the length borrowTransforms checked
        int vApart = (int) apart((long) c * count);
        int mAt = (int) bandOffset(band, passRows);
        int mApart = (int) apart((long) passRows * count);
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            // tile row ty reads plane rows m·ty .. m·ty + m + 1
            int planeEnd = Math.min(scratch.plane.rows, m * endRow + 2);
            for (int channel = 0; channel < c; channel++) {
                transformInput(scratch.plane.load(x, xOff + channel * h * w, h, w, m * firstRow, planeEnd), scratch,
                        firstRow, endRow, v, vAt + channel * count - first, vApart);
            }
            for (int from = 0; from < oc; from += passRows) {
                int rows = Math.min(passRows, oc - from);
                for (int xi = 0; xi < products; xi++) {
                    gemm.gemm(u[xi], from, rows, Transpose.N, count, 1f, v, vAt + xi * vApart, count, 0f,
                            mt, mAt + xi * mApart, count, Epilogue.NONE, null, 0);
                }
                for (int row = 0; row < rows; row++) {
                    int o = from + row;
                    transformOutput(bias == null ? -0f : bias[o], scratch.rows, y, yOff + o * oh * ow, firstRow, endRow,
                            mAt + row * count - first, mApart);
                }
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /** Product ξ of the pass in flight as {@code Mᵀ_ξ = V_ξᵀ·U_ξᵀ} in this thread's scratch, then transposed into M. */
    private void productTransposed(int xi) {
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            float[] product = scratch.product(tiles * passRows);
            gemm.gemm(Transpose.T, tiles, 1f, v, xi * vStride, tiles, u[xi], passFirst, passCount, 0f, product, 0, passCount,
                    Epilogue.NONE, null, 0);
            Interleave.transpose(product, 0, passCount, tiles, passCount, mt, xi * mStride, tiles);
        } finally {
            idleScratch.give(scratch);
        }
    }

    private void returnTransforms() {
        FloatArena arena = gemm.pool().arena();
        arena.give(mt);
        arena.give(v);
        v = mt = null;
    }

    /**
     * Runs {@code phase} over its {@code items} (channels of a transform, or products) on the pool.
     * Channels are independent in the transforms (a vector past a channel's last tile goes through
     * the spill rows, {@link #unspill}); each task takes a run of neighbouring channels, about four
     * runs per thread ({@link ThreadPool#runLength}): channels dealt out one by one put
     * neighbours on different cores, and on small maps neighbours share the cache lines they write
     * (a 7x7 map's V rows are 96 bytes), so the input transform of ResNet's 512-channel 7x7 layer
     * took three times as long on two threads as on one.
     */
    private void runPhase(int phase, int items) {
        this.phase = phase;
        boolean transform = phase == INPUT || phase == OUTPUT;
        phaseItems = items;
        perTask = transform ? gemm.pool().runLength(items) : 1;
        gemm.pool().parallelFor((items + perTask - 1) / perTask, this);
    }

    /**
     * Product ξ = {@code task} (its GEMM runs on this thread: the (m+2)² products keep all threads
     * busy without a fork and join per product), or a run of channels transformed.
     */
    @Override
    public void run(int task) {
        int c = p.inChannels();
        if (phase == BANDS) {
            forwardBand(task);
            return;
        }
        if (phase == PRODUCTS) {
            if (transposedProducts) {
                productTransposed(task);
            } else {
                gemm.gemm(u[task], passFirst, passCount, Transpose.N, tiles, 1f, v, task * vStride, tiles, 0f,
                        mt, task * mStride, tiles, Epilogue.NONE, null, 0);
            }
            return;
        }
        if (phase == GRADIENT_PASSES) {
            gradientPasses(task);
            return;
        }
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            if (phase == PACKED_INPUT) {
                packInputBand(task, scratch);
                return;
            }
            for (int channel = task * perTask, end = Math.min(phaseItems, channel + perTask); channel < end; channel++) {
                transform(channel, scratch);
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /**
     * Channel {@code channel} of the transform phase in flight: of the pass in flight for the phases
     * that read or write M (its row there), else of the layer.
     */
    private void transform(int channel, Scratch scratch) {
        int o = passFirst + channel;
        if (phase == OUTPUT && m == 4) {
            transformOutput4(channel, bias == null ? -0f : bias[o], scratch, y, yOff + o * oh * ow);
        } else if (phase == OUTPUT) {
            transformOutput(bias == null ? -0f : bias[o], scratch.rows, y, yOff + o * oh * ow, 0, tileRows, channel * tiles, mStride);
        } else if (m == 4) {
            transformInput4(scratch.plane.load(x, xOff + channel * h * w, h, w), scratch, channel);
        } else if (tileIndex != null) {
            transformInputGathered(scratch.plane.load(x, xOff + channel * h * w, h, w), scratch.plane, channel * tiles);
        } else {
            transformInput(scratch.plane.load(x, xOff + channel * h * w, h, w), scratch, 0, tileRows, v, channel * tiles, vStride);
        }
    }

    /**
     * V_ξ[c][tile] := (Bᵀ d B)_ξ for every tile of one input channel (m = 2) at once, a lane per
     * tile: each of d's 16 elements one gather through {@link #tileIndex}, each ξ's row one store.
     * For maps of exactly one vector of tiles (7x7 on 16 lanes), where {@link #transformInput}'s
     * vectors along a tile row hold tileCols of their L lanes (4 of 16) and three of its four rows
     * spill: ResNet's 512-channel 7x7 layer's input transform took 68 µs a call against 127–131
     * (one thread, same hour). The butterfly is {@link #transformInput}'s, written out again: with
     * both loads in one method (a load helper choosing, or gathers through an identity table for
     * the plain rows) the 7x7 layer took 1.6–1.9× as long, or 256→256 at 14x14 1.1× — vectors
     * cannot be handed to a shared helper without C2 boxing them.
     */
    private void transformInputGathered(float[] pl, StridedPlane plane, int rowAt) {
        int rs = plane.rowStride;
        int ph = plane.phase;
        int[] index = tileIndex;
        // d[i][j] of every tile: padded row 2·ty + i, column 2·tx + j at phase j mod 2, slot tx + j/2
        FloatVector a0 = FloatVector.fromArray(S, pl, 0, index, 0), a1 = FloatVector.fromArray(S, pl, ph, index, 0);
        FloatVector a2 = FloatVector.fromArray(S, pl, 1, index, 0), a3 = FloatVector.fromArray(S, pl, ph + 1, index, 0);
        FloatVector b0 = FloatVector.fromArray(S, pl, rs, index, 0), b1 = FloatVector.fromArray(S, pl, rs + ph, index, 0);
        FloatVector b2 = FloatVector.fromArray(S, pl, rs + 1, index, 0), b3 = FloatVector.fromArray(S, pl, rs + ph + 1, index, 0);
        FloatVector c0 = FloatVector.fromArray(S, pl, 2 * rs, index, 0), c1 = FloatVector.fromArray(S, pl, 2 * rs + ph, index, 0);
        FloatVector c2 = FloatVector.fromArray(S, pl, 2 * rs + 1, index, 0), c3 = FloatVector.fromArray(S, pl, 2 * rs + ph + 1, index, 0);
        FloatVector e0 = FloatVector.fromArray(S, pl, 3 * rs, index, 0), e1 = FloatVector.fromArray(S, pl, 3 * rs + ph, index, 0);
        FloatVector e2 = FloatVector.fromArray(S, pl, 3 * rs + 1, index, 0), e3 = FloatVector.fromArray(S, pl, 3 * rs + ph + 1, index, 0);
        FloatVector a0j = a0.sub(a2), b0j = b0.sub(b2), c0j = c0.sub(c2), e0j = e0.sub(e2);
        FloatVector a1j = a1.add(a2), b1j = b1.add(b2), c1j = c1.add(c2), e1j = e1.add(e2);
        FloatVector a2j = a2.sub(a1), b2j = b2.sub(b1), c2j = c2.sub(c1), e2j = e2.sub(e1);
        FloatVector a3j = a1.sub(a3), b3j = b1.sub(b3), c3j = c1.sub(c3), e3j = e1.sub(e3);
        int stride = vStride;
        a0j.sub(c0j).intoArray(v, rowAt);
        a1j.sub(c1j).intoArray(v, rowAt + stride);
        a2j.sub(c2j).intoArray(v, rowAt + 2 * stride);
        a3j.sub(c3j).intoArray(v, rowAt + 3 * stride);
        b0j.add(c0j).intoArray(v, rowAt + 4 * stride);
        b1j.add(c1j).intoArray(v, rowAt + 5 * stride);
        b2j.add(c2j).intoArray(v, rowAt + 6 * stride);
        b3j.add(c3j).intoArray(v, rowAt + 7 * stride);
        c0j.sub(b0j).intoArray(v, rowAt + 8 * stride);
        c1j.sub(b1j).intoArray(v, rowAt + 9 * stride);
        c2j.sub(b2j).intoArray(v, rowAt + 10 * stride);
        c3j.sub(b3j).intoArray(v, rowAt + 11 * stride);
        b0j.sub(e0j).intoArray(v, rowAt + 12 * stride);
        b1j.sub(e1j).intoArray(v, rowAt + 13 * stride);
        b2j.sub(e2j).intoArray(v, rowAt + 14 * stride);
        b3j.sub(e3j).intoArray(v, rowAt + 15 * stride);
    }

    /**
     * dw := dw·(accumulate ? 1 : 0) + the weight gradient of one image through F(2x2, 3x3): in the
     * transformed domain {@code dU_ξ[oc][c] := Σ_tiles dM_ξ[oc][tile]·V_ξ[c][tile]}, where V is the
     * forward pass's input transform and {@code dM = A·dY·Aᵀ} each output tile's gradient sent back
     * through the output transform (the adjoint of {@code Y = Aᵀ·M·A}; outputs past the image have
     * none), then each filter's {@code Gᵀ·dU·G} (the adjoint of {@code U = G·g·Gᵀ}). 16 products of
     * output × input channels summed over tiles, against im2col's output channels × 9·input channels
     * over pixels: 2.25× fewer multiply-adds.
     *
     * <p>V's products are packed once ({@code V_ξᵀ}, the GEMM's B panels), band by band as they are
     * made ({@link #packInputBand}), into memory the arena lends for the call, so the layer keeps
     * no array of its own for it (16·T·C floats: 3.2 MB on 64→64 at 56x56, per Winograd layer of a
     * network). On one layer alone that moves, rather than shrinks, the cost of writing memory the
     * last step left cold: in the minutes when another guest's memory traffic slows this shared
     * host, packing into the layer's own arrays took 4.4× as long (summed over two threads on
     * 64→64 at 56x56: 108 → 481 µs; its transform, reading x, 102 → 121); packed into the arena's,
     * the weight gradient took 1.38 of dx's time there against 1.66 — and the next forward pass 1.41
     * against 1.09, the step the same (two threads, slow windows of 12 minutes of alternated JVMs,
     * medians); 128→128 at 28x28 dw 1.44 → 1.38, forward 0.99 → 1.08; 256→256 at 14x14 dw 1.35 →
     * 1.41; quiet, all within 2%.
     * Then each task takes
     * whole passes of {@link #gradientRows} output channels, one after another in its own
     * slot of scratch: their dM, their 16 products and their filters' transform, with no join
     * between. A pass's dU (16/9 of its dw) is sent back to 3x3 while it is still in L2: dU for all
     * channels at once, 16·OC·C floats (16 MB for 512→512), went out to memory and back, and made
     * the F(2x2) weight gradient lose to im2col's on maps of fewer than 80 tiles; in passes with a
     * join between the phases (and V's panels packed again by each pass's products) it lost on
     * two threads on 384→384 at 13x13. The batch is summed in dw, image by image.
     * x: {@code C×h×w} at xOff; dy: {@code OC×oh×ow} at dyOff; dw: {@code [OC][C][3][3]} at dwOff
     * | allocates nothing once V's packed panels and each thread's band exist (the first calls make them).
     */
    void backwardWeights(float[] x, int xOff, float[] dy, int dyOff, Sgemm gemm, boolean accumulate, float[] dw,
            int dwOff) {
        if (m != 2) {
            throw new IllegalStateException("conv " + p + ": the Winograd weight gradient is F(2x2) only");
        }
        this.x = x;
        this.xOff = xOff;
        this.dy = dy;
        this.dyOff = dyOff;
        this.gemm = gemm;
        this.dw = dw;
        this.dwOff = dwOff;
        this.accumulate = accumulate;
        FloatArena arena = gemm.pool().arena();
        long packing = apart(gemm.packedFloats(tiles, p.inChannels()));
        float[] packedInput = arena.take(p.arrayLength("the Winograd weight gradient's packed input" + EXACT_PATH_HINT,
                products * packing));
        try {
            for (int xi = 0; xi < products; xi++) {
                // within the products · packing floats arrayLength let through
                packedV[xi] = gemm.packedB(tiles, p.inChannels(), packedInput, (int) (xi * packing), packedV[xi]);
            }
            phase = PACKED_INPUT;
            gemm.pool().parallelFor((p.inChannels() + nr - 1) / nr * inputBands, this);
            int oc = p.outChannels();
            int threads = gemm.pool().parallelism();
            gradientRows = Math.min(gradientPassRows, ((oc + threads - 1) / threads + mr - 1) / mr * mr);
            int passes = (oc + gradientRows - 1) / gradientRows;
            gradientSlots = Math.min(passes, threads);
            passScratch = arena.take(p.arrayLength("the Winograd weight gradient's passes" + EXACT_PATH_HINT,
                    (long) gradientSlots * gradientSlotFloats()));
            try {
                phase = GRADIENT_PASSES;
                gemm.pool().parallelFor(gradientSlots, this);
            } finally {
                arena.give(passScratch);
                passScratch = null;
            }
        } finally {
            arena.give(packedInput);
            this.x = this.dy = this.dw = null;
            this.gemm = null;
        }
    }

    /**
     * Task {@code task} of the weight gradient's packed input ({@link #backwardWeights}): V_ξᵀ of one
     * panel of NR input channels over one band of tile rows, transformed into scratch and packed from
     * there into {@link #packedV} while it is still in cache. Transforming all of V into the arena
     * and packing it in a second phase wrote and read V whole (3.2 MB on 64→64 at 56x56): on this
     * shared host, in the minutes when another guest's memory traffic slows every pass, that
     * layer's weight gradient took 817 µs on two threads against 717 this way (medians, alternated
     * JVMs; 417 both when quiet), its bwd/fwd 2.65 against 2.44; one thread, quiet, the same.
     */
    private void packInputBand(int task, Scratch scratch) {
        int first = task / inputBands * nr;
        int channels = Math.min(nr, p.inChannels() - first);
        int firstRow = task % inputBands * inputBandRows;
        int endRow = Math.min(tileRows, firstRow + inputBandRows);
        int bandTiles = (endRow - firstRow) * tileCols;
        float[] band = scratch.inputBand(products * nr * inputBandRows * tileCols);
        int apart = channels * bandTiles; // from V_ξ to V_ξ+1 in the band
        for (int channel = 0; channel < channels; channel++) {
            // tile row ty reads plane rows 2·ty .. 2·ty + 3
            float[] pl = scratch.plane.load(x, xOff + (first + channel) * h * w, h, w, 2 * firstRow, 2 * endRow + 2);
            transformInput(pl, scratch, firstRow, endRow, band, channel * bandTiles - firstRow * tileCols, apart);
        }
        for (int xi = 0; xi < products; xi++) {
            gemm.packB(Transpose.T, band, xi * apart, bandTiles, firstRow * tileCols, bandTiles, first, channels, packedV[xi]);
        }
    }

    /** One slot's floats: a pass's dM ({@code [16][rows][tiles]}, products dmStride apart) then its dU ({@code [rows][16][C]}). */
    private long gradientSlotFloats() {
        return 16L * dmStride() + 16L * gradientRows * p.inChannels();
    }

    private int dmStride() {
        return (int) apart((long) gradientRows * tiles);
    }

    /** Passes slot, slot + slots, … of {@link #backwardWeights}, in slot {@code slot} of its scratch. */
    private void gradientPasses(int slot) {
        int c = p.inChannels();
        int dmStride = dmStride();
        int dmAt = (int) (slot * gradientSlotFloats());
        int duAt = dmAt + 16 * dmStride;
        float[] scratchFloats = passScratch;
        Scratch scratch = idleScratch.take();
        if (scratch == null) {
            scratch = new Scratch();
        }
        try {
            for (int first = slot * gradientRows; first < p.outChannels(); first += gradientSlots * gradientRows) {
                int rows = Math.min(gradientRows, p.outChannels() - first);
                for (int row = 0; row < rows; row++) {
                    transformGradient(row, first + row, scratch, scratchFloats, dmAt, dmStride);
                }
                // dU_ξ := dM_ξ·V_ξᵀ: the pass's output channels × input channels, summed over the
                // tiles, into rows 16·C apart (dU's layout: see filterGradients)
                for (int xi = 0; xi < products; xi++) {
                    gemm.gemm(Transpose.N, rows, 1f, scratchFloats, dmAt + xi * dmStride, tiles, packedV[xi], 0f,
                            scratchFloats, duAt + xi * c, 16 * c, Epilogue.NONE, null, 0);
                }
                for (int row = 0; row < rows; row++) {
                    filterGradients(scratchFloats, duAt + row * 16 * c, first + row, scratch);
                }
            }
        } finally {
            idleScratch.give(scratch);
        }
    }

    /**
     * dM_ξ[row][tiles] := (A·dY_tile·Aᵀ)_ξ for every tile of output channel o (m = 2), into row
     * {@code row} of the matrices at {@code dm[dmAt + ξ·dmStride]}: with A's rows (1, 0), (1, 1),
     * (1, −1), (0, −1), a tile's gradient [[a, b], [c, d]] becomes rows (a, b), (a + c, b + d),
     * (a − c, b − d), (−c, −d), each row (p, q) then (p, p + q, p − q, −q).
     */
    private void transformGradient(int row, int o, Scratch scratch, float[] dm, int dmAt, int dmStride) {
        if (scratch.gradientPlane == null) {
            scratch.gradientPlane = new StridedPlane(2 * tileRows, 2 * roundedCols, 2, 0, 0);
        }
        StridedPlane plane = scratch.gradientPlane;
        float[] pl = plane.load(dy, dyOff + o * oh * ow, oh, ow);
        int rs = plane.rowStride;
        int ph = plane.phase;
        int rowAt = dmAt + row * tiles;
        int rowStride = dmStride; // from dM_ξ to dM_ξ+1
        float[] spill = scratch.spill;
        for (int ty = 0; ty < tileRows; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                // Even columns at phase 0, odd at phase 1; a vector's lanes past the row's last tile
                // land on the next row's first tiles, rewritten when that row comes (past the last
                // tile: the vector goes through the spill rows).
                int tile = ty * tileCols + tx;
                boolean spills = tile + L > tiles;
                float[] to = spills ? spill : dm;
                int at = spills ? 0 : rowAt + tile;
                int stride = spills ? L : rowStride;
                int r0 = 2 * ty * rs + tx;
                int r1 = r0 + rs;
                FloatVector a = FloatVector.fromArray(S, pl, r0), b = FloatVector.fromArray(S, pl, r0 + ph);
                FloatVector c = FloatVector.fromArray(S, pl, r1), d = FloatVector.fromArray(S, pl, r1 + ph);
                FloatVector p1 = a.add(c), q1 = b.add(d), p2 = a.sub(c), q2 = b.sub(d);
                FloatVector p3 = c.neg(), q3 = d.neg();
                a.intoArray(to, at);
                a.add(b).intoArray(to, at + stride);
                a.sub(b).intoArray(to, at + 2 * stride);
                b.neg().intoArray(to, at + 3 * stride);
                p1.intoArray(to, at + 4 * stride);
                p1.add(q1).intoArray(to, at + 5 * stride);
                p1.sub(q1).intoArray(to, at + 6 * stride);
                q1.neg().intoArray(to, at + 7 * stride);
                p2.intoArray(to, at + 8 * stride);
                p2.add(q2).intoArray(to, at + 9 * stride);
                p2.sub(q2).intoArray(to, at + 10 * stride);
                q2.neg().intoArray(to, at + 11 * stride);
                p3.intoArray(to, at + 12 * stride);
                p3.add(q3).intoArray(to, at + 13 * stride);
                p3.sub(q3).intoArray(to, at + 14 * stride);
                q3.neg().intoArray(to, at + 15 * stride);
                if (spills) {
                    unspill(spill, products, tiles - tile, dm, rowAt + tile, rowStride);
                }
            }
        }
    }

    /**
     * dw (+)= Gᵀ·dU·G for the filters of output channel o, whose dU ({@code [16][C]}) is at
     * {@code du[duAt]} ({@link #backwardWeights}) | dw: {@code [OC][C][3][3]} at dwOff.
     *
     * <p>Gᵀ's rows are (1, ½, ½, 0), (0, ½, −½, 0), (0, ½, ½, 1): each output is dU's elements
     * times 1, ½ or ¼, added in float (up to eight additions, each rounded, against the tiles'
     * sum of dozens or hundreds behind every element of dU).
     *
     * <p>dU is laid out output channel by output channel, its 16 products a row of C apart, so the
     * filters of one output channel read one contiguous block: laid out product by product, a
     * filter's 16 elements were 16 streams a whole OC·C slice apart, the same cache set in L1 and L2
     * for 256→256 channels, and the pass took 3.0 ms (one thread, scalar, this machine). A vector of
     * L filters goes at a time, its nine outputs collected in a scratch row per tap, then written out
     * filter by filter (gathered a vector at a time, or transposed in registers and stored a filter
     * at a time under a mask, 256→256 at 14x14 took 4–10% longer).
     */
    private void filterGradients(float[] du, int duAt, int o, Scratch scratch) {
        int c = p.inChannels();
        float[] columns = scratch.filterColumns;
        float[] rows = scratch.filterRows;
        for (int ci = 0; ci < c; ci += L) {
            int filters = Math.min(L, c - ci);
            int at = duAt + ci;
            // Gᵀ·dU: column col of dU (products col, 4 + col, 8 + col, 12 + col) to column col of
            // the 3x4 result, whose rows lie 4·L apart
            for (int col = 0; col < 4; col++) {
                gTransposedTimes(du, at + col * c, 4 * c, filters, columns, col * L, 4 * L);
            }
            // (Gᵀ·dU)·G: row kh of it to taps 3·kh .. 3·kh + 2
            for (int kh = 0; kh < 3; kh++) {
                gTransposedTimes(columns, 4 * kh * L, L, L, rows, 3 * kh * L, L);
            }
            int to = dwOff + (o * c + ci) * 9;
            if (accumulate) {
                for (int lane = 0; lane < filters; lane++) {
                    for (int tap = 0; tap < 9; tap++, to++) {
                        dw[to] += rows[tap * L + lane];
                    }
                }
            } else {
                for (int lane = 0; lane < filters; lane++) {
                    for (int tap = 0; tap < 9; tap++, to++) {
                        dw[to] = rows[tap * L + lane];
                    }
                }
            }
        }
    }

    /**
     * {@code Gᵀ·x = (x0 + ½(x1 + x2), ½(x1 − x2), ½(x1 + x2) + x3)} for the vectors
     * {@code x_r = src[at + r·stride]}, their first {@code lanes} lanes read (the rest zero), written
     * at {@code dst[to + j·toStride]}.
     */
    private static void gTransposedTimes(float[] src, int at, int stride, int lanes, float[] dst, int to, int toStride) {
        FloatVector x0, x1, x2, x3;
        if (lanes == L) {
            x0 = FloatVector.fromArray(S, src, at);
            x1 = FloatVector.fromArray(S, src, at + stride);
            x2 = FloatVector.fromArray(S, src, at + 2 * stride);
            x3 = FloatVector.fromArray(S, src, at + 3 * stride);
        } else {
            VectorMask<Float> in = S.indexInRange(0, lanes);
            x0 = FloatVector.fromArray(S, src, at, in);
            x1 = FloatVector.fromArray(S, src, at + stride, in);
            x2 = FloatVector.fromArray(S, src, at + 2 * stride, in);
            x3 = FloatVector.fromArray(S, src, at + 3 * stride, in);
        }
        FloatVector half = x1.add(x2).mul(0.5f);
        x0.add(half).intoArray(dst, to);
        x1.sub(x2).mul(0.5f).intoArray(dst, to + toStride);
        half.add(x3).intoArray(dst, to + 2 * toStride);
    }

    /**
     * V_ξ[c][tile] := (Bᵀ d B)_ξ for the tiles of one input channel in tile rows [firstRow, endRow)
     * (m = 2), tile t's at {@code dst[rowAt + t + ξ·rowStride]}; a vector reaching past the last of
     * them goes through the spill rows, so nothing past them is written (another channel's or band's).
     */
    private void transformInput(float[] pl, Scratch scratch, int firstRow, int endRow, float[] dst, int rowAt,
                                int rowStride) {
        int rs = scratch.plane.rowStride;
        int ph = scratch.plane.phase;
        float[] spill = scratch.spill;
        int end = endRow * tileCols;
        for (int ty = firstRow; ty < endRow; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                int tile = ty * tileCols + tx;
                boolean spills = tile + L > end;
                float[] to = spills ? spill : dst;
                int at = spills ? 0 : rowAt + tile;
                int stride = spills ? L : rowStride;
                // Padded column 2·tile + j lives at phase j mod 2, slot tile + j/2.
                int r0 = 2 * ty * rs + tx;
                int r1 = r0 + rs;
                int r2 = r1 + rs;
                int r3 = r2 + rs;
                // d·B per row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
                FloatVector a0 = FloatVector.fromArray(S, pl, r0), a1 = FloatVector.fromArray(S, pl, r0 + ph);
                FloatVector a2 = FloatVector.fromArray(S, pl, r0 + 1), a3 = FloatVector.fromArray(S, pl, r0 + ph + 1);
                FloatVector b0 = FloatVector.fromArray(S, pl, r1), b1 = FloatVector.fromArray(S, pl, r1 + ph);
                FloatVector b2 = FloatVector.fromArray(S, pl, r1 + 1), b3 = FloatVector.fromArray(S, pl, r1 + ph + 1);
                FloatVector c0 = FloatVector.fromArray(S, pl, r2), c1 = FloatVector.fromArray(S, pl, r2 + ph);
                FloatVector c2 = FloatVector.fromArray(S, pl, r2 + 1), c3 = FloatVector.fromArray(S, pl, r2 + ph + 1);
                FloatVector e0 = FloatVector.fromArray(S, pl, r3), e1 = FloatVector.fromArray(S, pl, r3 + ph);
                FloatVector e2 = FloatVector.fromArray(S, pl, r3 + 1), e3 = FloatVector.fromArray(S, pl, r3 + ph + 1);
                // Columns j of d·B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3) in each row
                FloatVector a0j = a0.sub(a2), b0j = b0.sub(b2), c0j = c0.sub(c2), e0j = e0.sub(e2);
                FloatVector a1j = a1.add(a2), b1j = b1.add(b2), c1j = c1.add(c2), e1j = e1.add(e2);
                FloatVector a2j = a2.sub(a1), b2j = b2.sub(b1), c2j = c2.sub(c1), e2j = e2.sub(e1);
                FloatVector a3j = a1.sub(a3), b3j = b1.sub(b3), c3j = c1.sub(c3), e3j = e1.sub(e3);
                // Bᵀ·(d·B): rows (r0 − r2, r1 + r2, r2 − r1, r1 − r3); V[i][j] at ξ = 4i + j. Written
                // out rather than through a helper: vectors passed to a method C2 does not inline are boxed.
                a0j.sub(c0j).intoArray(to, at);
                a1j.sub(c1j).intoArray(to, at + stride);
                a2j.sub(c2j).intoArray(to, at + 2 * stride);
                a3j.sub(c3j).intoArray(to, at + 3 * stride);
                b0j.add(c0j).intoArray(to, at + 4 * stride);
                b1j.add(c1j).intoArray(to, at + 5 * stride);
                b2j.add(c2j).intoArray(to, at + 6 * stride);
                b3j.add(c3j).intoArray(to, at + 7 * stride);
                c0j.sub(b0j).intoArray(to, at + 8 * stride);
                c1j.sub(b1j).intoArray(to, at + 9 * stride);
                c2j.sub(b2j).intoArray(to, at + 10 * stride);
                c3j.sub(b3j).intoArray(to, at + 11 * stride);
                b0j.sub(e0j).intoArray(to, at + 12 * stride);
                b1j.sub(e1j).intoArray(to, at + 13 * stride);
                b2j.sub(e2j).intoArray(to, at + 14 * stride);
                b3j.sub(e3j).intoArray(to, at + 15 * stride);
                if (spills) {
                    unspill(spill, products, end - tile, dst, rowAt + tile, rowStride);
                }
            }
        }
    }

    /**
     * The first {@code lanes} floats of each of the {@code rows} spill rows (L apart) to
     * {@code dst[at + r·stride]}: a transform's vector that reaches past a channel's last tile
     * writes the spill rows instead, so V and M need no slack between channels (each channel's row
     * is exactly its tiles) and no task writes into another's channel.
     */
    private static void unspill(float[] spill, int rows, int lanes, float[] dst, int at, int stride) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(spill, r * L, dst, at + r * stride, lanes);
        }
    }

    /**
     * y's channel at yOff := clamp(Aᵀ M A + bias) over the tiles in tile rows [firstRow, endRow)
     * (m = 2), tile t's M_ξ at {@code mt[rowAt + t + ξ·stride]} from the GEMMs.
     */
    private void transformOutput(float bias, float[] rows, float[] y, int yOff, int firstRow, int endRow, int rowAt,
                                 int stride) {
        int half = rows.length / 2;
        for (int ty = firstRow; ty < endRow; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                int at = rowAt + ty * tileCols + tx;
                // M[i][j] at ξ = 4i + j
                FloatVector m00 = FloatVector.fromArray(S, mt, at), m01 = FloatVector.fromArray(S, mt, at + stride), m02 = FloatVector.fromArray(S, mt, at + 2 * stride), m03 = FloatVector.fromArray(S, mt, at + 3 * stride);
                FloatVector m10 = FloatVector.fromArray(S, mt, at + 4 * stride), m11 = FloatVector.fromArray(S, mt, at + 5 * stride), m12 = FloatVector.fromArray(S, mt, at + 6 * stride), m13 = FloatVector.fromArray(S, mt, at + 7 * stride);
                FloatVector m20 = FloatVector.fromArray(S, mt, at + 8 * stride), m21 = FloatVector.fromArray(S, mt, at + 9 * stride), m22 = FloatVector.fromArray(S, mt, at + 10 * stride), m23 = FloatVector.fromArray(S, mt, at + 11 * stride);
                FloatVector m30 = FloatVector.fromArray(S, mt, at + 12 * stride), m31 = FloatVector.fromArray(S, mt, at + 13 * stride), m32 = FloatVector.fromArray(S, mt, at + 14 * stride), m33 = FloatVector.fromArray(S, mt, at + 15 * stride);
                // Aᵀ·M: rows (m0 + m1 + m2, m1 − m2 − m3) per column j
                FloatVector s00 = m00.add(m10).add(m20), s10 = m10.sub(m20).sub(m30);
                FloatVector s01 = m01.add(m11).add(m21), s11 = m11.sub(m21).sub(m31);
                FloatVector s02 = m02.add(m12).add(m22), s12 = m12.sub(m22).sub(m32);
                FloatVector s03 = m03.add(m13).add(m23), s13 = m13.sub(m23).sub(m33);
                // (Aᵀ·M)·A: columns (s0 + s1 + s2, s1 − s2 − s3), then bias and clamp
                FloatVector y00 = s00.add(s01).add(s02).add(bias).max(min).min(max);
                FloatVector y01 = s01.sub(s02).sub(s03).add(bias).max(min).min(max);
                FloatVector y10 = s10.add(s11).add(s12).add(bias).max(min).min(max);
                FloatVector y11 = s11.sub(s12).sub(s13).add(bias).max(min).min(max);
                y00.rearrange(ZIP_LOW, y01).intoArray(rows, 2 * tx);
                y00.rearrange(ZIP_HIGH, y01).intoArray(rows, 2 * tx + L);
                y10.rearrange(ZIP_LOW, y11).intoArray(rows, half + 2 * tx);
                y10.rearrange(ZIP_HIGH, y11).intoArray(rows, half + 2 * tx + L);
            }
            System.arraycopy(rows, 0, y, yOff + 2 * ty * ow, ow);
            if (2 * ty + 1 < oh) {
                System.arraycopy(rows, half, y, yOff + (2 * ty + 1) * ow, ow);
            }
        }
    }

    /**
     * V_ξ[c][tiles] := (Bᵀ d B)_ξ for every 6x6 tile d of input channel c (m = 4), in two passes
     * through {@code between}: d·B row by row (six loads, six stores), then Bᵀ·(d·B) column by
     * column into V. Thirty-six vectors live at once otherwise — twice AVX-512's registers. The six
     * formulas are written out in both passes, as in F(2x2): vectors handed to a method C2 does not
     * inline are boxed.
     */
    private void transformInput4(float[] pl, Scratch scratch, int c) {
        float[] t = scratch.between;
        int rs = scratch.plane.rowStride;
        int ph = scratch.plane.phase;
        int rowAt = c * tiles;
        int rowStride = vStride; // from V_ξ to V_ξ+1
        float[] spill = scratch.spill;
        for (int ty = 0; ty < tileRows; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                for (int r = 0; r < 6; r++) {
                    // Padded column 4·tile + j lives at phase j mod 4, slot tile + j/4.
                    int at = (4 * ty + r) * rs + tx;
                    FloatVector d0 = FloatVector.fromArray(S, pl, at), d1 = FloatVector.fromArray(S, pl, at + ph);
                    FloatVector d2 = FloatVector.fromArray(S, pl, at + 2 * ph), d3 = FloatVector.fromArray(S, pl, at + 3 * ph);
                    FloatVector d4 = FloatVector.fromArray(S, pl, at + 1), d5 = FloatVector.fromArray(S, pl, at + ph + 1);
                    int o = r * 6 * L;
                    // Bᵀ rows: (4, 0, −5, 0, 1, 0), (0, −4, −4, 1, 1, 0), (0, 4, −4, −1, 1, 0),
                    // (0, −2, −1, 2, 1, 0), (0, 2, −1, −2, 1, 0), (0, 4, 0, −5, 0, 1)
                    FloatVector q = d4.sub(d2.mul(4f));
                    FloatVector e = d3.sub(d1.mul(4f));
                    FloatVector f = d4.sub(d2);
                    FloatVector g = d3.sub(d1).mul(2f);
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(t, o);
                    q.add(e).intoArray(t, o + L);
                    q.sub(e).intoArray(t, o + 2 * L);
                    f.add(g).intoArray(t, o + 3 * L);
                    f.sub(g).intoArray(t, o + 4 * L);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(t, o + 5 * L);
                }
                int tile = ty * tileCols + tx;
                boolean spills = tile + L > tiles;
                float[] to = spills ? spill : v;
                int at = spills ? 0 : rowAt + tile;
                int stride = spills ? L : rowStride;
                for (int j = 0; j < 6; j++) {
                    FloatVector d0 = FloatVector.fromArray(S, t, j * L), d1 = FloatVector.fromArray(S, t, (6 + j) * L);
                    FloatVector d2 = FloatVector.fromArray(S, t, (12 + j) * L), d3 = FloatVector.fromArray(S, t, (18 + j) * L);
                    FloatVector d4 = FloatVector.fromArray(S, t, (24 + j) * L), d5 = FloatVector.fromArray(S, t, (30 + j) * L);
                    FloatVector q = d4.sub(d2.mul(4f));
                    FloatVector e = d3.sub(d1.mul(4f));
                    FloatVector f = d4.sub(d2);
                    FloatVector g = d3.sub(d1).mul(2f);
                    int xi = at + j * stride; // ξ = 6i + j
                    d0.mul(4f).sub(d2.mul(5f)).add(d4).intoArray(to, xi);
                    q.add(e).intoArray(to, xi + 6 * stride);
                    q.sub(e).intoArray(to, xi + 12 * stride);
                    f.add(g).intoArray(to, xi + 18 * stride);
                    f.sub(g).intoArray(to, xi + 24 * stride);
                    d1.mul(4f).sub(d3.mul(5f)).add(d5).intoArray(to, xi + 30 * stride);
                }
                if (spills) {
                    unspill(spill, products, tiles - tile, v, rowAt + tile, rowStride);
                }
            }
        }
    }

    /**
     * y's channel at yOff := clamp(Aᵀ M A + bias) over every 4x4 tile (m = 4), from M's row
     * {@code row}: Aᵀ·M column by column into {@code between}, then (Aᵀ·M)·A row by row, the four
     * output columns of L tiles interleaved into output rows by two rounds of pairwise zips.
     */
    private void transformOutput4(int row, float bias, Scratch scratch, float[] y, int yOff) {
        float[] t = scratch.between;
        float[] rows = scratch.rows;
        int rowLength = 4 * roundedCols;
        int stride = mStride;
        for (int ty = 0; ty < tileRows; ty++) {
            for (int tx = 0; tx < tileCols; tx += L) {
                int at = row * tiles + ty * tileCols + tx;
                for (int j = 0; j < 6; j++) {
                    // Aᵀ rows: (1, 1, 1, 1, 1, 0), (0, 1, −1, 2, −2, 0), (0, 1, 1, 4, 4, 0), (0, 1, −1, 8, −8, 1)
                    int xi = at + j * stride; // ξ = 6i + j
                    FloatVector m0 = FloatVector.fromArray(S, mt, xi), m1 = FloatVector.fromArray(S, mt, xi + 6 * stride);
                    FloatVector m2 = FloatVector.fromArray(S, mt, xi + 12 * stride), m3 = FloatVector.fromArray(S, mt, xi + 18 * stride);
                    FloatVector m4 = FloatVector.fromArray(S, mt, xi + 24 * stride), m5 = FloatVector.fromArray(S, mt, xi + 30 * stride);
                    FloatVector sum12 = m1.add(m2), diff12 = m1.sub(m2);
                    FloatVector sum34 = m3.add(m4), diff34 = m3.sub(m4);
                    m0.add(sum12).add(sum34).intoArray(t, j * L);
                    diff12.add(diff34.mul(2f)).intoArray(t, (6 + j) * L);
                    sum12.add(sum34.mul(4f)).intoArray(t, (12 + j) * L);
                    diff12.add(diff34.mul(8f)).add(m5).intoArray(t, (18 + j) * L);
                }
                for (int i = 0; i < 4; i++) {
                    int r = i * 6 * L;
                    FloatVector m0 = FloatVector.fromArray(S, t, r), m1 = FloatVector.fromArray(S, t, r + L);
                    FloatVector m2 = FloatVector.fromArray(S, t, r + 2 * L), m3 = FloatVector.fromArray(S, t, r + 3 * L);
                    FloatVector m4 = FloatVector.fromArray(S, t, r + 4 * L), m5 = FloatVector.fromArray(S, t, r + 5 * L);
                    FloatVector sum12 = m1.add(m2), diff12 = m1.sub(m2);
                    FloatVector sum34 = m3.add(m4), diff34 = m3.sub(m4);
                    FloatVector y0 = m0.add(sum12).add(sum34).add(bias).max(min).min(max);
                    FloatVector y1 = diff12.add(diff34.mul(2f)).add(bias).max(min).min(max);
                    FloatVector y2 = sum12.add(sum34.mul(4f)).add(bias).max(min).min(max);
                    FloatVector y3 = diff12.add(diff34.mul(8f)).add(m5).add(bias).max(min).min(max);
                    // Lanes are tiles: zip (y0, y2) and (y1, y3), then those, to get y0 y1 y2 y3 per tile.
                    FloatVector a = y0.rearrange(ZIP_LOW, y2), b = y1.rearrange(ZIP_LOW, y3);
                    FloatVector c = y0.rearrange(ZIP_HIGH, y2), d = y1.rearrange(ZIP_HIGH, y3);
                    int out = i * rowLength + 4 * tx;
                    a.rearrange(ZIP_LOW, b).intoArray(rows, out);
                    a.rearrange(ZIP_HIGH, b).intoArray(rows, out + L);
                    c.rearrange(ZIP_LOW, d).intoArray(rows, out + 2 * L);
                    c.rearrange(ZIP_HIGH, d).intoArray(rows, out + 3 * L);
                }
            }
            for (int i = 0; i < 4 && 4 * ty + i < oh; i++) {
                System.arraycopy(rows, i * rowLength, y, yOff + (4 * ty + i) * ow, ow);
            }
        }
    }
}

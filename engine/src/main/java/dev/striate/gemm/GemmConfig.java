package dev.striate.gemm;

import dev.striate.simd.FloatSpecies;
import dev.striate.simd.VectorSupport;

import dev.striate.runtime.Tuning;

import java.util.Properties;

/**
 * The blocking of the GEMM: the micro-kernel's register tile (MR × NR) and the cache blocks
 * MC (rows of A packed per block, sized for L2), KC (depth of a packed panel) and NC (columns of B
 * packed per block, sized for L3) — BLIS's parameters.
 *
 * <p>{@link #defaults()} reads the system properties {@code striate.gemm.kernel},
 * {@code striate.gemm.mc}, {@code striate.gemm.kc} and {@code striate.gemm.nc}, so a JMH run can sweep
 * them without code changes. Without properties the defaults follow the vector width: on AVX2
 * (256-bit, 16 registers) the 3x3v tile (3 × 24 floats) measured best on the development machine
 * (AMD EPYC Zen 3; see {@code bench/README.md}); on 512-bit machines (32 registers) the 8x2v tile
 * (8 × 32), which took 0.89–0.94 of the time of BLIS's Skylake-X shape 6x2v on a 2-core Xeon (Emerald
 * Rapids). Cache blocks: MC {@value #DEFAULT_MC}, KC
 * {@value #DEFAULT_KC}, NC {@value #DEFAULT_NC}.
 *
 * <p>KC is deeper than BLIS's rule (a B micro-panel in L1: ~340 deep for 3x3v on a 32 KB L1): each
 * K block after the first reads C back and adds to it, and a product finished in one block takes
 * its epilogue inside the kernel ({@code runFinished}), while the B micro-panel streams from L2 at a
 * few bytes per cycle either way. Measured on Zen 3 (one thread, same-process A/B of the two
 * blockings, median time ratio KC 1024 / KC 512): 1024³ 0.95, 1536³ 0.96, 128×784×1152 0.96, ResNet's
 * 64×3136×576 0.98, AlexNet conv2's 256×729×2400 1.0; two threads 1024³ 0.95; on the AVX-512 Xeon
 * 0.94 at 1024³. Products with K ≤ 512 are unchanged.
 *
 * <p>MC is rounded down to a multiple of MR and NC to a multiple of NR (at least one tile each), so
 * block boundaries always fall on tile boundaries. Products shallower than MC take narrower column
 * blocks ({@link #columnBlock}).
 *
 * <p>Thread-safety: immutable.
 */
public final class GemmConfig {

    static final int DEFAULT_MC = 144;
    static final int DEFAULT_KC = 1024;
    static final int DEFAULT_NC = 4080;

    final MicroKernel kernel;
    private final String kernelShape;
    private final int mc;
    private final int kc;
    private final int nc;

    private GemmConfig(String kernelShape, int mc, int kc, int nc) {
        VectorSupport.require();
        this.kernel = MicroKernel.forShape(kernelShape);
        this.kernelShape = kernelShape;
        if (mc < 1 || kc < 1 || nc < 1) {
            throw new IllegalArgumentException("GEMM blocking must be positive: mc=" + mc + ", kc=" + kc + ", nc=" + nc);
        }
        this.mc = Math.max(kernel.mr, mc - mc % kernel.mr);
        this.kc = kc;
        this.nc = Math.max(kernel.nr, nc - nc % kernel.nr);
    }

    /**
     * A configuration with the given micro-kernel ({@code "3x3v"}, {@code "2x4v"}, {@code "6x2v"}, {@code "8x2v"} or {@code "7x3v"}:
     * MR rows × NV vectors of columns) and cache blocks.
     *
     * @throws IllegalArgumentException for an unknown kernel or a non-positive block size
     */
    public static GemmConfig of(String kernel, int mc, int kc, int nc) {
        return new GemmConfig(kernel, mc, kc, nc);
    }

    /**
     * The measured defaults, overridden by a tuning profile ({@code ./striate bench tune} writes one),
     * overridden in turn by the {@code striate.gemm.*} system properties.
     *
     * <p>The profile ({@link Tuning}) may set any of {@code gemm.kernel}, {@code gemm.mc},
     * {@code gemm.kc}, {@code gemm.nc}; without one the defaults stand.
     *
     * @throws IllegalArgumentException naming the file or property when a value is not usable
     */
    public static GemmConfig defaults() {
        VectorSupport.require(); // before defaultKernel() touches the species
        Properties profile = Tuning.profile();
        return new GemmConfig(
                Tuning.value("striate.gemm.kernel", profile, "gemm.kernel", defaultKernel()),
                Tuning.intValue("striate.gemm.mc", profile, "gemm.mc", DEFAULT_MC),
                Tuning.intValue("striate.gemm.kc", profile, "gemm.kc", DEFAULT_KC),
                Tuning.intValue("striate.gemm.nc", profile, "gemm.nc", DEFAULT_NC));
    }

    /** 8x2v needs 26 vector registers: only 512-bit machines (AVX-512 has 32) hold it without spilling. */
    private static String defaultKernel() {
        return FloatSpecies.PREFERRED.vectorBitSize() >= 512 ? "8x2v" : "3x3v";
    }

    /** This blocking with another micro-kernel (MC rounded to its MR). @throws IllegalArgumentException as {@link #of} */
    public GemmConfig withKernel(String kernel) {
        return kernel.equals(kernelShape) ? this : new GemmConfig(kernel, mc, kc, nc);
    }

    /** The micro-kernel's name, as {@link #of} takes it ({@code "3x3v"}). */
    public String kernel() {
        return kernelShape;
    }

    /** Rows of the register tile. */
    public int mr() {
        return kernel.mr;
    }

    /** Columns of the register tile (vectors × lanes). */
    public int nr() {
        return kernel.nr;
    }

    public int mc() {
        return mc;
    }

    public int kc() {
        return kc;
    }

    public int nc() {
        return nc;
    }

    /**
     * The depth of the K blocks of a product of depth {@code k}: k cut into ⌈k/KC⌉ blocks of equal
     * depth (the last one shorter by the remainder), rather than KC-deep blocks and a thin last one.
     * Every block after the first adds its product into C, so a thin last block costs a whole pass
     * over C for little work: at k = 1152 (ResNet's 3x3 layers over 128 channels) blocks of 1024 and
     * 128 instead of two of 576.
     */
    int depthBlock(int k) {
        int blocks = Math.max(1, (k + kc - 1) / kc);
        return (k + blocks - 1) / blocks;
    }

    /**
     * Columns of B per block for a product of depth {@code k} over {@code rows} rows of C: NC, except
     * for shallow products ({@code k < MC}), whose blocks are cut so that the packed B block and one
     * block of C (MC rows, or fewer where C has fewer) fit in {@value #SHALLOW_BLOCK_FLOATS} floats
     * (half of a 1 MB L2); counting MC rows where C had 6 cut LeNet-5's 784 columns in two for nothing. There each element of C takes only k
     * multiply-adds, and with NC columns its writes pushed the B block out of L2 before the next MC
     * block read it again: 512 × 4608 × 49 (dw of ResNet's 512→512 3x3 layer at 7x7, one thread,
     * Zen 4) at 74–88 GFLOPS with NC 4080, 90–94 at 1152–640 columns, as 512 × 1152 × 49 alone (104);
     * 512³ and 1024³ within the noise. The blocks change no sum (K is blocked as before).
     */
    int columnBlock(int k, int rows) {
        if (k >= mc) {
            return nc;
        }
        int fit = SHALLOW_BLOCK_FLOATS / (k + Math.min(mc, Math.max(1, rows)));
        return Math.max(kernel.nr, Math.min(nc, fit - fit % kernel.nr));
    }

    static final int SHALLOW_BLOCK_FLOATS = 1 << 17;

    /** Like {@code kernel=3x3v (3x24) mc=144 kc=256 nc=4080 lanes=8}. */
    @Override
    public String toString() {
        return "kernel=" + kernelShape + " (" + mr() + "x" + nr() + ") mc=" + mc + " kc=" + kc + " nc=" + nc
                + " lanes=" + FloatSpecies.LANES;
    }
}

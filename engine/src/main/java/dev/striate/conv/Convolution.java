package dev.striate.conv;

import dev.striate.gemm.Epilogue;
import dev.striate.gemm.PackedOperand;
import dev.striate.gemm.Sgemm;
import dev.striate.gemm.Transpose;
import dev.striate.runtime.ThreadPool;
import dev.striate.runtime.Tuning;
import dev.striate.runtime.WorkspacePool;
import dev.striate.simd.FloatSpecies;
import dev.striate.simd.Interleave;
import dev.striate.simd.Rows;
import dev.striate.simd.VectorSupport;
import dev.striate.tensor.Shape;
import dev.striate.tensor.Tensor;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A 2-D convolution layer's computation with its weights: forward {@code y = clamp(conv(x, w) + b)},
 * and the two backward passes, on NCHW float32 tensors. Semantics are PyTorch's {@code conv2d} and
 * ONNX's {@code Conv} (cross-correlation; see {@link ConvParams} for the hyperparameters).
 *
 * <p>Algorithms ({@link ConvAlgorithm}, chosen per layer and input size): the general path lowers
 * one image and group at a time to a patch matrix ({@code C/g·KH·KW × OH·OW}) and multiplies it by
 * the group's weights with {@link Sgemm}, so the workspace is one image's patch matrix at most, never
 * the batch's. A 1x1 layer with stride 1 and no padding multiplies the input directly; 3x3 stride-1
 * layers with enough pixels run Winograd F(2x2, 3x3) (F(4x4, 3x3) on request: faster, less exact);
 * a depthwise layer runs a direct vectorized kernel. Bias and the clamp (ReLU, ReLU6, ONNX Clip) are
 * applied as each output tile is finished, not in a second pass.
 *
 * <p>Weights stay in the caller's array; the forward GEMMs read them pre-packed ({@link
 * dev.striate.gemm.PackedOperand}), derived once on first use and held by the layer: the weights as
 * the GEMM's A, or, for images under 256 output pixels where the product runs transposed
 * ({@code Yᵀ = colᵀ·Wᵀ}), as its B; for Winograd, the transform ({@code (m+2)²·OC·C} floats for
 * m×m output tiles) packed per tile position. Packing per call cost as much as the multiplication on
 * small images (measured, one thread: 512 channels 3x3 over 7x7 pixels 8.1 → 5.7 ms, 256 over 14x14
 * by Winograd 6.4 → 3.6 ms).
 * After changing the weights in place, call {@link #weightsUpdated()}: the next forward repacks
 * into the same arrays.
 *
 * <p>Backward: {@link #backwardData} computes {@code dx} from {@code dy} (weights transposed, then
 * col2im; for Winograd and stride-1 depthwise layers, as the forward pass of the flipped kernel),
 * {@link #backwardWeights} {@code dw} summed over the batch and {@code db}. They are the
 * gradients of the convolution without the clamp: a fused activation's own gradient belongs to the
 * caller, who has the output.
 *
 * <p>Thread-safety: safe for concurrent use by any number of threads (workspaces are borrowed per
 * call from a pool), provided nobody writes the weights meanwhile. Results are bitwise identical
 * for any thread count. Steady-state calls allocate nothing beyond a returned tensor.
 */
public final class Convolution {

    private final ConvParams params;
    private final float[] weights;
    private final float[] bias;
    private final float min;
    private final float max;
    private final ConvAlgorithm requested;
    private final Sgemm gemm;
    /** The GEMM of the transposed forward product ({@link #transposesProduct}): {@link #TRANSPOSED_KERNEL} on gemm's blocking and threads. */
    private final Sgemm transposedGemm;
    private final Epilogue epilogue;
    private final Epilogue columnEpilogue;
    private final ConvParams transposedParams;
    // One pool per kind of buffer, so arrays of one size keep cycling and steady state allocates nothing.
    private final WorkspacePool<float[]> idleColumns = new WorkspacePool<>();
    private final WorkspacePool<PatchPanels> idlePatches = new WorkspacePool<>();
    /** Patch matrices whose panels are the transposed product's A panels (MR pixels wide). */
    private final WorkspacePool<PatchPanels> idleTransposedPatches = new WorkspacePool<>();
    /** Patch matrices whose transposes are the weight gradient's B panels on {@link #transposedGemm} (its NR wide). */
    private final WorkspacePool<PatchPanels> idleGradientPatches = new WorkspacePool<>();
    private final WorkspacePool<float[]> idleProducts = new WorkspacePool<>();
    private final WorkspacePool<DepthwiseJob> idleJobs = new WorkspacePool<>();
    private final WorkspacePool<Depthwise> idleDepthwise = new WorkspacePool<>();
    private final WorkspacePool<ChannelBlockedDepthwise> idleChannelBlocked = new WorkspacePool<>();
    private final WorkspacePool<PixelMajorConv> idlePixelMajor = new WorkspacePool<>();
    private final WorkspacePool<DirectConv> idleDirect = new WorkspacePool<>();
    private final WorkspacePool<ChannelBlockedConv> idleBlockedConv = new WorkspacePool<>();
    private final WorkspacePool<ChannelBlockedDataGradient> idleBlockedData = new WorkspacePool<>();
    private final WorkspacePool<ChannelBlockedWeightGradient> idleBlockedWeights = new WorkspacePool<>();
    private final WorkspacePool<DirectWeightGradient> idleDirectWeightGradients = new WorkspacePool<>();
    /** The weights as {@link PixelMajorConv} and {@link DirectConv} read them. */
    private final KernelWeights pixelMajorForm = new KernelWeights(PixelMajorConv::packWeights);
    private final KernelWeights directForm = new KernelWeights(DirectConv::packWeights);
    private final KernelWeights channelBlockedForm = new KernelWeights(ChannelBlockedConv::packWeights);
    private final KernelWeights directDataForm = new KernelWeights(BandedDataGradient::packDirectWeights);
    private final KernelWeights channelBlockedDataForm = new KernelWeights(ChannelBlockedDataGradient::packWeights);
    private final WorkspacePool<LoweringJob> idleLowerings = new WorkspacePool<>();
    private final WorkspacePool<LoweringPlane> idlePlanes = new WorkspacePool<>();
    private final WorkspacePool<BandedDataGradient> idleBanded = new WorkspacePool<>();
    private final WorkspacePool<Winograd> idleWinograd = new WorkspacePool<>();
    private final WorkspacePool<ImageJob> idleImageJobs = new WorkspacePool<>();
    private final WorkspacePool<float[]> idlePartials = new WorkspacePool<>();
    private final WorkspacePool<float[]> idleChunkPartials = new WorkspacePool<>();
    private final WorkspacePool<ChunkJob> idleChunkJobs = new WorkspacePool<>();
    /*
     * Forms derived from the weights, each computed on first use and recomputed in place (no new
     * array) when it is older than the weights: weightsVersion counts weightsUpdated() calls, and
     * each form records the version it was computed from, written after the form and read before
     * it (read the other way round, a thread could pair a new version with the form's old, null
     * value: the image-parallel data gradient hit that). A race computes a form twice from the same
     * weights: harmless, and no lock on the hot path.
     */
    private volatile int weightsVersion;
    /** Winograd's transformed and packed weights for the tile side last used. */
    private volatile WinogradForm winogradForm;
    /**
     * Each group's weights packed for the GEMMs, per {@link PackedForm} (indexed by ordinal), and the
     * weights version each was packed from.
     */
    private final AtomicReferenceArray<PackedOperand[]> packedForms = new AtomicReferenceArray<>(PackedForm.values().length);
    private final AtomicIntegerArray packedVersions = neverPacked();
    /** The layer computing dx for Winograd and stride-1 depthwise layers (flipped kernel), and its weights. */
    private volatile Convolution dataGradientLayer;
    private volatile int dataGradientVersion = -1;

    /**
     * A convolution with the given weights ({@code [outChannels, inChannels/groups, kernelH,
     * kernelW]}, row-major) and bias ({@code [outChannels]}, or null for none), algorithm chosen per
     * shape, on the shared GEMM and thread pool.
     *
     * @throws IllegalArgumentException if an array's length does not match the layer
     * @throws UnsupportedOperationException if the JVM lacks {@code --add-modules jdk.incubator.vector}
     */
    public Convolution(ConvParams params, float[] weights, float[] bias) {
        this(params, weights, bias, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, ConvAlgorithm.AUTO, sharedGemm());
    }

    private Convolution(ConvParams params, float[] weights, float[] bias, float min, float max,
                        ConvAlgorithm requested, Sgemm gemm) {
        if (params == null) {
            throw new IllegalArgumentException("conv: params must not be null");
        }
        if (weights == null || weights.length != params.weightSize()) {
            throw new IllegalArgumentException("conv " + params + ": weights must be " + Shape.of(params.weightShape())
                    + " = " + params.weightSize() + " floats, got " + (weights == null ? "null" : weights.length));
        }
        if (bias != null && bias.length != params.outChannels()) {
            throw new IllegalArgumentException("conv " + params + ": bias must be [" + params.outChannels()
                    + "], got " + bias.length + " floats");
        }
        if (Float.isNaN(min) || Float.isNaN(max) || min > max) {
            throw new IllegalArgumentException("conv " + params + ": clamp needs min <= max, got [" + min + ", " + max + "]");
        }
        if (requested == null || gemm == null) {
            throw new IllegalArgumentException("conv " + params + ": algorithm and gemm must not be null");
        }
        this.params = params;
        this.weights = weights;
        this.bias = bias;
        this.min = min;
        this.max = max;
        this.requested = requested;
        requested.choose(params, 1, 1, gemm.config().mr(), gemm.config().nr()); // rejects an explicit algorithm that cannot run this layer
        this.gemm = gemm;
        this.transposedGemm = FloatSpecies.LANES >= 16 ? gemm.withKernel(TRANSPOSED_KERNEL) : gemm;
        this.epilogue = Epilogue.of(bias == null ? Epilogue.Bias.NONE : Epilogue.Bias.PER_ROW, min, max);
        this.transposedParams = transposedParams(params);
        this.columnEpilogue = Epilogue.of(bias == null ? Epilogue.Bias.NONE : Epilogue.Bias.PER_COLUMN, min, max);
    }

    private static Sgemm sharedGemm() {
        VectorSupport.require();
        return Sgemm.shared();
    }

    /** The same layer with its output clamped to {@code [min, max]} as it is written (ONNX Clip). */
    public Convolution withClamp(float min, float max) {
        return new Convolution(params, weights, bias, min, max, requested, gemm);
    }

    /** The same layer with ReLU fused into the output. */
    public Convolution withRelu() {
        return withClamp(0f, Float.POSITIVE_INFINITY);
    }

    /**
     * The same layer computed by {@code algorithm}.
     *
     * @throws IllegalArgumentException if that algorithm cannot compute this layer
     */
    public Convolution withAlgorithm(ConvAlgorithm algorithm) {
        return new Convolution(params, weights, bias, min, max, algorithm, gemm);
    }

    /** The same layer on another GEMM (its blocking and thread pool). */
    public Convolution withGemm(Sgemm gemm) {
        return new Convolution(params, weights, bias, min, max, requested, gemm);
    }

    public ConvParams params() {
        return params;
    }

    /**
     * The algorithm of the gradients for an {@code oh×ow} output: the forward's, {@link ConvAlgorithm#IM2COL}'s
     * for the forward-only DIRECT and DIRECT_BLOCKED.
     */
    private ConvAlgorithm gradientAlgorithm(int oh, int ow) {
        ConvAlgorithm algorithm = requested.choose(params, oh, ow, gemm.config().mr(), gemm.config().nr());
        return algorithm == ConvAlgorithm.DIRECT || algorithm == ConvAlgorithm.DIRECT_BLOCKED ? ConvAlgorithm.IM2COL : algorithm;
    }

    /** The algorithm that computes an {@code h×w} input (never {@code AUTO}). */
    public ConvAlgorithm algorithmFor(int h, int w) {
        return requested.choose(params, params.outputHeight(h), params.outputWidth(w), gemm.config().mr(), gemm.config().nr());
    }

    /** The output shape for an input of shape x. @throws IllegalArgumentException as {@link #forward} */
    public Shape outputShape(Shape x) {
        params.checkInput(x);
        return params.outputShape(x);
    }

    /**
     * Floats of workspace a forward call borrows for an {@code h×w} input: for the im2col path, one
     * group's channels of one image inside zero borders when the layer pads (the patches are
     * gathered as the GEMM packs them, {@link PatchPanels}; nothing more for an unpadded layer), and
     * where the product runs transposed ({@link #transposedProduct}) one group's {@code pixels ×
     * channels} product besides (pointwise: the product alone) — or, for small
     * one-group images, the pixel-major copies of one image and its output instead of both; one
     * padded input plane per thread for the depthwise kernel (plus a channel block's pixel-major
     * buffers on narrow maps); for the direct kernel, the input rows of one band of output rows,
     * one plane per input channel, per thread; for the channel-blocked direct kernel, the padded
     * pixel-major copy of one image and its output pixels; Winograd's V, M for one pass of output channels, and a transform's
     * scratch (passes sized to keep that within one image's im2col matrix). Weights derived once per
     * layer (packed, Winograd-transformed) are not counted.
     */
    public long workspaceFloats(int h, int w) {
        ConvAlgorithm algorithm = algorithmFor(h, w);
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        if (pixelMajor(algorithm, h, w)) {
            return PixelMajorConv.floats(params, h, w);
        }
        return switch (algorithm) {
            case IM2COL -> productFloats(algorithm, h, w) + patchCopyFloats(algorithm, h, w);
            case POINTWISE -> productFloats(algorithm, h, w);
            case DEPTHWISE -> new Depthwise(params, h, w).planeFloats()
                    + (channelBlocked(DepthwiseJob.FORWARD, ow) ? new ChannelBlockedDepthwise(params, h, w).floats() : 0);
            case WINOGRAD, WINOGRAD_F4 -> new Winograd(params, h, w, algorithmFor(h, w).winogradTile(), gemm.config().mr(), gemm.config().nr()).workspaceFloats();
            case DIRECT -> new DirectConv(params, h, w).floats(gemm.pool().parallelism());
            case DIRECT_BLOCKED -> ChannelBlockedConv.floats(params, h, w);
            default -> 0;
        };
    }

    /**
     * Floats of an im2col layer's patch copy ({@link PatchPanels#floats()}), as B or as a transposed
     * product's A: the width {@link #borrowPatches} builds it for, the product's as the forward pass
     * decides it ({@link #transposedProduct}).
     */
    private long patchCopyFloats(ConvAlgorithm algorithm, int h, int w) {
        boolean transposed = transposedProduct(algorithm, h, w);
        return PatchPanels.floats(params, h, w, transposed ? transposedGemm.config().mr() : gemm.config().nr());
    }

    /** One group's transposed product {@code Yᵀ} where {@link #transposedProduct} says so, else 0. */
    private long productFloats(ConvAlgorithm algorithm, int h, int w) {
        return transposedProduct(algorithm, h, w)
                ? (long) params.outputHeight(h) * params.outputWidth(w) * params.groupOutChannels() : 0;
    }

    /**
     * Whether the forward product runs transposed: where the tiles say so ({@link #transposesProduct})
     * and its {@code pixels × channels} result fits in one image's patch matrix beside the patches'
     * copy, the workspace bound. A layer with more output channels than patch rows would hold
     * more — ResNet's 256→512 1x1/s2 to 7x7 twice its patch matrix, MobileNetV2's 160→960 at 7x7 six
     * times — and runs the usual product: time against the transposed one (one thread / two) 1.08–1.12
     * / 0.88–0.91 on that downsample, 1.26–1.28 / 0.91–0.99 on 160→960, 1.14–1.20 / 1.00–1.23 on
     * ResNet-50's 512→2048 at 7x7; the transposed product in blocks of output channels, each within
     * the bound, took 1.1–1.5 / 1.25–1.7 (a GEMM, a packing of A and a transpose per block). Arithmetic
     * only: the rules ask on every call.
     */
    private boolean transposedProduct(ConvAlgorithm algorithm, int h, int w) {
        long pixels = (long) params.outputHeight(h) * params.outputWidth(w);
        if (!transposesProduct(algorithm, pixels)) {
            return false;
        }
        long copy = algorithm == ConvAlgorithm.IM2COL ? PatchPanels.floats(params, h, w, transposedGemm.config().mr()) : 0;
        return withinPatchMatrix(params, pixels * params.groupOutChannels() + copy, h, w);
    }

    private long columnFloats(int h, int w) {
        return (long) params.groupPatchSize() * params.outputHeight(h) * params.outputWidth(w);
    }

    /** Forward into a new tensor. @see #forward(Tensor, Tensor) */
    public Tensor forward(Tensor x) {
        Tensor y = Tensor.zeros(outputShape(requireContiguous("x", x).shape()).toArray());
        forward(x, y);
        return y;
    }

    /**
     * {@code y := clamp(conv(x, w) + b)}.
     *
     * @param x input {@code [N, inChannels, H, W]}, contiguous
     * @param y output {@code [N, outChannels, OH, OW]}, contiguous, not overlapping x
     * @throws IllegalArgumentException naming the layer and the shapes when they do not fit
     */
    public void forward(Tensor x, Tensor y) {
        Shape in = checkPair("x", x, "y", y);
        requireDisjoint("y", y, "x", x);
        int n = in.dim(0);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        ConvAlgorithm algorithm = requested.choose(params, oh, ow, gemm.config().mr(), gemm.config().nr());
        if (algorithm.isWinograd()) {
            Winograd winograd = borrowWinograd(h, w, algorithm.winogradTile());
            try {
                PackedOperand[] u = winogradWeights(winograd.tile(), winograd.transposedProducts());
                for (int i = 0; i < n; i++) {
                    winograd.forward(u, x.data(), x.offset() + i * params.inChannels() * h * w, gemm, bias, min, max,
                            y.data(), y.offset() + i * params.outChannels() * oh * ow);
                }
            } finally {
                idleWinograd.give(winograd);
            }
            return;
        }
        if (pixelMajor(algorithm, h, w)) {
            runImages(ImageJob.FORWARD, algorithm, n, x, y, h, w, oh, ow, null, null);
            return;
        }
        if (algorithm == ConvAlgorithm.DIRECT_BLOCKED) {
            ChannelBlockedConv blocked = borrowBlocked(h, w);
            try {
                forwardEach(blocked, weightsFor(channelBlockedForm), n, x, y, h, w, oh, ow);
            } finally {
                idleBlockedConv.give(blocked);
            }
            return;
        }
        if (algorithm == ConvAlgorithm.DIRECT) {
            DirectConv direct = borrowDirect(h, w);
            try {
                forwardEach(direct, weightsFor(directForm), n, x, y, h, w, oh, ow);
            } finally {
                idleDirect.give(direct);
            }
            return;
        }
        if (algorithm == ConvAlgorithm.DEPTHWISE) {
            runDepthwise(DepthwiseJob.FORWARD, n, params.outChannels(), x, y, h, w, oh, ow, null, null);
            return;
        }
        PackedOperand[] packed = packed(transposedProduct(algorithm, h, w) ? PackedForm.TRANSPOSED_B : PackedForm.A);
        runImages(ImageJob.FORWARD, algorithm, n, x, y, h, w, oh, ow, null, packed);
    }

    /** A direct kernel's forward pass of one image, on its packing of the weights (DIRECT, DIRECT_BLOCKED). */
    interface ImageKernel {
        /** y := clamp(conv(x) + bias) for the image at xOff into yOff, the work spread over pool | allocates nothing. */
        void forward(float[] x, int xOff, float[] packed, float[] bias, float min, float max, float[] y, int yOff,
                     ThreadPool pool);
    }

    /** Every image of x through kernel, one after another. */
    private void forwardEach(ImageKernel kernel, float[] packedWeights, int n, Tensor x, Tensor y, int h, int w, int oh,
                             int ow) {
        for (int i = 0; i < n; i++) {
            kernel.forward(x.data(), x.offset() + i * params.inChannels() * h * w, packedWeights, bias, min, max,
                    y.data(), y.offset() + i * params.outChannels() * oh * ow, gemm.pool());
        }
    }

    /** Images [i0, i1) of {@link #forward} on the GEMM paths, on workspaces borrowed for them. */
    private void forwardImages(ConvAlgorithm algorithm, int i0, int i1, Tensor x, Tensor y, int h, int w,
                               int oh, int ow, PackedOperand[] packed) {
        int groups = params.groups();
        int cg = params.groupInChannels();
        int ocg = params.groupOutChannels();
        int plane = oh * ow;
        if (pixelMajor(algorithm, h, w)) {
            PixelMajorConv kernel = borrowPixelMajor(h, w);
            try {
                float[] packedWeights = weightsFor(pixelMajorForm);
                for (int i = i0; i < i1; i++) {
                    kernel.forward(x.data(), x.offset() + i * params.inChannels() * h * w, packedWeights, bias, min, max,
                            y.data(), y.offset() + i * params.outChannels() * plane);
                }
            } finally {
                idlePixelMajor.give(kernel);
            }
            return;
        }
        boolean transposed = transposedProduct(algorithm, h, w);
        // Patches are gathered as the GEMM packs them: as B, or as A for a transposed product.
        PatchPanels patches = algorithm == ConvAlgorithm.IM2COL
                ? borrowPatches(transposed ? idleTransposedPatches : idlePatches, h, w,
                        transposed ? transposedGemm.config().mr() : gemm.config().nr())
                : null;
        float[] product = transposed ? borrow(idleProducts, (long) plane * ocg) : null;
        try {
            for (int i = i0; i < i1; i++) {
                for (int g = 0; g < groups; g++) {
                    int xAt = x.offset() + (i * params.inChannels() + g * cg) * h * w;
                    int yAt = y.offset() + (i * params.outChannels() + g * ocg) * plane;
                    if (patches != null) {
                        patches.load(x.data(), xAt, gemm.pool());
                    }
                    if (product == null) {
                        if (patches != null) {
                            gemm.gemm(packed[g], patches, 1f, 0f, y.data(), yAt, plane, epilogue, bias, g * ocg);
                        } else {
                            gemm.gemm(packed[g], Transpose.N, plane, 1f, x.data(), xAt, plane, 0f, y.data(), yAt, plane,
                                    epilogue, bias, g * ocg);
                        }
                        continue;
                    }
                    // Yᵀ = colᵀ·Wᵀ: pixels on the GEMM's M side (MR = 7 divides ResNet's maps), channels on N
                    if (patches != null) {
                        transposedGemm.gemm(patches, packed[g], 1f, 0f, product, 0, ocg, columnEpilogue, bias, g * ocg);
                    } else {
                        transposedGemm.gemm(Transpose.T, plane, 1f, x.data(), xAt, plane, packed[g], 0f, product, 0, ocg,
                                columnEpilogue, bias, g * ocg);
                    }
                    Interleave.transpose(product, 0, ocg, plane, ocg, y.data(), yAt, plane); // y[oc][p] := product[p][oc]
                }
            }
        } finally {
            if (patches != null) {
                patches.unload();
                (transposed ? idleTransposedPatches : idlePatches).give(patches);
            }
            idleProducts.give(product);
        }
    }


    /**
     * {@code dx := ∂L/∂x} given {@code dy = ∂L/∂y} (of the convolution before any clamp).
     *
     * @param dy gradient of the output {@code [N, outChannels, OH, OW]}, contiguous
     * @param dx gradient of the input {@code [N, inChannels, H, W]}, contiguous, overwritten
     * @throws IllegalArgumentException naming the layer and the shapes when they do not fit
     */
    public void backwardData(Tensor dy, Tensor dx) {
        Shape in = checkPair("dx", dx, "dy", dy);
        requireDisjoint("dx", dx, "dy", dy);
        int n = in.dim(0);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        ConvAlgorithm algorithm = gradientAlgorithm(oh, ow);
        if (blockedDataGradient(h, w)) {
            ChannelBlockedDataGradient blocked = borrowBlockedData(h, w);
            try {
                float[] packedWeights = weightsFor(channelBlockedDataForm);
                for (int i = 0; i < n; i++) {
                    blocked.backwardData(dy.data(), dy.offset() + i * params.outChannels() * oh * ow, packedWeights,
                            dx.data(), dx.offset() + i * params.inChannels() * h * w, gemm.pool());
                }
            } finally {
                idleBlockedData.give(blocked);
            }
            return;
        }
        if (transposedParams != null && (algorithm.isWinograd()
                || algorithm == ConvAlgorithm.DEPTHWISE && params.inChannels() == params.outChannels()
                || algorithm == ConvAlgorithm.IM2COL && pixelMajorDataGradient(h, w))) {
            // A stride-1 layer's dx is the full convolution of dy with the flipped, transposed
            // kernel: a forward pass, which Winograd and the depthwise kernel run faster than
            // the scatter formulations.
            dataGradientLayer().forward(dy, dx);
            return;
        }
        if (algorithm == ConvAlgorithm.DEPTHWISE) {
            runDepthwise(DepthwiseJob.BACKWARD_DATA, n, params.inChannels(), dx, dy, h, w, oh, ow, null, null);
            return;
        }
        if (lowersToColumns(algorithm) && rowPaddedScatter(ow) && !directDataGradient(h, w)) {
            // its row adds accumulate; col2im clears each channel in the task that scatters into it
            java.util.Arrays.fill(dx.data(), dx.offset(), dx.offset() + dx.size(), 0f);
        }
        runImages(ImageJob.BACKWARD_DATA, algorithm, n, dy, dx, h, w, oh, ow, null, packed(PackedForm.TRANSPOSED_A));
    }

    /** Images [i0, i1) of {@link #backwardData} on the GEMM paths (dx already zeroed where the row-padded scatter adds). */
    private void backwardDataImages(ConvAlgorithm algorithm, int i0, int i1, Tensor dy, Tensor dx, int h, int w,
                                    int oh, int ow, PackedOperand[] packed) {
        int groups = params.groups();
        int cg = params.groupInChannels();
        int ocg = params.groupOutChannels();
        int plane = oh * ow;
        if (lowersToColumns(algorithm) && rowPaddedScatter(ow) && !directDataGradient(h, w)) {
            rowPaddedDataGradient(i0, i1, dy, dx, h, w, oh, ow, packed);
            return;
        }
        // a patch matrix past L2 is multiplied and scattered in bands, never whole; a DIRECT layer's
        // bands take the direct tile
        boolean direct = directDataGradient(h, w);
        BandedDataGradient banded = direct || lowersToColumns(algorithm) && BandedDataGradient.applies(params, oh, ow)
                ? borrowBanded(h, w, direct) : null;
        float[] directWeights = direct ? weightsFor(directDataForm) : null;
        float[] col = lowersToColumns(algorithm) && banded == null ? borrow(idleColumns, columnFloats(h, w)) : null;
        try {
            for (int i = i0; i < i1; i++) {
                for (int g = 0; g < groups; g++) {
                    int dxAt = dx.offset() + (i * params.inChannels() + g * cg) * h * w;
                    int dyAt = dy.offset() + (i * params.outChannels() + g * ocg) * plane;
                    // Wᵀ·dy, Wᵀ packed once per weights version, not per image and group
                    if (direct) {
                        banded.runDirect(gemm.pool(), directWeights, dy.data(), dyAt, dx.data(), dxAt);
                    } else if (banded != null) {
                        banded.run(gemm, packed[g], dy.data(), dyAt, dx.data(), dxAt);
                    } else if (col == null) {
                        gemm.gemm(packed[g], Transpose.N, plane, 1f, dy.data(), dyAt, plane, 0f, dx.data(), dxAt,
                                plane, Epilogue.NONE, null, 0);
                    } else {
                        gemm.gemm(packed[g], Transpose.N, plane, 1f, dy.data(), dyAt, plane, 0f, col, 0, plane,
                                Epilogue.NONE, null, 0);
                        lower(true, dx.data(), dxAt, cg, h, w, oh, ow, col);
                    }
                }
            }
        } finally {
            idleBanded.give(banded);
            idleColumns.give(col);
        }
    }

    /**
     * Whether dx scatters through row-padded patch rows ({@link #rowPaddedDataGradient}): an
     * unpadded, undilated stride-1 layer, a kernel wider than one, and output rows narrower than two
     * vectors, where col2im's row adds are too short to pay for their calls (LeNet-5's 6→16 layer,
     * 10 wide: col2im was half of its dx time).
     */
    private boolean rowPaddedScatter(int ow) {
        ConvParams p = params;
        return p.unitStrideAndDilation() && p.padTop() == 0
                && p.padLeft() == 0 && p.padBottom() == 0 && p.padRight() == 0 && p.kernelW() > 1
                && ow < 2 * FloatSpecies.LANES;
    }

    /**
     * dx of images [i0, i1) with dy's rows spread to the input's row stride: a copy of dy with each
     * output row followed by {@code KW − 1} zeros makes {@code Wᵀ·dy} rows laid out as the input
     * plane, so every patch row (c, kh, kw) adds to dx as one run of {@code (OH−1)·W + OW} floats from
     * {@code dx[c][kh][kw]} — the zeros landing on the columns its windows miss — instead of OH
     * runs of OW. The product is W/OW times wider (1.4× for LeNet-5's 10-wide rows) and the
     * workspace as much larger than the patch matrix, plus the spread dy.
     */
    private void rowPaddedDataGradient(int i0, int i1, Tensor dy, Tensor dx, int h, int w, int oh, int ow,
                                       PackedOperand[] packed) {
        int cg = params.groupInChannels();
        int ocg = params.groupOutChannels();
        int kg = params.groupPatchSize();
        int kh = params.kernelH();
        int kw = params.kernelW();
        int run = (oh - 1) * w + ow;
        float[] work = borrow(idleColumns, (long) (kg + ocg) * run);
        int spread = kg * run;
        try {
            java.util.Arrays.fill(work, spread, spread + ocg * run, 0f);
            for (int i = i0; i < i1; i++) {
                for (int g = 0; g < params.groups(); g++) {
                    int dxAt = dx.offset() + (i * params.inChannels() + g * cg) * h * w;
                    int dyAt = dy.offset() + (i * params.outChannels() + g * ocg) * oh * ow;
                    for (int m = 0; m < ocg; m++) {
                        for (int y = 0; y < oh; y++) {
                            System.arraycopy(dy.data(), dyAt + (m * oh + y) * ow, work, spread + m * run + y * w, ow);
                        }
                    }
                    gemm.gemm(packed[g], Transpose.N, run, 1f, work, spread, run, 0f, work, 0, run, Epilogue.NONE,
                            null, 0);
                    for (int row = 0; row < kg; row++) {
                        int c = row / (kh * kw);
                        int tap = row % (kh * kw);
                        Rows.add(dx.data(), dxAt + c * h * w + (tap / kw) * w + tap % kw, work, row * run, run);
                    }
                }
            }
        } finally {
            idleColumns.give(work);
        }
    }

    /**
     * {@code dw := ∂L/∂w} summed over the batch and, when {@code db} is not null, {@code db := ∂L/∂b}.
     *
     * @param x  the forward input {@code [N, inChannels, H, W]}, contiguous
     * @param dy gradient of the output {@code [N, outChannels, OH, OW]}, contiguous
     * @param dw weight gradient {@code [outChannels, inChannels/groups, KH, KW]}, contiguous, overwritten
     * @param db bias gradient {@code [outChannels]}, contiguous, overwritten; or null
     * @throws IllegalArgumentException naming the layer and the shapes when they do not fit
     */
    public void backwardWeights(Tensor x, Tensor dy, Tensor dw, Tensor db) {
        Shape in = checkPair("x", x, "dy", dy);
        requireShape("dw", dw, params.outChannels(), params.groupInChannels(), params.kernelH(), params.kernelW());
        requireDisjoint("dw", dw, "x", x);
        requireDisjoint("dw", dw, "dy", dy);
        if (db != null) {
            requireShape("db", db, params.outChannels(), -1, -1, -1);
            requireDisjoint("db", db, "dw", dw);
            requireDisjoint("db", db, "dy", dy);
            requireDisjoint("db", db, "x", x);
        }
        int n = in.dim(0);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        ConvAlgorithm algorithm = gradientAlgorithm(oh, ow);
        int plane = oh * ow;
        if (n > 0 && directWeightGradient(h, w)) {
            DirectWeightGradient direct = borrowDirectWeightGradient(h, w);
            float[] partial = borrow(idleChunkPartials, direct.partialFloats());
            try {
                direct.backwardWeights(x.data(), x.offset(), dy.data(), dy.offset(), n, partial, dw.data(), dw.offset(),
                        db == null ? null : db.data(), db == null ? 0 : db.offset(), gemm.pool());
            } finally {
                idleChunkPartials.give(partial);
                idleDirectWeightGradients.give(direct);
            }
            return;
        }
        boolean depthwise = algorithm == ConvAlgorithm.DEPTHWISE && !pixelMajor(algorithm, h, w);
        // depthwise sums its channels' db in its own parallel tasks, beside their dw
        if (db != null && !(depthwise && n > 0)) {
            BiasGradient.sum(dy.data(), dy.offset(), n, params.outChannels(), plane, 0, params.outChannels(), db.data(),
                    db.offset());
        }
        if (n > 0 && blockedWeightGradient(h, w)) {
            ChannelBlockedWeightGradient blocked = borrowBlockedWeights(h, w);
            try {
                blocked.backwardWeights(x.data(), x.offset(), dy.data(), dy.offset(), n, dw.data(), dw.offset(),
                        gemm.pool());
            } finally {
                idleBlockedWeights.give(blocked);
            }
            return;
        }
        if (depthwise || n == 0) {
            // Depthwise accumulates into dw; an empty batch has a zero gradient (the GEMMs, which
            // overwrite dw on the first image, would leave it untouched).
            java.util.Arrays.fill(dw.data(), dw.offset(), dw.offset() + dw.size(), 0f);
        }
        if (depthwise) {
            runDepthwise(DepthwiseJob.BACKWARD_WEIGHTS, n, params.outChannels(), x, dy, h, w, oh, ow, dw, db);
            return;
        }
        if (algorithm == ConvAlgorithm.WINOGRAD && n > 0 && winogradWeightGradient(oh, ow)) {
            winogradWeightGradient(x, dy, n, h, w, dw);
            return;
        }
        int chunks = weightGradientChunks(n, plane);
        if (chunks == 1) {
            backwardWeightsImages(algorithm, 0, n, x, dy, h, w, oh, ow, dw.data(), dw.offset());
            return;
        }
        // Chunks of images summed apart, then in chunk order: the chunks, not the threads, fix the
        // order of the additions, so any thread count gives the same bits.
        int size = dw.size();
        float[] partial = borrow(idlePartials, (long) chunks * size);
        try {
            runImages(ImageJob.BACKWARD_WEIGHTS, algorithm, n, x, dy, h, w, oh, ow, partial, null);
            float[] sum = dw.data();
            System.arraycopy(partial, 0, sum, dw.offset(), size);
            for (int c = 1; c < chunks; c++) {
                Rows.add(sum, dw.offset(), partial, c * size, size);
            }
        } finally {
            idlePartials.give(partial);
        }
    }

    /**
     * dw := the weight gradient of the batch through F(2x2, 3x3) (see {@link Winograd#backwardWeights}),
     * summed over the images in order. The same float operations whatever the thread count (a pass
     * of output channels is one task's, whichever thread runs it).
     */
    private void winogradWeightGradient(Tensor x, Tensor dy, int n, int h, int w, Tensor dw) {
        int c = params.inChannels();
        int oc = params.outChannels();
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        Winograd winograd = borrowWinograd(h, w, 2);
        try {
            for (int i = 0; i < n; i++) {
                winograd.backwardWeights(x.data(), x.offset() + i * c * h * w, dy.data(), dy.offset() + i * oc * oh * ow,
                        gemm, i > 0, dw.data(), dw.offset());
            }
        } finally {
            idleWinograd.give(winograd);
        }
    }

    /**
     * Whether the weight gradient of a WINOGRAD layer goes through F(2x2) rather than im2col: from
     * {@value #WINOGRAD_WEIGHT_GRADIENT_MIN_TILES} tiles per image and
     * {@value #WINOGRAD_WEIGHT_GRADIENT_MIN_CHANNELS} channels in and out. Each of its 16 products
     * sums over one image's tiles into a transformed gradient 16/9 the size of dw, so few tiles leave
     * it writing more than it multiplies; its transforms cost per channel what its products cost per
     * pair of channels, so few channels leave it transforming more. Measured with its passes in L2
     * ({@link Winograd#backwardWeights}; time against im2col's, one thread / two, best of three
     * alternated runs, 2-core Zen 5): 0.81 / 0.86 on 256→256 at 14x14 (49 tiles), 0.81 / 0.86 on
     * 128→128 at 14x14, 0.90 / 0.91 on AlexNet's 384→256 at 13x13, 0.93 / 0.97 on its 256→384 and
     * 0.91 / 0.91 on 384→384, 0.89 / 0.88 on 512→512 at 12x12 (36 tiles); 0.98–1.02 / 1.0 on 96→96 at 12x12
     * and 64→64 at 14x14; 1.13 / 1.18 on 256→256 at 10x10 (25 tiles), 1.6–1.7 on 512→512 at 7x7
     * (16). Before the passes (dU of all channels at once, out to memory and back) the line was at
     * 80 tiles, and 512→512 at 12x12 took 1.5× im2col's time.
     */
    private boolean winogradWeightGradient(int oh, int ow) {
        return (long) ((oh + 1) / 2) * ((ow + 1) / 2) >= WINOGRAD_WEIGHT_GRADIENT_MIN_TILES
                && Math.min(params.inChannels(), params.outChannels()) >= WINOGRAD_WEIGHT_GRADIENT_MIN_CHANNELS;
    }

    private static final long WINOGRAD_WEIGHT_GRADIENT_MIN_TILES = 36;
    private static final int WINOGRAD_WEIGHT_GRADIENT_MIN_CHANNELS = 64;

    /** dw[dwOff, +size) := the weight gradient of images [i0, i1), summed in image order. */
    private void backwardWeightsImages(ConvAlgorithm algorithm, int i0, int i1, Tensor x, Tensor dy, int h, int w,
                                       int oh, int ow, float[] dw, int dwOff) {
        int groups = params.groups();
        int cg = params.groupInChannels();
        int ocg = params.groupOutChannels();
        int kg = params.groupPatchSize();
        int plane = oh * ow;
        if (pixelMajor(algorithm, h, w)) {
            PixelMajorConv kernel = borrowPixelMajor(h, w);
            try {
                for (int i = i0; i < i1; i++) {
                    kernel.backwardWeights(x.data(), x.offset() + i * params.inChannels() * h * w, dy.data(),
                            dy.offset() + i * params.outChannels() * plane, i == i0 ? 0f : 1f, dw, dwOff);
                }
            } finally {
                idlePixelMajor.give(kernel);
            }
            return;
        }
        // dY·colᵀ with colᵀ's panels made from the image as the GEMM packs them (PatchPanels), with
        // panels the width of the product's tile
        int chunks = pixelChunks(plane);
        Sgemm product = weightGradientGemm(chunks);
        WorkspacePool<PatchPanels> idle = product == gemm ? idlePatches : idleGradientPatches;
        PatchPanels patches = lowersToColumns(algorithm) ? borrowPatches(idle, h, w, product.config().nr()) : null;
        try {
            for (int i = i0; i < i1; i++) {
                float beta = i == i0 ? 0f : 1f;
                for (int g = 0; g < groups; g++) {
                    int xAt = x.offset() + (i * params.inChannels() + g * cg) * h * w;
                    int dyAt = dy.offset() + (i * params.outChannels() + g * ocg) * plane;
                    if (patches == null) {
                        gemm.gemm(Transpose.N, Transpose.T, ocg, kg, plane, 1f, dy.data(), dyAt, plane,
                                x.data(), xAt, plane, beta, dw, dwOff + g * ocg * kg, kg);
                        continue;
                    }
                    patches.load(x.data(), xAt, gemm.pool());
                    if (chunks > 1) {
                        chunkedWeightGradient(patches, dy.data(), dyAt, plane, chunks, beta, dw, dwOff + g * ocg * kg);
                        continue;
                    }
                    product.gemm(Transpose.N, ocg, 1f, dy.data(), dyAt, plane, patches.transposed(), beta, dw,
                            dwOff + g * ocg * kg, kg, Epilogue.NONE, null, 0);
                }
            }
        } finally {
            if (patches != null) {
                patches.unload();
                idle.give(patches);
            }
        }
    }

    /**
     * The GEMM of the im2col weight gradient {@code dY·colᵀ} taken in {@code chunks} of pixels: for
     * one image (not its pixel chunks) whose N = C·KH·KW is a whole number of its panels, {@link
     * #transposedGemm}, whose 48 columns divide it for 3x3 layers of whole vectors of channels and
     * whose seven broadcasts feed 21 multiply-adds (8x2v: eight feed 16); else gemm — ResNet's
     * 256→512 1x1/s2 (N = 256, six panels of 48 for 5.3) took 1.2× the time on it. Measured with
     * colᵀ's panels still gathered (dw alone, one process per side, alternated twice, one thread /
     * two, p50): ResNet's 512→512 at 7x7 1198/1159 against 1237/1239 µs and 606/596 against
     * 628/647, AlexNet's 384→256 at 13x13 1561/1545 against 1581/1584 and 797/816 against 842/834,
     * 256→384 1540/1644 against 1571/1551 and 766/809 against 790/819, ResNet's 128→256/s2 to 14x14
     * 628/613 against 639/629 and 326/320 against 322/324, 256→256 at 14x14 within the noise
     * (1228/1256 against 1224/1255); the bare product on that shape (256 × 2304 × 196) 224–228
     * against 213–219 GFLOPS.
     */
    private Sgemm weightGradientGemm(int chunks) {
        return chunks == 1 && params.groupPatchSize() % transposedGemm.config().nr() == 0 ? transposedGemm : gemm;
    }

    /**
     * Chunks of output pixels one image's im2col weight gradient is split into: several when the
     * gradient is small ({@value #CHUNKED_MAX_GRADIENT} floats at most) and the pixels many (two
     * chunks of {@value #PIXEL_CHUNK} or more) — a network's first layer, where the product is M =
     * output channels by N = C·KH·KW, too few tiles for two threads, over K = the pixels, which a GEMM
     * never splits. The count depends on the pixels alone, so the bits do not depend on the threads.
     */
    private int pixelChunks(int plane) {
        return (long) params.groupOutChannels() * params.groupPatchSize() <= CHUNKED_MAX_GRADIENT
                && plane >= 2 * PIXEL_CHUNK ? (plane + PIXEL_CHUNK - 1) / PIXEL_CHUNK : 1;
    }

    private static final int PIXEL_CHUNK = 4096;
    private static final long CHUNKED_MAX_GRADIENT = 1 << 16;

    /**
     * dw := beta·dw + dY·colᵀ as {@code chunks} products over equal runs of the pixels, one pool task
     * each into its own partial sum, then the partials added in chunk order. On two threads (best
     * decile): ResNet's 7x7/s2 first layer (64 × 147 over 12 544 pixels) 2155–2222 → 1450–1482 µs,
     * SqueezeNet's 3x3/s2 one 598–628 → 397–398 µs; on one thread 0.98–0.99 of the time.
     */
    private void chunkedWeightGradient(PatchPanels patches, float[] dy, int dyAt, int plane, int chunks, float beta,
                                       float[] dw, int dwAt) {
        int size = params.groupOutChannels() * params.groupPatchSize();
        int pixels = (plane + chunks - 1) / chunks;
        for (int c = 0; c < chunks; c++) {
            patches.transposed(c, pixels); // made here, on one thread; the tasks only read them
        }
        float[] partial = borrow(idleChunkPartials, (long) chunks * size);
        ChunkJob job = idleChunkJobs.take();
        if (job == null) {
            job = new ChunkJob();
        }
        try {
            job.set(patches, dy, dyAt, plane, pixels, partial);
            gemm.pool().parallelFor(chunks, job);
            for (int c = 0; c < chunks; c++) {
                if (c == 0 && beta == 0f) {
                    System.arraycopy(partial, 0, dw, dwAt, size);
                } else {
                    Rows.add(dw, dwAt, partial, c * size, size);
                }
            }
        } finally {
            job.clear();
            idleChunkJobs.give(job);
            idleChunkPartials.give(partial);
        }
    }

    /** The chunks of {@link #chunkedWeightGradient}, reused across calls so dispatch allocates nothing. */
    private final class ChunkJob implements ThreadPool.ParallelTask {
        PatchPanels patches;
        float[] dy, partial;
        int dyAt, plane, pixels;

        void set(PatchPanels patches, float[] dy, int dyAt, int plane, int pixels, float[] partial) {
            this.patches = patches;
            this.dy = dy;
            this.dyAt = dyAt;
            this.plane = plane;
            this.pixels = pixels;
            this.partial = partial;
        }

        void clear() {
            patches = null;
            dy = partial = null;
        }

        @Override
        public void run(int chunk) {
            int kg = params.groupPatchSize();
            gemm.gemm(Transpose.N, params.groupOutChannels(), 1f, dy, dyAt + chunk * pixels, plane,
                    patches.transposed(chunk, pixels), 0f, partial, chunk * params.groupOutChannels() * kg, kg,
                    Epilogue.NONE, null, 0);
        }
    }

    /**
     * Per-image multiply-adds below which a batch's GEMM-path images run in parallel, whole images
     * per task, rather than one image after another with each GEMM split over the threads: a small
     * image's GEMMs (LeNet-5's 6→16 layer: 16 × 150 × 100) are too small to split well, and its
     * lowering runs on one thread (measured: no gain from a second thread on that layer, forward or
     * weight gradient).
     */
    private static final long IMAGE_PARALLEL_MAX_WORK = 1 << 22;

    /** Images per partial sum of a weight gradient taken by image (see {@link #backwardWeights}). */
    private static final int WEIGHT_GRADIENT_CHUNK = 8;

    private boolean byImages(int n, int plane) {
        return n > 1 && gemm.pool().parallelism() > 1 && smallImages(plane);
    }

    private boolean smallImages(int plane) {
        return (long) params.outChannels() * params.groupPatchSize() * plane < IMAGE_PARALLEL_MAX_WORK;
    }

    /**
     * Partial sums the weight gradient of n images is taken in: one when images are large (the
     * GEMMs split over the threads) or few; else chunks of {@value #WEIGHT_GRADIENT_CHUNK} images,
     * a number that does not depend on the thread count.
     */
    private int weightGradientChunks(int n, int plane) {
        return smallImages(plane) && n > WEIGHT_GRADIENT_CHUNK ? (n + WEIGHT_GRADIENT_CHUNK - 1) / WEIGHT_GRADIENT_CHUNK : 1;
    }

    /** A GEMM-path pass ({@link ImageJob}'s mode) over the batch's images, split as {@link #byImages} and the weight-gradient chunks say. */
    private void runImages(int mode, ConvAlgorithm algorithm, int n, Tensor a, Tensor b, int h, int w, int oh,
                           int ow, float[] partial, PackedOperand[] packed) {
        ImageJob job = idleImageJobs.take();
        if (job == null) {
            job = new ImageJob();
        }
        try {
            job.mode = mode;
            job.algorithm = algorithm;
            job.a = a;
            job.b = b;
            job.partial = partial;
            job.packed = packed;
            job.h = h;
            job.w = w;
            job.oh = oh;
            job.ow = ow;
            job.n = n;
            // one task (run on the caller, its GEMMs free to split) unless small images go by image
            job.tasks = mode == ImageJob.BACKWARD_WEIGHTS ? weightGradientChunks(n, oh * ow)
                    : byImages(n, oh * ow) ? Math.min(n, gemm.pool().parallelism()) : 1;
            gemm.pool().parallelFor(job.tasks, job);
        } finally {
            job.a = job.b = null;
            job.partial = null;
            job.packed = null;
            idleImageJobs.give(job);
        }
    }

    /**
     * A range of whole images of one GEMM-path pass per task, reused across calls so dispatch
     * allocates nothing; the GEMMs and lowerings inside run on the task's thread (the pool runs
     * nested loops inline).
     */
    private final class ImageJob implements ThreadPool.ParallelTask {
        static final int FORWARD = 0;
        static final int BACKWARD_DATA = 1;
        static final int BACKWARD_WEIGHTS = 2;

        int mode, h, w, oh, ow, n, tasks;
        ConvAlgorithm algorithm;
        Tensor a, b;
        float[] partial;
        PackedOperand[] packed;

        @Override
        public void run(int task) {
            if (mode == BACKWARD_WEIGHTS) {
                int i0 = task * WEIGHT_GRADIENT_CHUNK;
                backwardWeightsImages(algorithm, i0, Math.min(n, i0 + WEIGHT_GRADIENT_CHUNK), a, b, h, w, oh, ow,
                        partial, task * params.outChannels() * params.groupPatchSize());
                return;
            }
            int i0 = n * task / tasks;
            int i1 = n * (task + 1) / tasks;
            if (mode == FORWARD) {
                forwardImages(algorithm, i0, i1, a, b, h, w, oh, ow, packed);
            } else {
                backwardDataImages(algorithm, i0, i1, a, b, h, w, oh, ow, packed);
            }
        }
    }

    /** Multiply-adds a depthwise task should hold at least (several small planes per task). */
    private static final long DEPTHWISE_TASK_WORK = 1 << 13;

    /** Below this many patch-matrix floats, lowering runs on the caller: waking workers costs more. */
    private static final long PARALLEL_LOWERING_MIN = 1 << 15;

    /**
     * im2col ({@code scatter == false}: col := patches of the image's channels) or col2im
     * ({@code true}: the image's channels := col scattered back, each task clearing its channels
     * before adding into them — in parallel, and just before they are read again: the whole dx
     * cleared up front on the caller cost a 1x1/s2 layer's dx 3.2 MB of serial writes), channels
     * split across the pool's threads: each channel's rows of col and its plane of the image are
     * touched by one task only.
     */
    private void lower(boolean scatter, float[] image, int imageOff, int channels, int h, int w, int oh, int ow,
                       float[] col) {
        long size = (long) channels * params.kernelH() * params.kernelW() * oh * ow;
        int parts = size < PARALLEL_LOWERING_MIN ? 1 : Math.min(channels, gemm.pool().parallelism());
        LoweringJob job = idleLowerings.take();
        if (job == null) {
            job = new LoweringJob();
        }
        try {
            job.set(scatter, image, imageOff, channels, h, w, oh, ow, col, parts);
            gemm.pool().parallelFor(parts, job);
        } finally {
            job.image = job.col = null;
            idleLowerings.give(job);
        }
    }

    /** One lowering pass, reused across calls so dispatch allocates nothing. */
    private final class LoweringJob implements ThreadPool.ParallelTask {
        boolean scatter;
        float[] image, col;
        int imageOff, channels, h, w, oh, ow, parts;

        void set(boolean scatter, float[] image, int imageOff, int channels, int h, int w, int oh, int ow, float[] col,
                 int parts) {
            this.scatter = scatter;
            this.image = image;
            this.imageOff = imageOff;
            this.channels = channels;
            this.h = h;
            this.w = w;
            this.oh = oh;
            this.ow = ow;
            this.col = col;
            this.parts = parts;
        }

        @Override
        public void run(int task) {
            int c0 = channels * task / parts;
            int c1 = channels * (task + 1) / parts;
            if (scatter && !Im2col.scattersByPlane(params, ow)) {
                java.util.Arrays.fill(image, imageOff + c0 * h * w, imageOff + c1 * h * w, 0f);
                Im2col.col2imAdd(params, col, c0, c1, h, w, oh, ow, image, imageOff);
            } else if (scatter) {
                LoweringPlane plane = borrowPlane(h, w, ow);
                try {
                    Im2col.col2imStrided(params, plane.plane(), col, c0, c1, h, w, oh, ow, image, imageOff);
                } finally {
                    idlePlanes.give(plane);
                }
            } else if (params.strideW() == 1 || params.kernelW() == 1) {
                // A one-wide kernel reads each input column of a row once: gathering it straight from
                // the image beats splitting whole rows (odd rows too, at 1x1/s2) into a strided plane.
                Im2col.im2col(params, image, imageOff, c0, c1, h, w, oh, ow, col);
            } else {
                LoweringPlane plane = borrowPlane(h, w, ow);
                try {
                    Im2col.im2colStrided(params, plane.plane(), image, imageOff, c0, c1, h, w, oh, ow, col);
                } finally {
                    idlePlanes.give(plane);
                }
            }
        }
    }

    private void runDepthwise(int mode, int n, int channels, Tensor a, Tensor b, int h, int w, int oh, int ow,
                              Tensor dw, Tensor db) {
        DepthwiseJob job = idleJobs.take();
        if (job == null) {
            job = new DepthwiseJob();
        }
        try {
            boolean blocked = channelBlocked(mode, ow);
            // blocked: an item is a block of channels (ChannelBlockedDepthwise.BLOCK), of an image (forward,
            // dx) or over the batch (dw); the last block, when the channels do not divide, the rest one plane at a time
            int items = blocked ? (channels + ChannelBlockedDepthwise.BLOCK - 1) / ChannelBlockedDepthwise.BLOCK : channels;
            int planes = mode == DepthwiseJob.BACKWARD_WEIGHTS ? items : n * items;
            // Several planes per task when planes are small (MobileNet's 7x7): a task borrows a
            // workspace and claims its index, which cost more than a 7x7 plane's 441 multiply-adds.
            // And runs of planes, about four per thread (ThreadPool.runLength): with a task per plane
            // the threads took turns at the workspace pool's lock, and two threads ran MobileNetV2's
            // 192-channel 28x28 layer no faster than one.
            long work = (long) oh * ow * params.kernelH() * params.kernelW()
                    * (mode == DepthwiseJob.BACKWARD_WEIGHTS ? n : 1) * (blocked ? ChannelBlockedDepthwise.BLOCK : 1);
            int perTask = (int) Math.max(1, Math.min(planes, Math.max(gemm.pool().runLength(planes),
                    DEPTHWISE_TASK_WORK / Math.max(1, work))));
            int jobMode = !blocked ? mode : mode == DepthwiseJob.FORWARD ? DepthwiseJob.FORWARD_BLOCKED
                    : mode == DepthwiseJob.BACKWARD_DATA ? DepthwiseJob.BACKWARD_DATA_BLOCKED : DepthwiseJob.BACKWARD_WEIGHTS_BLOCKED;
            job.set(jobMode, a, b, dw, db, h, w, oh, ow, n, planes, perTask);
            gemm.pool().parallelFor((planes + perTask - 1) / perTask, job);
        } finally {
            job.clear();
            idleJobs.give(job);
        }
    }

    /** One depthwise pass, reused across calls so dispatch allocates nothing. */
    private final class DepthwiseJob implements ThreadPool.ParallelTask {
        static final int FORWARD = 0;
        static final int BACKWARD_DATA = 1;
        static final int BACKWARD_WEIGHTS = 2;
        static final int FORWARD_BLOCKED = 3;
        static final int BACKWARD_WEIGHTS_BLOCKED = 4;
        static final int BACKWARD_DATA_BLOCKED = 5;

        int mode, h, w, oh, ow, batch, planes, perTask;
        Tensor a, b, dw, db;

        void set(int mode, Tensor a, Tensor b, Tensor dw, Tensor db, int h, int w, int oh, int ow, int batch, int planes,
                 int perTask) {
            this.db = db;
            this.planes = planes;
            this.perTask = perTask;
            this.mode = mode;
            this.a = a;
            this.b = b;
            this.dw = dw;
            this.h = h;
            this.w = w;
            this.oh = oh;
            this.ow = ow;
            this.batch = batch;
        }

        void clear() {
            a = b = dw = db = null;
        }

        /** Items (planes, or channels for dw) {@code [task·perTask, (task+1)·perTask)} on one borrowed workspace. */
        @Override
        public void run(int task) {
            Depthwise kernel = borrowDepthwise(h, w);
            ChannelBlockedDepthwise blocks = mode >= FORWARD_BLOCKED ? borrowChannelBlocked(h, w) : null;
            int first = task * perTask;
            int end = Math.min(planes, first + perTask);
            try {
                for (int item = first; item < end; item++) {
                    if (blocks != null) {
                        runBlock(item, blocks, kernel);
                    } else {
                        run(item, kernel);
                    }
                }
                if (db != null && (mode == BACKWARD_WEIGHTS || mode == BACKWARD_WEIGHTS_BLOCKED)) {
                    // The task's channels in one call, not a call per channel: a small vector method
                    // called per channel was left by the JIT, in about one JVM in five, in code that
                    // boxed its vectors (1.4 MB a call on MobileNetV2's 144-channel stride-2 layer,
                    // its weight gradient 2x slower for the life of the process).
                    int per = mode == BACKWARD_WEIGHTS ? 1 : ChannelBlockedDepthwise.BLOCK;
                    int oc = params.outChannels();
                    BiasGradient.sum(b.data(), b.offset(), batch, oc, oh * ow, first * per, Math.min(oc, end * per),
                            db.data(), db.offset());
                }
            } finally {
                idleDepthwise.give(kernel);
                if (blocks != null) {
                    idleChannelBlocked.give(blocks);
                }
            }
        }

        /**
         * Item = (image, block of channels) for forward and dx, or a block of channels over the batch
         * for dw (images in order): a whole block at once, a last partial one plane by plane.
         */
        private void runBlock(int item, ChannelBlockedDepthwise blocks, Depthwise kernel) {
            int c = params.inChannels();
            int perImage = (c + ChannelBlockedDepthwise.BLOCK - 1) / ChannelBlockedDepthwise.BLOCK;
            int i = item / perImage;
            int c0 = item % perImage * ChannelBlockedDepthwise.BLOCK;
            boolean whole = c0 + ChannelBlockedDepthwise.BLOCK <= c;
            if (mode == BACKWARD_WEIGHTS_BLOCKED) {
                for (int image = 0; whole && image < batch; image++) {
                    blocks.backwardWeights(a.data(), a.offset() + (image * c + c0) * h * w, b.data(),
                            b.offset() + (image * c + c0) * oh * ow, dw.data(), dw.offset(), c0);
                }
                for (int o = c0; !whole && o < c; o++) {
                    run(o, kernel);
                }
                return;
            }
            if (whole && mode == BACKWARD_DATA_BLOCKED) {
                blocks.backwardData(b.data(), b.offset() + (i * c + c0) * oh * ow, weights, c0, a.data(),
                        a.offset() + (i * c + c0) * h * w);
                return;
            }
            if (whole) {
                blocks.forward(a.data(), a.offset() + (i * c + c0) * h * w, weights, c0, bias, min, max,
                        b.data(), b.offset() + (i * c + c0) * oh * ow);
                return;
            }
            for (int o = c0; o < c; o++) {
                run(i * c + o, kernel);
            }
        }

        private void run(int task, Depthwise kernel) {
            int c = params.inChannels();
            int oc = params.outChannels();
            int multiplier = oc / c;
            int kk = params.kernelH() * params.kernelW();
            int image = h * w;
            int plane = oh * ow;
            switch (mode) {
                case FORWARD, FORWARD_BLOCKED -> {
                    // a = x, b = y; task = (image, output channel). -0 is the exact additive identity.
                    int i = task / oc;
                    int o = task % oc;
                    kernel.forward(a.data(), a.offset() + (i * c + o / multiplier) * image, weights, o * kk,
                            bias == null ? -0f : bias[o], min, max, b.data(), b.offset() + (i * oc + o) * plane);
                }
                case BACKWARD_DATA, BACKWARD_DATA_BLOCKED -> {
                    // a = dx, b = dy; task = (image, input channel), summing its output channels in order
                    int i = task / c;
                    int ci = task % c;
                    kernel.backwardData(b.data(), b.offset() + (i * oc + ci * multiplier) * plane, multiplier,
                            weights, ci * multiplier * kk, a.data(), a.offset() + (i * c + ci) * image);
                }
                default -> {
                    // a = x, b = dy; task = output channel, summed over the batch in order
                    for (int i = 0; i < batch; i++) {
                        kernel.backwardWeights(a.data(), a.offset() + (i * c + task / multiplier) * image,
                                b.data(), b.offset() + (i * oc + task) * plane, dw.data(), dw.offset() + task * kk);
                    }
                }
            }
        }
    }

    /**
     * Winograd's (m+2)² weight matrices {@code U[ξ]} ({@code OC × C}) for output tiles of side m,
     * packed as the GEMMs' A; cached for the current weights and tile side. A form for the same m is
     * refreshed in place when the weights change (no allocation per training step); a form for the
     * other m is a new object, so a caller never mixes one tile side's matrices with the other's.
     */
    private PackedOperand[] winogradWeights(int m, boolean asB) {
        long key = (long) weightsVersion << 4 | (asB ? 8 : 0) | m;
        WinogradForm form = winogradForm;
        if (form != null && form.key == key) {
            return form.packed; // written before its key
        }
        WinogradForm next = form != null && form.m == m && form.asB == asB ? form : new WinogradForm(m, asB);
        next.u = Winograd.transformWeights(params, weights, m, next.u);
        int oc = params.outChannels();
        int c = params.inChannels();
        for (int xi = 0; xi < next.packed.length; xi++) {
            next.packed[xi] = asB ? gemm.packB(Transpose.T, c, oc, next.u, xi * oc * c, c, next.packed[xi])
                    : gemm.packA(Transpose.N, oc, c, next.u, xi * oc * c, c, next.packed[xi]);
        }
        next.key = key;
        winogradForm = next;
        return next.packed;
    }

    /** Winograd's transformed weights for one tile side, packed, and the weights version and side they are for. */
    private static final class WinogradForm {
        final int m;
        /** Packed as the products' B (transposed products) rather than their A. */
        final boolean asB;
        final PackedOperand[] packed;
        float[] u;
        volatile long key = -1;

        WinogradForm(int m, boolean asB) {
            this.m = m;
            this.asB = asB;
            this.packed = new PackedOperand[(m + 2) * (m + 2)];
        }
    }

    /** Each group's weights packed in the given form; cached until the weights change. */
    private PackedOperand[] packed(PackedForm form) {
        int version = weightsVersion;
        int f = form.ordinal();
        // the version before the form: a form is stored before its version, so a current version
        // guarantees the form that goes with it is visible
        if (packedVersions.get(f) == version) {
            return packedForms.get(f);
        }
        PackedOperand[] packed = packGroups(packedForms.get(f), form);
        packedForms.set(f, packed);
        packedVersions.set(f, version);
        return packed;
    }

    /**
     * The forms the GEMM paths use: W as A (the forward), Wᵀ as A (the data gradient, {@code Wᵀ·dY}),
     * Wᵀ as B (the transposed forward product {@code colᵀ·Wᵀ}).
     */
    private enum PackedForm { A, TRANSPOSED_A, TRANSPOSED_B }

    private static AtomicIntegerArray neverPacked() {
        int[] versions = new int[PackedForm.values().length];
        java.util.Arrays.fill(versions, -1);
        return new AtomicIntegerArray(versions);
    }

    /**
     * Group g's {@code OC/g × K} weights packed as A, their transpose ({@code K × OC/g}) as A, or their
     * transpose as B; into {@code into} if given.
     */
    private PackedOperand[] packGroups(PackedOperand[] into, PackedForm form) {
        int groups = params.groups();
        int ocg = params.groupOutChannels();
        int kg = params.groupPatchSize();
        PackedOperand[] packed = into == null ? new PackedOperand[groups] : into;
        for (int g = 0; g < groups; g++) {
            packed[g] = switch (form) {
                case A -> gemm.packA(Transpose.N, ocg, kg, weights, g * ocg * kg, kg, packed[g]);
                case TRANSPOSED_A -> gemm.packA(Transpose.T, kg, ocg, weights, g * ocg * kg, kg, packed[g]);
                case TRANSPOSED_B -> transposedGemm.packB(Transpose.T, kg, ocg, weights, g * ocg * kg, kg, packed[g]);
            };
        }
        return packed;
    }

    /**
     * Tells the layer its weight array was changed in place (an optimizer step), so the forms it has
     * derived from them (packed weights, Winograd's transform, the flipped weights) are recomputed,
     * into the same arrays, on next use.
     */
    public void weightsUpdated() {
        weightsVersion++;
    }

    /**
     * Output pixels below which the forward GEMM may run transposed, {@code Yᵀ = colᵀ·Wᵀ}: with few
     * pixels the usual {@code W·col} has a short N that wastes much of the last NR = 24 columns
     * (49 pixels fill 68% of three panels), while channel counts are often multiples of 24 or close.
     * A tuning profile's {@code conv.transposedMaxPixels} (or the system property
     * {@code striate.conv.transposedMaxPixels}) replaces it.
     */
    static final int TRANSPOSED_PRODUCT_MAX_PIXELS =
            Tuning.intValue("striate.conv.transposedMaxPixels", "conv.transposedMaxPixels", 256);

    /**
     * Whether the forward product of {@code algorithm} runs transposed for {@code pixels} output
     * pixels: below the threshold, when the register tiles are fuller that way — the fraction of
     * MR×NR tile cells holding a result, {@code rows/roundUp(rows, MR) · cols/roundUp(cols, NR)},
     * with pixels on M and channels on N of the transposed product's tile instead of the reverse on
     * the usual one's — by a measured margin. Both gather their patches as they pack them
     * ({@link PatchPanels}: as B, or as A's 7-pixel panels); the transposed one then transposes its
     * {@code pixels × channels} result into y.
     *
     * <p>On 16 lanes the transposed product runs {@link #TRANSPOSED_KERNEL} (7x3v) and the usual one
     * 8x2v; the margin is {@value #TRANSPOSED_KERNEL_MIN_GAIN} for every algorithm. Measured (one
     * thread, time transposed 7x3v / usual 8x2v, same process): 512→512 3x3 at 7x7 0.89–0.93
     * (tiles 97% vs 77%: 1.27×), 256→512 1x1/s2 to 7x7 0.91, pointwise at 7x7 160→960 0.90 (1.31×),
     * 960→320 0.94 (1.24×), 512→2048 0.92, 2048→512 0.90; but 960→160 1.03 (1.08×), 384→48 at 13x13
     * 1.67 (1.10×), 256→256 3x3 at 14x14 1.16 (1.02×).
     *
     * <p>On 8 lanes both run 3x3v, for im2col by {@value #TRANSPOSED_IM2COL_MIN_GAIN}×: on LeNet-5's
     * second layer (16 channels, 100 pixels: 74% usual vs 65% transposed) the usual product took
     * 2.2–3.1 ms per batch of 64 against 3.6–4.2 transposed; the 7x7 layers (68%, 93%) ran 1.04–1.19×
     * faster transposed, the 14x14 ones 0.83–0.90. Gathering A's panels instead of lowering the
     * patch matrix took 0.92–0.98 of the time there (256-bit vectors on the AVX-512 machine).
     */
    private boolean transposesProduct(ConvAlgorithm algorithm, long pixels) {
        if (pixels >= TRANSPOSED_PRODUCT_MAX_PIXELS) {
            return false;
        }
        int ocg = params.groupOutChannels();
        double transposed = tileUse(pixels, transposedGemm.config().mr()) * tileUse(ocg, transposedGemm.config().nr());
        double gain = transposedGemm != gemm ? TRANSPOSED_KERNEL_MIN_GAIN
                : algorithm == ConvAlgorithm.IM2COL ? TRANSPOSED_IM2COL_MIN_GAIN : 1;
        return transposed > gain * tileUse(ocg, gemm.config().mr()) * tileUse(pixels, gemm.config().nr());
    }

    /** How much fuller the transposed product's tiles must be for an im2col layer to run it on the one kernel (see {@link #transposesProduct}). */
    private static final double TRANSPOSED_IM2COL_MIN_GAIN = 1.25;

    /** How much fuller the tiles of {@link #TRANSPOSED_KERNEL} must be than 8x2v's (see {@link #transposesProduct}). */
    private static final double TRANSPOSED_KERNEL_MIN_GAIN = 1.2;

    /** The transposed product's micro-kernel on 16 lanes: 7 pixels by 48 channels (see {@link #transposesProduct}). */
    private static final String TRANSPOSED_KERNEL = "7x3v";

    private static double tileUse(long n, int tile) {
        return (double) n / ((n + tile - 1) / tile * tile);
    }

    /**
     * The layer whose forward pass is this stride-1 layer's dx: input {@code outChannels}, output
     * {@code inChannels}, the same kernel size and dilation, padding {@code dilation·(K−1) − pad}
     * per side, the same groups. Null unless stride 1 and every pad is at most {@code dilation·(K−1)}.
     */
    private static ConvParams transposedParams(ConvParams params) {
        int spanH = params.dilationH() * (params.kernelH() - 1);
        int spanW = params.dilationW() * (params.kernelW() - 1);
        if (params.strideH() != 1 || params.strideW() != 1
                || params.padTop() > spanH || params.padBottom() > spanH
                || params.padLeft() > spanW || params.padRight() > spanW) {
            return null;
        }
        return new ConvParams(params.outChannels(), params.inChannels(), params.kernelH(), params.kernelW(), 1, 1,
                spanH - params.padTop(), spanW - params.padLeft(), spanH - params.padBottom(), spanW - params.padRight(),
                params.dilationH(), params.dilationW(), params.groups());
    }

    /** {@link #transposedParams(ConvParams)} with the kernel flipped and its channels swapped; cached. */
    private Convolution dataGradientLayer() {
        int version = weightsVersion;
        if (dataGradientVersion == version) {
            return dataGradientLayer; // read after its version, as in packed(PackedForm)
        }
        Convolution layer = dataGradientLayer;
        int kh = params.kernelH();
        int kw = params.kernelW();
        int cg = params.groupInChannels();
        int ocg = params.groupOutChannels();
        float[] flipped = layer == null ? new float[weights.length] : layer.weights;
        // Output channel o = g·OCg + j reading input i = g·Cg + k becomes output i reading input j of group g.
        for (int o = 0; o < params.outChannels(); o++) {
            int g = o / ocg;
            for (int k = 0; k < cg; k++) {
                int i = g * cg + k;
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        flipped[((i * ocg + o - g * ocg) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)]
                                = weights[((o * cg + k) * kh + y) * kw + x];
                    }
                }
            }
        }
        if (layer == null) {
            layer = new Convolution(transposedParams, flipped, null, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY,
                    dataGradientRequest(), gemm);
        } else {
            layer.weightsUpdated();
        }
        dataGradientLayer = layer;
        dataGradientVersion = version;
        return layer;
    }

    /**
     * The algorithm the flipped layer of dx is asked for: this layer's, or IM2COL for the forward-only
     * DIRECT_BLOCKED, whose channel blocks the flipped layer's output channels (this one's inputs) need not fill.
     */
    private ConvAlgorithm dataGradientRequest() {
        return requested == ConvAlgorithm.DIRECT_BLOCKED ? ConvAlgorithm.IM2COL : requested;
    }

    /** Whether the backward passes lower patches to columns (Winograd layers' dw does). */
    private static boolean lowersToColumns(ConvAlgorithm algorithm) {
        return algorithm == ConvAlgorithm.IM2COL || algorithm.isWinograd();
    }

    /** A Winograd workspace for {@code h×w} inputs and m×m output tiles: a pooled one if it fits, else a new one. */
    private Winograd borrowWinograd(int h, int w, int m) {
        Winograd winograd = idleWinograd.take();
        return winograd != null && winograd.fits(h, w, m) ? winograd : new Winograd(params, h, w, m, gemm.config().mr(), gemm.config().nr());
    }

    /** A strided-im2col plane and the image size it was built for. */
    private record LoweringPlane(int h, int w, StridedPlane plane) {
    }

    /** A banded dx workspace for {@code h×w} inputs: a pooled one if it fits, else a new one. */
    private BandedDataGradient borrowBanded(int h, int w, boolean direct) {
        BandedDataGradient banded = idleBanded.take();
        return banded != null && banded.fits(h, w, direct) ? banded : new BandedDataGradient(params, h, w, direct);
    }

    /**
     * Whether dx goes through {@link BandedDataGradient}'s direct tile: a layer whose forward is
     * DIRECT (few input channels), where it applies. Its time against the GEMM-and-scatter path (dx
     * alone, the two alternated in one process, one thread / two): ResNet's 7x7/s2 first layer
     * 0.87–0.91 / 0.87–0.94, SqueezeNet's 3x3/s2 one 0.73 on two threads, its 16→64 3x3 at 55x55 1.03 / 1.00,
     * at 27x27 0.65 / 0.52, MobileNetV2's 3→32 3x3/s2 0.77 / 0.74.
     */
    private boolean directDataGradient(int h, int w) {
        return algorithmFor(h, w) == ConvAlgorithm.DIRECT && BandedDataGradient.directApplies(params);
    }

    /** A plane for strided im2col of {@code h×w} inputs: a pooled one if it fits, else a new one. */
    private LoweringPlane borrowPlane(int h, int w, int ow) {
        LoweringPlane plane = idlePlanes.take();
        return plane != null && plane.h() == h && plane.w() == w
                ? plane : new LoweringPlane(h, w, Im2col.planeFor(params, h, w, ow));
    }

    /**
     * The implicit patch matrix of {@code h×w} inputs with panels {@code width} wide (B's NR, or the
     * transposed product's MR): pool's if it fits, else a new one; the caller gives it back to pool.
     */
    private PatchPanels borrowPatches(WorkspacePool<PatchPanels> pool, int h, int w, int width) {
        PatchPanels patches = pool.take();
        return patches != null && patches.fits(h, w, width) ? patches : new PatchPanels(params, h, w, width);
    }

    /**
     * Whether the forward pass and the weight gradient read each patch in place from a pixel-major
     * copy of the image ({@link PixelMajorConv}) instead of lowering it: im2col layers of one group
     * on small images (under 2^22 multiply-adds, as {@link #smallImages}, and under 256 output
     * pixels). Measured (time against im2col + GEMM, batch 64): LeNet-5's 6→16 5x5 layer at 10x10,
     * forward 0.49–0.51 / 0.54 (1 / 2 threads), weight gradient 0.48 / 0.57; a CIFAR-size 16→32
     * 3x3/s2 layer at 16x16 (256 pixels) 1.03 / 1.06, which keeps im2col. A one-input-channel layer
     * (else the depthwise kernel, one plane per output channel) too: the demo's 1→32 5x5 on 8x8
     * forward 0.47, dw 0.43; LeNet-5's 1→6 on 28x28 (784 pixels) measured 1.40 and stays depthwise.
     * Only within one image's patch matrix, the workspace bound, which the copies of the
     * image and the output pass on layers that fan out or stride (and the demo's first layer, 2192
     * floats against 1600).
     */
    private boolean pixelMajor(ConvAlgorithm algorithm, int h, int w) {
        // one input channel counts as depthwise too (groups == inChannels == 1), several outputs per input
        boolean oneInput = algorithm == ConvAlgorithm.DEPTHWISE && params.groups() == 1;
        int plane = params.outputHeight(h) * params.outputWidth(w);
        return (algorithm == ConvAlgorithm.IM2COL || oneInput) && plane < PIXEL_MAJOR_MAX_PIXELS
                && PixelMajorConv.applies(params) && smallImages(plane)
                && withinPatchMatrix(params, PixelMajorConv.floats(params, h, w), h, w);
    }

    private static final int PIXEL_MAJOR_MAX_PIXELS = 256;


    /**
     * Whether dx of this stride-1 layer runs as the forward pass of the flipped layer on
     * {@link PixelMajorConv} (when that layer qualifies as {@link #pixelMajor} does) rather than
     * Wᵀ·dY and col2im: only for "same" layers (output as large as the input), where the full
     * convolution multiplies no more than the layer does. Measured at batch 64 (time against Wᵀ·dY
     * and col2im): 0.62 on the demo's 32→64 3x3 layer on 4x4 maps; 1.63 on LeNet-5's 6→16 5x5 valid
     * layer (the padded full convolution multiplies 2.6× the products there), which keeps col2im.
     */
    private boolean pixelMajorDataGradient(int h, int w) {
        long plane = (long) h * w;
        return params.outputHeight(h) == h && params.outputWidth(w) == w
                && dataGradientRequest().choose(transposedParams, h, w, gemm.config().mr(), gemm.config().nr()) == ConvAlgorithm.IM2COL && PixelMajorConv.applies(transposedParams)
                && plane < PIXEL_MAJOR_MAX_PIXELS
                && withinPatchMatrix(transposedParams, PixelMajorConv.floats(transposedParams, h, w), h, w)
                && (long) transposedParams.outChannels() * transposedParams.groupPatchSize() * plane < IMAGE_PARALLEL_MAX_WORK;
    }

    /** A kernel's copy of the weights, how it packs them, and the weights version it holds (written array first, version second). */
    private static final class KernelWeights {
        final Packer packer;
        volatile float[] packed;
        volatile int version = -1;

        KernelWeights(Packer packer) {
            this.packer = packer;
        }
    }

    /** A kernel's weight packing: the layer's weights into {@code into} when it fits, else a new array. */
    private interface Packer {
        float[] pack(ConvParams p, float[] weights, float[] into);
    }

    /** form's weights for the current weights, repacked in place when they changed (read version first, as {@link #packed}). */
    private float[] weightsFor(KernelWeights form) {
        int version = weightsVersion;
        if (form.version == version) {
            return form.packed;
        }
        float[] packed = form.packer.pack(params, weights, form.packed);
        form.packed = packed;
        form.version = version;
        return packed;
    }

    /**
     * Whether dw goes through {@link DirectWeightGradient}: a layer whose forward is DIRECT (few input
     * channels), or one that {@code AUTO} runs DIRECT_BLOCKED only because
     * {@code ConvAlgorithm.blockedBeatsDirect} (its forward and dx faster there, the blocked dw
     * 1.27–1.39× the direct one's time on two threads), where it applies. Its time against im2col's
     * path (dw alone, the two alternated in one process, one thread / two): ResNet's 7x7/s2 first
     * layer 0.51–0.54 / 0.48–0.67, SqueezeNet's 3x3/s2 one 0.70 / 0.71, its 16→64 3x3 at 55x55
     * 0.60–0.65 / 0.54, AlexNet's 11x11/s4 first layer (96 channels) 0.83 / 0.6–0.9, MobileNetV2's
     * 3→32 3x3/s2 0.51–0.65 / 0.65–0.91.
     */
    private boolean directWeightGradient(int h, int w) {
        ConvAlgorithm forward = algorithmFor(h, w);
        int oh = params.outputHeight(h);
        int ow = params.outputWidth(w);
        boolean movedFromDirect = requested == ConvAlgorithm.AUTO && forward == ConvAlgorithm.DIRECT_BLOCKED
                && ConvAlgorithm.directFits(params, ow) && ConvAlgorithm.blockedBeatsDirect(params, oh, ow);
        return (forward == ConvAlgorithm.DIRECT || movedFromDirect) && DirectWeightGradient.applies(params);
    }

    private DirectWeightGradient borrowDirectWeightGradient(int h, int w) {
        DirectWeightGradient direct = idleDirectWeightGradients.take();
        return direct != null && direct.fits(h, w) ? direct : new DirectWeightGradient(params, h, w);
    }

    /**
     * Whether dx goes through {@link ChannelBlockedDataGradient} (where it applies, in no more
     * workspace than one image's patch matrix): a layer whose forward is DIRECT_BLOCKED, or a strided
     * one that {@code AUTO} gives IM2COL (an explicit IM2COL keeps Wᵀ·dY and col2im). Measured (dx
     * alone, the two alternated in separate JVMs, time against Wᵀ·dY and col2im, one thread / two):
     * ResNet-18's 3x3/s2 64→128 to 28x28 0.77–0.78 / 0.69–0.70, 128→256 to 14x14 0.76–0.78 /
     * 0.73–0.75, 256→512 to 7x7 0.68 / 0.74; ResNet-50's 3x3/s2 128→128 0.58 / 0.61, 256→256 0.74 /
     * 0.86, 512→512 0.82 / 0.76;
     * SqueezeNet's 64→256 3x3 at 13x13 0.80 / 0.75. The 1x1/s2 downsamples (three of four phases of
     * dx untouched) ran 1.03–1.17 / 1.03–1.34 and are left out by {@code applies}.
     */
    private boolean blockedDataGradient(int h, int w) {
        ConvAlgorithm forward = algorithmFor(h, w);
        boolean strided = params.strideH() * params.strideW() > 1;
        return (forward == ConvAlgorithm.DIRECT_BLOCKED
                        || forward == ConvAlgorithm.IM2COL && strided && requested == ConvAlgorithm.AUTO)
                && ChannelBlockedDataGradient.applies(params)
                && withinPatchMatrix(params, ChannelBlockedDataGradient.floats(params, h, w), h, w);
    }

    /**
     * Whether {@code floats} of workspace stay within one image's patch matrix of layer p on
     * {@code h×w} inputs ({@code C/g·KH·KW × OH·OW}), the bound.
     */
    private static boolean withinPatchMatrix(ConvParams p, long floats, int h, int w) {
        return floats <= (long) p.groupPatchSize() * p.outputHeight(h) * p.outputWidth(w);
    }

    /**
     * Whether dw goes through {@link ChannelBlockedWeightGradient}: a layer whose forward is
     * DIRECT_BLOCKED, from {@value #BLOCKED_WEIGHT_GRADIENT_MIN_PIXELS} output pixels, in no more
     * workspace (one image) than one image's patch matrix. Measured (dw and db, separate JVMs
     * alternated, time against im2col's dY·colᵀ, one thread / two): ResNet-18's 3x3/s2 64→128 to
     * 28x28 0.76 / 0.79, ResNet-50's 128→128 0.65 / 0.73, SqueezeNet's 32→128 at 27x27 0.76 / 0.77,
     * AlexNet conv2 0.82 / 0.86, 128→128/s2 to 20x20 0.80 / 0.84, 64→128 at 20x20 1.04 / 0.85; from
     * 169 to 196 pixels within the noise of im2col (0.97–1.02 / 1.00–1.05: the transposes of the
     * planes, dy and the sums weigh more against fewer pixels per tile).
     */
    private boolean blockedWeightGradient(int h, int w) {
        int pixels = params.outputHeight(h) * params.outputWidth(w);
        return algorithmFor(h, w) == ConvAlgorithm.DIRECT_BLOCKED && pixels >= BLOCKED_WEIGHT_GRADIENT_MIN_PIXELS
                && ChannelBlockedWeightGradient.applies(params)
                && withinPatchMatrix(params, ChannelBlockedWeightGradient.floats(params, h, w), h, w);
    }

    private static final int BLOCKED_WEIGHT_GRADIENT_MIN_PIXELS = 400;

    private ChannelBlockedWeightGradient borrowBlockedWeights(int h, int w) {
        ChannelBlockedWeightGradient blocked = idleBlockedWeights.take();
        return blocked != null && blocked.fits(h, w) ? blocked : new ChannelBlockedWeightGradient(params, h, w);
    }

    private ChannelBlockedDataGradient borrowBlockedData(int h, int w) {
        ChannelBlockedDataGradient blocked = idleBlockedData.take();
        return blocked != null && blocked.fits(h, w) ? blocked : new ChannelBlockedDataGradient(params, h, w);
    }

    private ChannelBlockedConv borrowBlocked(int h, int w) {
        ChannelBlockedConv blocked = idleBlockedConv.take();
        return blocked != null && blocked.fits(h, w) ? blocked : new ChannelBlockedConv(params, h, w);
    }

    private DirectConv borrowDirect(int h, int w) {
        DirectConv direct = idleDirect.take();
        return direct != null && direct.fits(h, w) ? direct : new DirectConv(params, h, w);
    }

    private PixelMajorConv borrowPixelMajor(int h, int w) {
        PixelMajorConv kernel = idlePixelMajor.take();
        return kernel != null && kernel.fits(h, w) ? kernel : new PixelMajorConv(params, h, w);
    }

    /** A channel-blocked depthwise workspace for {@code h×w} inputs: a pooled one if it fits, else a new one. */
    private ChannelBlockedDepthwise borrowChannelBlocked(int h, int w) {
        ChannelBlockedDepthwise kernel = idleChannelBlocked.take();
        return kernel != null && kernel.fits(h, w) ? kernel : new ChannelBlockedDepthwise(params, h, w);
    }

    /**
     * Whether depthwise pass {@code mode} ({@link DepthwiseJob}) runs a vector's lanes of channels at a
     * time ({@link ChannelBlockedDepthwise}): one input channel per output channel and output rows narrower than
     * {@value #CHANNEL_BLOCKED_MAX_WIDTH}, where the row-vectorized kernel's per-row costs dominate.
     * Measured (time against the row kernel, one thread, MobileNetV2's 3x3 layers): 0.52 on 960
     * channels at 7x7, 0.50 on 576 at 14x14 stride 2, ~0.8 on 576 at 14x14; 1.0–1.1 on 192 at 28x28,
     * 1.1–1.4 on 144 at 56x56 (stride 2 and 1), 1.8 on 32 at 112x112.
     */
    private boolean channelBlocked(int mode, int ow) {
        // the forward pass of a flattening layer runs its plane as one row instead (Depthwise.flattens)
        return ChannelBlockedDepthwise.applies(params) && ow < CHANNEL_BLOCKED_MAX_WIDTH
                && !(mode == DepthwiseJob.FORWARD && Depthwise.flattens(params, ow));
    }

    private static final int CHANNEL_BLOCKED_MAX_WIDTH = 16;

    private Depthwise borrowDepthwise(int h, int w) {
        Depthwise kernel = idleDepthwise.take();
        return kernel != null && kernel.fits(h, w) ? kernel : new Depthwise(params, h, w);
    }

    /** A pooled array of at least {@code size} floats, else a new one. */
    private float[] borrow(WorkspacePool<float[]> pool, long size) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("conv " + params + ": a workspace of " + size
                    + " floats is needed, more than a Java array holds");
        }
        float[] a = pool.take();
        return a != null && a.length >= size ? a : new float[(int) size];
    }

    private Tensor requireContiguous(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("conv " + params + ": " + name + " must not be null");
        }
        if (!t.isContiguous()) {
            throw new IllegalArgumentException("conv " + params + ": " + name + " " + t.shape()
                    + " must be contiguous (use copy())");
        }
        return t;
    }

    /**
     * Checks an input-side tensor ({@code [N, inChannels, H, W]}, contiguous, a valid image size) and
     * the output-side tensor that must go with it; returns the input's shape.
     */
    private Shape checkPair(String inName, Tensor in, String outName, Tensor out) {
        Shape shape = requireContiguous(inName, in).shape();
        params.checkInput(shape);
        requireOutputShape(outName, out, shape);
        return shape;
    }

    /** t must be {@code [batch, outChannels, OH, OW]} for input shape in. */
    private void requireOutputShape(String name, Tensor t, Shape in) {
        requireShape(name, t, in.dim(0), params.outChannels(), params.outputHeight(in.dim(2)),
                params.outputWidth(in.dim(3)));
    }

    /**
     * t must be contiguous with dims {@code (d0, d1, d2, d3)}, or {@code (d0)} when {@code d1 < 0}.
     * Compares dimension by dimension, so a call that passes allocates nothing.
     */
    private void requireShape(String name, Tensor t, int d0, int d1, int d2, int d3) {
        requireContiguous(name, t);
        boolean matches = d1 < 0
                ? t.rank() == 1 && t.dim(0) == d0
                : t.rank() == 4 && t.dim(0) == d0 && t.dim(1) == d1 && t.dim(2) == d2 && t.dim(3) == d3;
        if (!matches) {
            Shape expected = d1 < 0 ? Shape.of(d0) : Shape.of(d0, d1, d2, d3);
            throw new IllegalArgumentException("conv " + params + ": " + name + " must be " + expected
                    + ", got " + t.shape());
        }
    }

    private void requireDisjoint(String name, Tensor t, String otherName, Tensor other) {
        boolean sameArray = t.data() == other.data();
        if (sameArray && t.offset() < other.offset() + other.size() && other.offset() < t.offset() + t.size()) {
            throw new IllegalArgumentException("conv " + params + ": " + name + " overlaps " + otherName
                    + " in the same array; " + name + " must be a separate buffer");
        }
        if (t.data() == weights || t.data() == bias) {
            throw new IllegalArgumentException("conv " + params + ": " + name + " shares the layer's weight or bias array");
        }
    }
}

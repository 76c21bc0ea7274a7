package dev.striate.conv;

import dev.striate.gemm.PanelSource;
import dev.striate.runtime.ThreadPool;
import dev.striate.simd.Interleave;
import dev.striate.simd.FloatSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * One image and group's patch matrix ({@link Im2col}'s layout: row {@code (c·KH + kh)·KW + kw},
 * column {@code oh·OW + ow}) as a {@link PanelSource}: the GEMM gathers each micro-panel from the
 * image as it packs it (implicit im2col), so the matrix — {@code KH·KW} times the image, 7 MB for
 * AlexNet's 5x5 conv2 — is never written out and read back.
 *
 * <p>With the padding made real zeros in a bordered copy of the group's channels (none is made for
 * an unpadded layer: the image is read in place), element (r, j) lies at {@code rowBase[r] +
 * columnOffset[j]}: the row (channel and tap) and the column (output pixel) contribute separate
 * offsets whatever the stride and dilation, so a panel row is one vector gather per vector of
 * columns, the same index table serving every row. Measured packing AlexNet conv2's B (2400 × 729,
 * one thread): 0.45–0.53 ms gathered against 0.66 ms of im2col plus 0.73–0.75 ms packing its
 * matrix.
 *
 * <p>The {@link #transposed} view is the matrix's transpose, the weight gradient's B ({@code dW =
 * dY·colᵀ}): depth is pixels, columns the patch rows. Its panels are register transposes of the
 * source's rows, a block of up to L pixels of an output row by L patch rows at a time: ResNet's
 * 256→256 3x3 weight gradient at 14x14 took 1245–1257 µs with a gather per pixel through the row
 * table and 1152–1161 so (one thread, 8x2v both, alternated; the bare product on its shape 1013–1067).
 *
 * <p>Panels of MR pixels, narrower than a vector, are the A panels of the transposed forward
 * product {@code Yᵀ = colᵀ·Wᵀ} ({@link dev.striate.gemm.Sgemm#gemm(PanelSource,
 * dev.striate.gemm.PackedOperand, float, float, float[], int, int, dev.striate.gemm.Epilogue, float[],
 * int)}): each panel row one store, loaded plainly where the panel's pixels are
 * consecutive in the source (7 pixels of one output row at 7x7: at stride 2 too, the copy's columns
 * split by stride phase), else gathered.
 *
 * <p>Thread-safety: {@link #load} is one thread's (it runs its copy on the pool it is given); after
 * it, the product's threads may pack panels concurrently (reads only). One instance per concurrent
 * product.
 */
final class PatchPanels implements PanelSource, ThreadPool.ParallelTask {

    private static final VectorSpecies<Float> S = FloatSpecies.PREFERRED;
    private static final int L = FloatSpecies.LANES;

    private final ConvParams p;
    /** The input size these tables are for. */
    private final int h, w;
    private final int paddedH, paddedW;
    private final int rows, columns;
    private final int panelWidth;
    /** Per panel of a width that is no whole number of vectors: whether its pixels lie consecutively in every row of the source. */
    private final boolean[] consecutive;
    private final Transposed transposed;
    /** Views of the transpose's pixel chunks ({@link #transposed(int, int)}), made on first use. */
    private Transposed[] chunks = new Transposed[0];
    /** Offset of each patch-matrix row's first element (output pixel 0) in the source, past the last row 0 (panel padding). */
    private final int[] rowBase;
    /**
     * Offset of each output pixel from its row's base, past the last pixel 0 (panel padding reads
     * pixel 0's element), and a vector more for panels narrower than whole vectors.
     */
    private final int[] columnOffset;
    /**
     * One channel's layout in {@link #bordered}: zero borders, and for panels of MR pixels at column
     * stride s > 1 its columns split by stride phase, so a patch row's pixels along an output row are
     * consecutive floats, a panel row one plain load rather than a gather (ResNet's 256→512 3x3 at
     * stride 2 took 0.90–0.97 of the time; B panels of whole vectors, still gathered, gained nothing
     * from the split; not made for an unpadded 1x1 layer: see the constructor). Null where the
     * image is read in place.
     */
    private final StridedPlane layout;
    /** The group's channels laid out as {@link #layout} says; null where the image is read in place. */
    private final float[] bordered;
    private float[] source;
    /** The image {@link #load} copies, and the channels per task of its copy. */
    private float[] loading;
    private int loadingAt, loadRun;
    private int sourceAt;

    /**
     * The tables for {@code h×w} inputs of layer p, columns padded to whole panels of {@code panelWidth}.
     *
     * @throws IllegalArgumentException if the bordered image would not fit in a Java array
     */
    PatchPanels(ConvParams p, int h, int w, int panelWidth) {
        this.p = p;
        this.h = h;
        this.w = w;
        this.paddedH = h + p.padTop() + p.padBottom();
        this.paddedW = w + p.padLeft() + p.padRight();
        int split = split(p, panelWidth);
        boolean copied = split > 0;
        this.layout = copied ? new StridedPlane(paddedH, paddedW, split, p.padTop(), p.padLeft()) : null;
        int rowStride = copied ? layout.rowStride : w;
        long channelFloats = copied ? (long) paddedH * rowStride : (long) h * w;
        long sourceFloats = channelFloats * p.groupInChannels();
        if (sourceFloats > Integer.MAX_VALUE - L) {
            throw new IllegalArgumentException("conv " + p + ": a " + h + "x" + w + " input padded to " + paddedH + "x"
                    + paddedW + " is " + sourceFloats + " floats per group, more than a Java array holds");
        }
        int oh = p.outputHeight(h);
        int ow = p.outputWidth(w);
        this.columns = oh * ow;
        this.bordered = copied ? new float[(int) sourceFloats] : null;
        this.rows = p.groupPatchSize();
        this.transposed = new Transposed(0, columns);
        this.rowBase = new int[(rows + panelWidth - 1) / panelWidth * panelWidth];
        for (int c = 0, r = 0; c < p.groupInChannels(); c++) {
            for (int kh = 0; kh < p.kernelH(); kh++) {
                for (int kw = 0; kw < p.kernelW(); kw++, r++) {
                    int column = kw * p.dilationW();
                    rowBase[r] = (int) (c * channelFloats) + kh * p.dilationH() * rowStride
                            + (copied ? layout.offset(0, column) : column);
                }
            }
        }
        this.panelWidth = panelWidth;
        this.columnOffset = new int[(columns + panelWidth - 1) / panelWidth * panelWidth + (panelWidth % L == 0 ? 0 : L)];
        for (int y = 0, j = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++, j++) {
                columnOffset[j] = y * p.strideH() * rowStride + (copied ? layout.offset(0, x * p.strideW()) : x * p.strideW());
            }
        }
        this.consecutive = new boolean[panelWidth % L == 0 ? 0 : (columns + panelWidth - 1) / panelWidth];
        for (int q = 0; q < consecutive.length; q++) {
            boolean run = (q + 1) * panelWidth <= columns;
            for (int v = 1; v < panelWidth && run; v++) {
                run = columnOffset[q * panelWidth + v] == columnOffset[q * panelWidth] + v;
            }
            consecutive[q] = run;
        }
    }

    /** Whether these tables are for {@code h×w} inputs with panels of {@code panelWidth} columns. */
    boolean fits(int h, int w, int panelWidth) {
        return this.h == h && this.w == w && this.panelWidth == panelWidth;
    }

    /** Floats of the bordered copy (0 for an unpadded layer): the workspace beyond the index tables. */
    long floats() {
        return bordered == null ? 0 : bordered.length;
    }

    /** {@link #floats()} of the instance for these arguments, computed without building it. */
    static long floats(ConvParams p, int h, int w, int panelWidth) {
        int split = split(p, panelWidth);
        return split == 0 ? 0 : StridedPlane.floats(h + p.padTop() + p.padBottom(), w + p.padLeft() + p.padRight(), split)
                * p.groupInChannels();
    }

    /**
     * The column split of the bordered copy: the stride for panels of MR pixels (narrower than a
     * vector), 1 for whole vectors, 0 where the image is read in place without a copy.
     */
    private static int split(ConvParams p, int panelWidth) {
        // A panels of MR pixels (a transposed product) read an output row's pixels with plain loads
        // where they are consecutive: at column stride s > 1 the copy splits its columns by stride
        // phase — where a copy pays: the layer pads (a copy is made anyway) or several taps read
        // each input. An unpadded 1x1 layer reads each input once at most, so its panels are gathered
        // from the image in place: ResNet's 256→512 1x1/s2 to 7x7 took 0.77–0.84 of the time on one
        // thread and 0.55–0.69 on two (the copy, a parallel pass of its own, cost 44 µs a call), the
        // 1024→2048 one 0.82–0.87 / 0.84–0.86; an unpadded 2x2/s2 layer 1.03–1.04 / 0.91–0.96 keeps it.
        boolean pads = p.padTop() + p.padBottom() + p.padLeft() + p.padRight() > 0;
        boolean oneTap = p.kernelH() == 1 && p.kernelW() == 1;
        int split = panelWidth % L != 0 && (pads || !oneTap) ? p.strideW() : 1;
        return pads || split > 1 ? split : 0;
    }

    /**
     * Makes the group's channels starting at {@code x[xAt]} ({@code channels × h × w}) the matrix's
     * source: copied inside the zero borders (split by stride phase where {@link #layout} says; the
     * borders are never written, so they stay zero from the allocation on) when the layer pads or
     * its columns are split, else read in place. The copy is cut into runs of channels on {@code pool}: on
     * one thread it kept the other idle for 45–90 µs before ResNet's 256→512 3x3 at stride 2 (two
     * threads: that layer 0.87–0.90 of the time, its 512→512 0.96–0.98, 64→128 at stride 2 0.95,
     * one thread unchanged; same-process A/B).
     */
    void load(float[] x, int xAt, ThreadPool pool) {
        if (bordered == null) {
            source = x;
            sourceAt = xAt;
            return;
        }
        loading = x;
        loadingAt = xAt;
        loadRun = pool.runLength(p.groupInChannels());
        try {
            pool.parallelFor((p.groupInChannels() + loadRun - 1) / loadRun, this);
        } finally {
            loading = null;
        }
        source = bordered;
        sourceAt = 0;
    }

    /** Channels {@code [task·loadRun, +loadRun)} of the image in {@link #load} into the bordered copy. */
    @Override
    public void run(int task) {
        for (int c = task * loadRun, end = Math.min(p.groupInChannels(), c + loadRun); c < end; c++) {
            for (int r = 0; r < h; r++) {
                layout.placeRow(loading, loadingAt + (c * h + r) * w, w, bordered,
                        (c * paddedH + r + p.padTop()) * layout.rowStride);
            }
        }
    }

    /** Drops the reference to the caller's image. */
    void unload() {
        source = null;
    }

    /** The transposed matrix, {@code OH·OW × C/g·KH·KW}, reading what {@link #load} loaded. */
    PanelSource transposed() {
        return transposed;
    }

    /**
     * Rows {@code [chunk·pixels, +pixels)} (the last chunk shorter) of the transposed matrix: chunk
     * {@code chunk} of the output pixels, for weight-gradient products split over them. The views
     * are kept (nothing allocated once made); safe to pack from concurrently after {@link #load}.
     */
    PanelSource transposed(int chunk, int pixels) {
        if (chunks.length <= chunk || chunks[chunk].first != chunk * pixels) {
            Transposed[] grown = java.util.Arrays.copyOf(chunks, Math.max(chunks.length, chunk + 1));
            grown[chunk] = new Transposed(chunk * pixels, Math.min(columns, (chunk + 1) * pixels));
            chunks = grown;
        }
        return chunks[chunk];
    }

    @Override
    public int depth() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    /** dst panels := gathered patches | nr the panel width these tables are for | allocates nothing. */
    @Override
    public void packB(int p0, int kc, int j0, int cols, float[] dst, int dstOff, int nr) {
        if (nr % L != 0) {
            packNarrow(p0, kc, j0, cols, dst, dstOff, nr);
            return;
        }
        float[] src = source;
        int panels = (cols + nr - 1) / nr;
        for (int r = 0; r < kc; r++) {
            int base = sourceAt + rowBase[p0 + r];
            if (nr == 2 * L) {
                for (int q = 0, to = dstOff + r * nr, j = j0; q < panels; q++, to += nr * kc, j += nr) {
                    FloatVector.fromArray(S, src, base, columnOffset, j).intoArray(dst, to);
                    FloatVector.fromArray(S, src, base, columnOffset, j + L).intoArray(dst, to + L);
                }
                continue;
            }
            for (int q = 0, to = dstOff + r * nr, j = j0; q < panels; q++, to += nr * kc, j += nr) {
                for (int v = 0; v < nr; v += L) {
                    FloatVector.fromArray(S, src, base, columnOffset, j + v).intoArray(dst, to + v);
                }
            }
        }
    }

    /**
     * Rows {@code [p0, p0 + rows)} of a panel whose pixels lie consecutively from {@code src[at]}, each
     * stored as whole vectors running on into the next row ({@code whole + L} floats) | allocates
     * nothing. One vector a row, the case of every tile narrower than a vector, written as its own
     * loop: inside the general loop over a row's vectors (no trip but one), C2 left the load and
     * store as calls into the Vector API's Java fallback, a boxed vector per row — packing ResNet's
     * 256→512 3x3/s2 A panels took 0.79 ns a float against 0.21–0.31 now, the layer 1.06× as long on
     * one thread and 1.08–1.15× on two (same process, alternated), and ConvCompiledTest saw 645 KB a
     * call there.
     */
    private static void copyRows(float[] src, int at, int[] rowBase, int p0, int rows, int whole, float[] dst, int to, int nr) {
        if (whole == 0) {
            for (int r = 0; r < rows; r++, to += nr) {
                FloatVector.fromArray(S, src, at + rowBase[p0 + r]).intoArray(dst, to);
            }
            return;
        }
        for (int r = 0; r < rows; r++, to += nr) {
            int from = at + rowBase[p0 + r];
            for (int v = 0; v <= whole; v += L) {
                FloatVector.fromArray(S, src, from + v).intoArray(dst, to + v);
            }
        }
    }

    /**
     * {@link #packB} for panels of a width that is no whole number of vectors — MR output pixels, the
     * A panels of a transposed product {@code colᵀ·Wᵀ}. Each panel row's last vector is stored whole,
     * running on into the rows after it, which are written later; only rows that would run past the
     * call's panels (or, gathered, past their own panel) are stored masked. Panels whose pixels lie
     * consecutively in the source are written first, panel by panel, each one sequential stream; the
     * gathered ones then row by row across panels, the same source rows for all of them. Measured on
     * ResNet's 3x3 layers at 7x7, two threads: masked stores of every row, row by row, took 1.12–1.26×
     * as long for the whole 512→512 layer; row by row for the gathered panels of its stride-2 256→512
     * layer 0.94–0.97 of panel by panel.
     */
    private void packNarrow(int p0, int kc, int j0, int cols, float[] dst, int dstOff, int nr) {
        float[] src = source;
        int panels = (cols + nr - 1) / nr;
        int whole = nr - nr % L;
        VectorMask<Float> tail = VectorMask.fromLong(S, (1L << (nr % L)) - 1);
        int end = dstOff + panels * nr * kc;
        boolean gathers = false;
        for (int q = 0, j = j0; q < panels; q++, j += nr) {
            if (!consecutive[j / nr]) {
                gathers = true;
                continue;
            }
            int at = sourceAt + columnOffset[j];
            int to = dstOff + q * nr * kc;
            // rows stored whole inside the call's panels, and of those, rows loaded whole inside the source
            int plain = Math.max(0, Math.min(kc, Math.floorDiv(end - whole - L - to, nr) + 1));
            while (plain > 0 && at + rowBase[p0 + plain - 1] + whole + L > src.length) {
                plain--;
            }
            copyRows(src, at, rowBase, p0, plain, whole, dst, to, nr);
            to += plain * nr;
            for (int r = plain; r < kc; r++, to += nr) {
                int from = at + rowBase[p0 + r];
                for (int v = 0; v < whole; v += L) {
                    FloatVector.fromArray(S, src, from + v).intoArray(dst, to + v);
                }
                FloatVector.fromArray(S, src, from + whole, tail).intoArray(dst, to + whole, tail);
            }
        }
        if (!gathers) {
            return;
        }
        // a gathered panel's next rows are written after it, its next panel's first rows may not be
        int storedWhole = Math.max(0, Math.min(kc, Math.floorDiv(kc * nr - whole - L, nr) + 1));
        for (int r = 0; r < kc; r++) {
            int base = sourceAt + rowBase[p0 + r];
            for (int q = 0, to = dstOff + r * nr, j = j0; q < panels; q++, to += nr * kc, j += nr) {
                if (consecutive[j / nr]) {
                    continue;
                }
                for (int v = 0; v < whole; v += L) {
                    FloatVector.fromArray(S, src, base, columnOffset, j + v).intoArray(dst, to + v);
                }
                FloatVector last = FloatVector.fromArray(S, src, base, columnOffset, j + whole);
                if (r < storedWhole) {
                    last.intoArray(dst, to + whole);
                } else {
                    last.intoArray(dst, to + whole, tail);
                }
            }
        }
    }

    /** Pixels a block of the transposed view's packing must hold to be transposed rather than gathered (none where vectors are not 8 or 16 lanes). */
    private static final int DENSE_BLOCK = Interleave.SQUARE_TRANSPOSE ? 3 * L / 4 : Integer.MAX_VALUE;

    /**
     * The transpose's rows (output pixels) {@code [first, end)}: {@code Bᵀ[j][r] = B[r][first + j]}, a
     * panel row one pixel's NR patch rows.
     */
    private final class Transposed implements PanelSource {
        final int first;
        private final int end;

        Transposed(int first, int end) {
            this.first = first;
            this.end = end;
        }

        @Override
        public int depth() {
            return end - first;
        }

        @Override
        public int columns() {
            return rows;
        }

        /**
         * dst panels := the patches, transposed | nr a multiple of the lane count | allocates nothing.
         * Per L panel columns (patch rows) and block of pixels whose patch elements lie within one
         * vector of each row's first (an output row's consecutive pixels, up to L): the L rows'
         * vectors staged in the block's own panel rows, transposed there in registers, and each
         * pixel's vector moved to its row (columns the source skips, a row's end and its padding,
         * leave rows the next block overwrites). A block whose panel rows would pass the panel's
         * depth, whose loads the source does not hold, or with fewer than {@link #DENSE_BLOCK}
         * pixels gathers each pixel's vector instead: at column stride 2 (eight pixels a block)
         * the transposes and row moves took 1.09–1.12× the gathers' time (ResNet's 128→256 3x3/s2
         * to 14x14, dw, one thread).
         */
        @Override
        public void packB(int p0, int kc, int j0, int cols, float[] dst, int dstOff, int nr) {
            float[] src = source;
            int start = first + p0;
            int end = start + kc;
            int panels = (cols + nr - 1) / nr;
            for (int q = 0, j = j0; q < panels; q++, j += nr) {
                int panelAt = dstOff + q * kc * nr;
                for (int v = 0; v < nr; v += L) {
                    int reach = 0; // the farthest row start of these L columns: a block's loads end L past it
                    for (int i = 0; i < L; i++) {
                        reach = Math.max(reach, rowBase[j + v + i]);
                    }
                    for (int pixel = start, next; pixel < end; pixel = next) {
                        int s0 = columnOffset[pixel];
                        next = pixel + 1;
                        while (next < end && columnOffset[next] > columnOffset[next - 1] && columnOffset[next] - s0 < L) {
                            next++;
                        }
                        int at = panelAt + (pixel - start) * nr + v;
                        if (next - pixel >= DENSE_BLOCK && pixel - start + L <= kc && (long) sourceAt + reach + s0 + L <= src.length) {
                            for (int i = 0; i < L; i++) {
                                FloatVector.fromArray(S, src, sourceAt + rowBase[j + v + i] + s0).intoArray(dst, at + i * nr);
                            }
                            Interleave.transposeSquare(dst, at, nr, dst, at, nr);
                            for (int t = pixel + 1; t < next; t++) { // rows move up, never onto one still to move
                                int from = columnOffset[t] - s0;
                                if (from != t - pixel) {
                                    FloatVector.fromArray(S, dst, at + from * nr).intoArray(dst, at + (t - pixel) * nr);
                                }
                            }
                        } else {
                            for (int t = pixel; t < next; t++) {
                                FloatVector.fromArray(S, src, sourceAt + columnOffset[t], rowBase, j + v)
                                        .intoArray(dst, at + (t - pixel) * nr);
                            }
                        }
                    }
                }
            }
        }
    }
}

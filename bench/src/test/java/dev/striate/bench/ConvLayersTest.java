package dev.striate.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.conv.ConvProblem;
import dev.striate.conv.Convolution;
import org.junit.jupiter.api.Test;

/**
 * Every benchmarked layer, on the algorithm this machine's rule picks for it, borrows at most one
 * image's im2col matrix of workspace (the convolution issue's bound; Winograd's transformed input
 * and products are the layers that came close).
 */
class ConvLayersTest {

    @Test
    void everyLayerBorrowsAtMostOneImagesIm2col() {
        for (String name : ConvLayers.LAYERS.keySet()) {
            ConvProblem problem = ConvLayers.problem(name, 1);
            Convolution conv = new Convolution(problem.params(), new float[problem.params().weightSize()], null);
            long workspace = conv.workspaceFloats(problem.height(), problem.width());
            long im2col = ConvLayers.im2colFloats(problem);
            assertTrue(workspace <= im2col, name + " (" + conv.algorithmFor(problem.height(), problem.width())
                    + "): workspace " + workspace + " floats against one image's im2col " + im2col);
        }
    }
}

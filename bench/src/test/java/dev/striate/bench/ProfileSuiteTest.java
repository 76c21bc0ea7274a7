package dev.striate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.striate.bench.ProfileSuite.Layer;
import dev.striate.bench.ProfileSuite.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileSuiteTest {

    @Test
    void alignsConvolutionsPoolsAndGemmsWithTheElementWiseStepsFoldedIn() {
        List<Layer> striate = List.of(
                new Layer("conv_1", "Conv+BatchNormalization+Relu", "[1,8,4,4]", 10),
                new Layer("pool", "MaxPool", "[1,8,2,2]", 2),
                new Layer("conv_2", "Conv+BatchNormalization", "[1,8,2,2]", 5),
                new Layer("add", "Add", "[1,8,2,2]", 1),
                new Layer("relu", "Relu", "[1,8,2,2]", 0.5),
                new Layer("gemm", "Gemm", "[1,10]", 3));
        List<Layer> ort = List.of(
                new Layer("v1", "Conv", "", 8),
                new Layer("v2", "MaxPool", "", 1),
                new Layer("v3", "Conv", "", 6),
                new Layer("reorder", "ReorderOutput", "", 0.5),
                new Layer("gemm", "Gemm", "", 2));
        List<Row> rows = ProfileSuite.align(striate, ort);
        assertEquals(4, rows.size());
        assertEquals(6.5, rows.get(2).striate().micros(), 1e-12);
        assertEquals("Conv+BatchNormalization(+Add)(+Relu)", rows.get(2).striate().operator());
        assertEquals(6.5, rows.get(2).onnxRuntime().micros(), 1e-12);
        assertEquals("gemm", rows.get(3).onnxRuntime().name());
        String table = ProfileSuite.render("m", 1, 5, rows, striate, ort);
        assertTrue(table.contains("| 2 | conv_2 | Conv+BatchNormalization(+Add)(+Relu) | [1,8,2,2] | 6.5 | v3 Conv(+ReorderOutput) | 6.5 | 1.00 |"), table);

        assertTrue(ProfileSuite.align(striate, ort.subList(0, 3)).isEmpty(), "different anchor counts pair nothing");
        assertTrue(ProfileSuite.render("m", 2, 5, List.of(), striate, ort.subList(0, 3)).contains("listed apart"));
    }

    @Test
    void readsOnnxRuntimesTraceAsMeansOfTheLastRuns() {
        String trace = """
                [{"cat":"Session","name":"model_run","dur":100},
                 {"cat":"Node","name":"v1_kernel_time","dur":30,"args":{"op_name":"Conv"}},
                 {"cat":"Node","name":"v1_fence_before","dur":0,"args":{"op_name":"Conv"}},
                 {"cat":"Node","name":"v2_kernel_time","dur":5,"args":{"op_name":"MaxPool"}},
                 {"cat":"Node","name":"v1_kernel_time","dur":10,"args":{"op_name":"Conv"}},
                 {"cat":"Node","name":"v2_kernel_time","dur":3,"args":{"op_name":"MaxPool"}},
                 {"cat":"Node","name":"v1_kernel_time","dur":20,"args":{"op_name":"Conv"}},
                 {"cat":"Node","name":"v2_kernel_time","dur":7,"args":{"op_name":"MaxPool"}}]""";
        List<Layer> layers = ProfileSuite.onnxRuntimeLayers(trace, 2);
        assertEquals(2, layers.size());
        assertEquals(new Layer("v1", "Conv", "", 15), layers.get(0));
        assertEquals(new Layer("v2", "MaxPool", "", 5), layers.get(1));
    }
}

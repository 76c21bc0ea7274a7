package dev.striate.bench;

import dev.striate.conv.ConvProblem;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The convolution layers of real networks that the conv benchmarks run, by name, as benchdnn
 * descriptors at batch 1 ({@link #problem} sets the batch).
 */
final class ConvLayers {

    static final Map<String, String> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("alexnet-conv1", "mb1ic3ih227oc96oh55kh11sh4");
        LAYERS.put("alexnet-conv2", "mb1ic96ih27oc256oh27kh5ph2");
        LAYERS.put("alexnet-conv3", "mb1ic256ih13oc384oh13kh3ph1");
        LAYERS.put("alexnet-conv4", "mb1ic384ih13oc384oh13kh3ph1");
        LAYERS.put("alexnet-conv5", "mb1ic384ih13oc256oh13kh3ph1");
        LAYERS.put("resnet-conv1", "mb1ic3ih224oc64oh112kh7sh2ph3");
        LAYERS.put("resnet-3x3-64", "mb1ic64ih56oc64oh56kh3ph1");
        LAYERS.put("resnet-3x3-128", "mb1ic128ih28oc128oh28kh3ph1");
        LAYERS.put("resnet-3x3-256", "mb1ic256ih14oc256oh14kh3ph1");
        LAYERS.put("resnet-3x3-512", "mb1ic512ih7oc512oh7kh3ph1");
        LAYERS.put("resnet-3x3-s2-128", "mb1ic64ih56oc128oh28kh3sh2ph1");
        LAYERS.put("resnet-3x3-s2-256", "mb1ic128ih28oc256oh14kh3sh2ph1");
        LAYERS.put("resnet-3x3-s2-512", "mb1ic256ih14oc512oh7kh3sh2ph1");
        LAYERS.put("resnet-1x1-256-64", "mb1ic256ih56oc64oh56kh1");
        LAYERS.put("resnet-1x1-64-256", "mb1ic64ih56oc256oh56kh1");
        LAYERS.put("resnet-1x1-s2", "mb1ic256ih56oc512oh28kh1sh2");
        LAYERS.put("vgg16-conv3_1", "mb1ic128ih56oc256oh56kh3ph1");
        LAYERS.put("vgg16-conv3_2", "mb1ic256ih56oc256oh56kh3ph1");
        LAYERS.put("mobilenetv2-dw-32", "g32mb1ic32ih112oc32oh112kh3ph1");
        LAYERS.put("mobilenetv2-dw-144-s2", "g144mb1ic144ih56oc144oh28kh3sh2ph1");
    }

    private ConvLayers() {
    }

    /** Floats of one image's im2col matrix: every patch of every output pixel ({@code C·KH·KW × OH·OW}). */
    static long im2colFloats(ConvProblem problem) {
        var p = problem.params();
        return (long) p.inChannels() * p.kernelH() * p.kernelW() * problem.outputHeight() * problem.outputWidth();
    }

    /** The named layer (or a descriptor given directly) with batch {@code batch}. */
    static ConvProblem problem(String nameOrDescriptor, int batch) {
        ConvProblem p = ConvProblem.parse(LAYERS.getOrDefault(nameOrDescriptor, nameOrDescriptor));
        return new ConvProblem(batch, p.height(), p.width(), p.params());
    }
}

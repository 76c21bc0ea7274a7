package dev.striate.nn;

import dev.striate.activation.Relu;
import dev.striate.conv.ConvParams;
import dev.striate.gemm.Sgemm;
import dev.striate.tensor.Shape;

/** Small networks the nn tests share. */
final class TestNetworks {

    private TestNetworks() {
    }

    /** conv – BN – ReLU – pool – residual – flatten – dropout – linear, on [1, 8, 8] inputs. */
    static Sequential small(Sgemm gemm, long seed) {
        Sequential net = new Sequential(
                new Conv2d(ConvParams.of(1, 4, 3).padding(1), true),
                new BatchNorm2d(4),
                Sequential.layer(new Relu()),
                new MaxPool2d(2),
                new Residual(new Sequential(new Conv2d(ConvParams.of(4, 4, 3).padding(1), false), Sequential.layer(new Relu()))),
                new Flatten(),
                new Dropout(0.2f, seed),
                new Linear(64, 10));
        net.build(Shape.of(1, 8, 8), gemm);
        net.initialize(Init.heNormal(seed));
        return net;
    }
}

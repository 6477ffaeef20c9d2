package dev.dendrite.zoo;

import dev.dendrite.nn.Module;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Models by their short command-line name. Each factory takes the input shape {@code [C, H, W]} and
 * the number of classes.
 */
public final class ModelZoo {
    /** Builds a model for an input shape {@code [C, H, W]} and a class count. */
    public interface Factory {
        Module build(int[] chw, int classes);
    }

    private static final Map<String, Factory> MODELS = new LinkedHashMap<>();

    static {
        register("lenet", (s, k) -> LeNet5.build(s[0], s[1], s[2], k, 0));
        register("mlp", (s, k) -> Mlp.build(s[0] * s[1] * s[2], new int[]{256, 128}, k));
        register("vgg", (s, k) -> Vgg.small(s[0], k));
        register("resnet18", (s, k) -> ResNet.resnet18(s[0], k));
        register("resnet20", (s, k) -> ResNet.resnet20(s[0], k));
        register("mobilenet", (s, k) -> MobileNet.v1(s[0], k, 0.25));
        register("shufflenet", (s, k) -> ShuffleNet.small(s[0], k));
        register("unet", (s, k) -> UNet.classifier(s[0], k, 16));
        register("densenet", (s, k) -> DenseNet.small(s[0], k));
        register("senet", (s, k) -> SqueezeExcitationNet.small(s[0], k));
    }

    private ModelZoo() {
    }

    public static void register(String name, Factory f) {
        MODELS.put(name, f);
    }

    public static Module build(String name, int[] chw, int classes) {
        Factory f = MODELS.get(name);
        if (f == null)
            throw new IllegalArgumentException("unknown model '" + name + "'; available: " + String.join(", ", MODELS.keySet()));
        return f.build(chw, classes);
    }

    public static java.util.Set<String> names() {
        return MODELS.keySet();
    }

}

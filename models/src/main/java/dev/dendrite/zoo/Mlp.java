package dev.dendrite.zoo;

import dev.dendrite.nn.Activation;
import dev.dendrite.nn.Flatten;
import dev.dendrite.nn.Linear;
import dev.dendrite.nn.Module;
import dev.dendrite.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/** A multi-layer perceptron: flatten → (dense → ReLU)* → dense classes. */
public final class Mlp {
    private Mlp() {
    }

    public static Sequential build(int inputs, int[] hidden, int classes) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Flatten());
        int in = inputs;
        for (int h : hidden) {
            layers.add(new Linear(in, h));
            layers.add(Activation.relu());
            in = h;
        }
        layers.add(new Linear(in, classes));
        return new Sequential(layers);
    }
}

package dev.dendrite.train;

import dev.dendrite.DType;
import dev.dendrite.Device;
import dev.dendrite.Shape;
import dev.dendrite.Tensor;
import dev.dendrite.io.SafeTensors;
import dev.dendrite.nn.Module;
import dev.dendrite.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and restores training state in the safetensors format: model parameters and buffers under
 * their dotted names, optimizer state under {@code optimizer.<name>}, and string metadata (model
 * name, epoch, global step, seed). Writes are atomic (see {@link SafeTensors#write}); loading checks
 * every name, shape and dtype before anything is copied, so a mismatch never leaves a half-loaded model.
 */
public final class Checkpoint {
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private Checkpoint() {
    }

    /** Host copy of a tensor as a safetensors entry. */
    static SafeTensors.TensorEntry entry(Tensor t) {
        int[] shape = t.shape().toArray();
        return switch (t.dtype()) {
            case FLOAT32 -> SafeTensors.TensorEntry.of(t.toFloatArray(), shape);
            case FLOAT64 -> SafeTensors.TensorEntry.of(t.toDoubleArray(), shape);
            case INT32 -> SafeTensors.TensorEntry.of(t.toIntArray(), shape);
            case INT64 -> SafeTensors.TensorEntry.of(t.toLongArray(), shape);
        };
    }

    /** A tensor on {@code device} holding an entry's data. */
    static Tensor tensor(SafeTensors.TensorEntry e, Device device) {
        return Tensor.fromArray(e.data(), Shape.of(e.shape()), device);
    }

    public static void save(Path file, Module model, Optimizer optimizer, Map<String, String> metadata) throws IOException {
        Map<String, SafeTensors.TensorEntry> out = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, entry(v)));
        if (optimizer != null) optimizer.stateDict().forEach((k, v) -> out.put(OPTIMIZER_PREFIX + k, entry(v)));
        SafeTensors.write(file, out, metadata);
    }

    /** What a checkpoint holds besides tensors. */
    public record Info(Map<String, String> metadata) {
        public int epoch() {
            return Integer.parseInt(metadata.getOrDefault("epoch", "0"));
        }

        public long step() {
            return Long.parseLong(metadata.getOrDefault("step", "0"));
        }

        public String model() {
            return metadata.getOrDefault("model", "");
        }
    }

    /** Reads only the metadata (and validates the whole file). */
    public static Info info(Path file) throws IOException {
        return new Info(SafeTensors.read(file).metadata());
    }

    /**
     * Loads model (and optimizer, when given and present) state. Throws naming every missing,
     * unexpected or mis-shaped tensor, and any dtype that differs from the model's.
     */
    public static Info load(Path file, Module model, Optimizer optimizer) throws IOException {
        SafeTensors.Loaded loaded = SafeTensors.read(file);
        Map<String, Tensor> mine = model.stateDict();
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        Map<String, Tensor> optState = new LinkedHashMap<>();
        Device device = mine.isEmpty() ? Device.CPU : mine.values().iterator().next().device();
        for (Map.Entry<String, SafeTensors.TensorEntry> e : loaded.tensors().entrySet()) {
            String k = e.getKey();
            if (k.startsWith(OPTIMIZER_PREFIX)) {
                optState.put(k.substring(OPTIMIZER_PREFIX.length()), tensor(e.getValue(), device));
                continue;
            }
            Tensor target = mine.get(k);
            if (target != null && !DType.valueOf(dtypeName(e.getValue().dtype())).equals(target.dtype()))
                throw new IllegalArgumentException("checkpoint " + file + ": '" + k + "' is " + e.getValue().dtype() + ", model has "
                        + target.dtype());
            modelState.put(k, tensor(e.getValue(), device));
        }
        model.loadStateDict(modelState);
        if (optimizer != null && !optState.isEmpty()) optimizer.loadStateDict(optState);
        modelState.values().forEach(Tensor::close);
        return new Info(loaded.metadata());
    }

    private static String dtypeName(String safetensorsDtype) {
        return switch (safetensorsDtype) {
            case "F32" -> "FLOAT32";
            case "F64" -> "FLOAT64";
            case "I32" -> "INT32";
            case "I64" -> "INT64";
            default -> throw new IllegalArgumentException("checkpoint: unsupported dtype " + safetensorsDtype);
        };
    }
}

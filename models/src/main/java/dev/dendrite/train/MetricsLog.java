package dev.dendrite.train;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Appends one JSON object per epoch to a file (JSON lines), for machines to read. */
public final class MetricsLog implements TrainingListener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public MetricsLog(Path file) {
        this.file = file;
    }

    @Override
    public void onEpochEnd(EpochMetrics m) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("epoch", m.epoch());
        row.put("step", m.step());
        row.put("train_loss", m.trainLoss());
        row.put("train_accuracy", m.trainAccuracy());
        if (!Double.isNaN(m.valLoss())) {
            row.put("val_loss", m.valLoss());
            row.put("val_accuracy", m.valAccuracy());
        }
        row.put("learning_rate", m.learningRate());
        row.put("seconds", m.seconds());
        row.put("samples_per_second", m.samplesPerSecond());
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, JSON.writeValueAsString(row) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics log: cannot write " + file, e);
        }
    }
}

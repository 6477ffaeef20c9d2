package dev.dendrite.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes loss and accuracy curves (train and validation, per epoch and per batch) as a PNG when training ends. */
public final class CurvePlotter implements TrainingListener {
    private static final Logger log = LoggerFactory.getLogger(CurvePlotter.class);
    private final Path file;
    private final List<Double> steps = new ArrayList<>(), batchLoss = new ArrayList<>();

    public CurvePlotter(Path file) {
        this.file = file;
    }

    @Override
    public void onBatchEnd(int epoch, int batch, long step, double loss, double accuracy, int batchSize) {
        steps.add((double) step);
        batchLoss.add(loss);
    }

    @Override
    public void onTrainEnd(List<EpochMetrics> history) {
        if (steps.isEmpty()) return;
        System.setProperty("java.awt.headless", "true");
        XYChart loss = new XYChartBuilder().width(900).height(420).title("Loss").xAxisTitle("step").yAxisTitle("loss").build();
        loss.addSeries("train (batch)", steps, batchLoss).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.NONE);
        List<Double> epochSteps = new ArrayList<>(), val = new ArrayList<>(), acc = new ArrayList<>(), trainAcc = new ArrayList<>();
        for (EpochMetrics m : history) {
            epochSteps.add((double) m.step());
            val.add(m.valLoss());
            acc.add(m.valAccuracy());
            trainAcc.add(m.trainAccuracy());
        }
        if (val.stream().noneMatch(v -> v.isNaN())) loss.addSeries("validation", epochSteps, val);
        XYChart accuracy = new XYChartBuilder().width(900).height(420).title("Accuracy").xAxisTitle("step").yAxisTitle("accuracy").build();
        accuracy.addSeries("train", epochSteps, trainAcc);
        if (acc.stream().noneMatch(v -> v.isNaN())) accuracy.addSeries("validation", epochSteps, acc);
        try {
            String base = file.toString().replaceAll("\\.png$", "");
            BitmapEncoder.saveBitmap(loss, base + "-loss", BitmapEncoder.BitmapFormat.PNG);
            BitmapEncoder.saveBitmap(accuracy, base + "-accuracy", BitmapEncoder.BitmapFormat.PNG);
            log.info("Wrote {}-loss.png and {}-accuracy.png", base, base);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write training curves to {}: {}", file, e.toString());
        }
    }
}
